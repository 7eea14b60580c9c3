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
//! // Production settings; override any field (or use `Settings::from_env()`).
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
//!         .region(aws_sdk_s3::config::Region::new(config.region.clone()))
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
pub mod auth;
mod aws;
pub mod clock;
pub mod cognito;
pub mod config;
pub mod doctor;
pub mod error;
mod flight;
pub mod identity;
mod keychain;
pub mod manager;
pub mod pat;
mod private_fs;
pub mod providers;
pub mod secret;
pub mod session;
pub mod store;
pub mod text;
pub mod token;
pub mod transport;
#[cfg(feature = "upload")]
pub mod upload;

pub use auth::{ApiKind, Auth, AuthHeader};
pub use cognito::{Challenge, ChallengeKind, CognitoClient, CognitoRenewer, SignIn};
pub use config::{Config, ConfigFile, Settings};
pub use error::{Error, ErrorClass, Result};
pub use identity::{AwsCredentials, IdentityClient, IdentityCredentials};
pub use manager::{LockedSession, SessionManager};

/// Valid Cognito sessions for one profile, refreshed before they expire.
pub type CognitoSessions = SessionManager<CognitoRenewer>;
pub use providers::{Provider, ProviderKind};
pub use secret::{
    AccessToken, ApiKey, ClientSecret, IdToken, LoginToken, OneTimeCode, Password,
    PersonalAccessToken, ProviderToken, RefreshToken, SecretKey,
};
pub use session::Session;
pub use store::SessionStore;
#[cfg(feature = "upload")]
pub use upload::{Upload, Uploaded, Uploader};
