//! Sign in to [Unleash Live](https://unleashlive.com) and call its APIs with the right
//! credentials.
//!
//! Data flows one way: [`Config`] → [`CognitoClient`] sign-in → [`Session`] → the header each
//! API needs ([`ApiKind`]).
//!
//! ```no_run
//! use unleashlive_auth::{ApiKind, CognitoClient, Config, Password, SignIn};
//!
//! # async fn run() -> Result<(), unleashlive_auth::Error> {
//! // Production settings; `Settings` changes any of them, `config::Profile` reads them as `ul-auth` does.
//! let config = Config::unleash_live();
//! let cognito = CognitoClient::new(config).await;
//! let password = Password::new(std::env::var("UL_PASSWORD").unwrap_or_default());
//! match cognito.sign_in_with_password("pilot@example.com", &password).await? {
//!     SignIn::Done(session) => {
//!         let claims = session.claims();
//!         println!("team {:?}, company {:?}", claims.team_id, claims.company_id);
//!         let (name, value) = ApiKind::Graphql.header_for(&session);
//!         // reqwest::Client::new().post(graphql_url).header(name, value) ...
//!         # let _ = (name, value);
//!     }
//!     SignIn::Challenge(challenge) => {
//!         eprintln!("Cognito asks for {}", challenge.kind().as_str());
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! ## Sessions that last
//!
//! A [`CognitoSessions`] hands out a session valid for at least five minutes, refreshing it
//! first when needed (single-flight within the process and, through a file lock, across
//! processes); the `ul-auth login` cache is a [`SessionStore`].
//!
//! ```no_run
//! use unleashlive_auth::{CognitoRenewer, CognitoSessions, Config, SessionStore};
//!
//! # async fn run() -> Result<(), unleashlive_auth::Error> {
//! let config = Config::unleash_live();
//! let store = SessionStore::new("/home/pilot/.cache/unleashlive-auth");
//! let sessions = CognitoSessions::new(store, "default", CognitoRenewer::new(config));
//! let session = sessions.current().await?; // refreshed when about to expire
//! # let _ = session;
//! # Ok(()) }
//! ```
//!
//! ## AWS credentials (identity pool) for S3 and any AWS SDK client
//!
//! ```no_run
//! use unleashlive_auth::{CognitoRenewer, CognitoSessions, Config, IdentityCredentials, SessionStore};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config::unleash_live();
//! let store = SessionStore::new("/home/pilot/.cache/unleashlive-auth");
//! let sessions = CognitoSessions::new(store, "default", CognitoRenewer::new(config.clone()));
//! let credentials = IdentityCredentials::new(sessions); // renews itself before expiry
//!
//! let s3 = aws_sdk_s3::Client::from_conf(
//!     aws_sdk_s3::Config::builder()
//!         .behavior_version_latest()
//!         .region(aws_sdk_s3::config::Region::new(config.region().to_owned()))
//!         .credentials_provider(credentials.clone()) // the one line
//!         .build(),
//! );
//! # let _ = s3;
//! # Ok(()) }
//! ```
//!
//! Errors are one enum, [`Error`]; [`Error::class`] groups them (authentication, service,
//! usage) for exit codes and retries. Secrets ([`Password`], [`IdToken`], ...) print as
//! `[redacted]` in `Debug` and have no `Display`.

#![deny(missing_docs)]

// The session cache's privacy rests on Unix file modes (0600 files, a 0700 directory) and
// `ul-auth exec` reports Unix signals; none of it has a Windows counterpart here, so say so
// once instead of failing on the first `std::os::unix` import.
#[cfg(not(unix))]
compile_error!(
    "unleashlive-auth supports Linux and macOS (Unix) only: its session cache relies on Unix file \
     modes. Windows is not supported."
);

pub mod api;
pub mod aws;
pub mod clock;
pub mod cognito;
pub mod config;
pub mod credentials;
pub mod doctor;
pub mod error;
pub mod providers;
pub mod secret;
pub mod text;
pub mod token;
pub mod transport;

pub use api::auth::{ApiKind, Auth, AuthHeader};
pub use aws::identity::{AwsCredentials, IdentityClient, IdentityCredentials};
pub use cognito::{Challenge, ChallengeKind, CognitoClient, CognitoRenewer, SignIn};
pub use config::{Config, ConfigFile, Settings};
pub use credentials::manager::{LockedSession, SessionManager};
pub use error::{Error, ErrorClass, Result};

/// Valid Cognito sessions for one profile, refreshed before they expire.
pub type CognitoSessions = SessionManager<CognitoRenewer>;
#[cfg(feature = "upload")]
pub use aws::upload::{Upload, Uploaded, Uploader};
pub use cognito::session::Session;
pub use credentials::store::SessionStore;
pub use providers::{Provider, ProviderKind};
pub use secret::{
    AccessToken, ApiKey, ClientSecret, IdToken, LoginToken, OneTimeCode, Password,
    PersonalAccessToken, ProviderToken, RefreshToken, SecretKey,
};

// Old paths, kept for one release (see CHANGELOG.md).
macro_rules! moved {
    ($($old:ident => $new:literal, $($path:ident)::+;)*) => {$(
        #[deprecated(since = "0.2.0", note = $new)]
        #[doc(hidden)]
        pub mod $old {
            pub use crate::$($path)::+::*;
        }
    )*};
}
moved! {
    auth => "moved to `unleashlive_auth::api::auth`", api::auth;
    identity => "moved to `unleashlive_auth::aws::identity`", aws::identity;
    manager => "moved to `unleashlive_auth::credentials::manager`", credentials::manager;
    pat => "moved to `unleashlive_auth::credentials::pat`", credentials::pat;
    session => "moved to `unleashlive_auth::cognito::session`", cognito::session;
    store => "moved to `unleashlive_auth::credentials::store`", credentials::store;
}
/// Moved to [`aws::upload`].
#[cfg(feature = "upload")]
#[deprecated(since = "0.2.0", note = "moved to `unleashlive_auth::aws::upload`")]
#[doc(hidden)]
pub mod upload {
    pub use crate::aws::upload::*;
}
