//! Secret values: each its own type, redacted in `Debug`, no `Display`, no `Serialize`,
//! zeroized on drop, readable only through `secret()`.
//!
//! The on-disk cache has its own explicit struct that reads these through `secret()`, so
//! persisting a secret is always a visible, deliberate act.

macro_rules! secret_string {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(::zeroize::Zeroizing<String>);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(::zeroize::Zeroizing::new(value.into()))
            }

            /// The secret itself. Every call site is a place where the secret leaves its box.
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                <String as ::serde::Deserialize>::deserialize(d).map(Self::new)
            }
        }
    };
}

// For the AWS secrets in `aws::identity`.
#[cfg(feature = "cognito")]
pub(crate) use secret_string;

secret_string!(
    /// A user's password. Never stored, never logged.
    Password
);
secret_string!(
    /// An app client secret (for app clients created with one).
    ClientSecret
);
secret_string!(
    /// A Cognito ID token (a JWT). Sent to Unleash Live's GraphQL and REST APIs.
    IdToken
);
secret_string!(
    /// A Cognito access token (a JWT).
    AccessToken
);
secret_string!(
    /// A Cognito refresh token (opaque).
    RefreshToken
);
secret_string!(
    /// A TOTP (authenticator app) shared secret, base32.
    TotpSecret
);
secret_string!(
    /// The random password of a remembered device (its SRP secret).
    DevicePassword
);
secret_string!(
    /// The opaque `Session` string Cognito hands out with a challenge.
    ChallengeSession
);
secret_string!(
    /// An Unleash Live personal access token (`ul_pat_...`), sent as `Authorization: Bearer`.
    PersonalAccessToken
);
secret_string!(
    /// A legacy Unleash Live API key, sent as `x-api-key`.
    ApiKey
);

secret_string!(
    /// A token another token system handed out (a UNITH bearer, an Unleash API token, an
    /// UnleashX API token): what goes in the provider's header.
    ProviderToken
);
secret_string!(
    /// A long-lived secret that mints tokens (the UNITH secret key). Stored only when asked.
    SecretKey
);
secret_string!(
    /// A short-lived login token (UnleashX), used once to mint an API token and then dropped.
    LoginToken
);
secret_string!(
    /// A one-time code sent by e-mail (UnleashX sign-in).
    OneTimeCode
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_contains_the_secret() {
        let p = Password::new("hunter2-Sup3r!");
        let shown = format!("{p:?} {:?}", RefreshToken::new("eyJ-refresh"));
        assert!(!shown.contains("hunter2"));
        assert!(!shown.contains("eyJ-refresh"));
        assert_eq!(format!("{p:?}"), "Password([redacted])");
        assert_eq!(p.secret(), "hunter2-Sup3r!");
    }
}
