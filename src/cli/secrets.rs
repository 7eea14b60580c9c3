//! The secrets ul-auth reads: the variables that hold them, which `exec` keeps from its
//! command (`exposed.rs` warns when one is typed on the command line instead). It imports no
//! other cli module.

/// The Unleash Live password.
pub const PASSWORD: &str = "UL_PASSWORD";
/// The app client secret.
pub const CLIENT_SECRET: &str = unleashlive_auth::config::env::CLIENT_SECRET;
/// An MFA code.
pub const MFA_CODE: &str = "UL_MFA_CODE";
/// A one-time sign-in code (choice-based sign-in).
pub const OTP_CODE: &str = "UL_OTP_CODE";
/// The code of `password confirm`.
pub const RESET_CODE: &str = "UL_RESET_CODE";
/// The token `verify` checks.
pub const VERIFY_TOKEN: &str = "UL_VERIFY_TOKEN";
/// A legacy analytics API key.
pub const API_KEY: &str = "UL_API_KEY";
/// A personal access token.
pub const API_TOKEN: &str = unleashlive_auth::credentials::pat::ENV_VAR;
/// The UNITH secret key.
pub const UNITH_SECRET_KEY: &str = "UNITH_SECRET_KEY";
/// An Unleash API token (`exec` sets it again for the unleash provider).
pub const UNLEASH_API_TOKEN: &str = "UNLEASH_API_TOKEN";
/// The UnleashX one-time code.
pub const UNLEASHX_OTP: &str = "UNLEASHX_OTP";

/// Every one of the above: `exec` removes them from its command's environment.
pub const ALL: [&str; 11] = [
    PASSWORD,
    CLIENT_SECRET,
    MFA_CODE,
    OTP_CODE,
    RESET_CODE,
    VERIFY_TOKEN,
    API_KEY,
    API_TOKEN,
    UNITH_SECRET_KEY,
    UNLEASH_API_TOKEN,
    UNLEASHX_OTP,
];
