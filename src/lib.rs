//! Sign in to [Unleash Live](https://unleashlive.com) and call its APIs with the right
//! credentials.
//!
//! Data flows one way: [`Config`] (settings) → sign-in ([`cognito`], [`providers`]) → a
//! stored, self-refreshing credential ([`credentials`]) → an [`Auth`] that stamps each request
//! with the header its API takes → the API clients ([`api`], [`aws`]). [`UnleashLive`] puts it
//! together for one profile:
//!
//! ```no_run
//! use unleashlive_auth::api::media_drive::ListOptions;
//! use unleashlive_auth::{Error, Password, SignIn, UnleashLive};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Error> {
//!     // The profile `ul-auth` uses: environment > config file > production; the same cache.
//!     let ul = UnleashLive::from_profile("default").await?;
//!     if !ul.is_signed_in()? {
//!         let password = Password::new(std::env::var("UL_PASSWORD").unwrap_or_default());
//!         if let SignIn::Challenge(c) = ul.sign_in("pilot@example.com", &password).await? {
//!             panic!("Cognito asks for {}: answer it with `ul-auth login`", c.kind().as_str());
//!         }
//!     }
//!     let drive = ul.media_drive(); // GraphQL, `authorization: <ID token>`, renewed as needed
//!     let folder = drive.get("FOLDER_ID").await?.expect("no such folder");
//!     let page = drive.list_page(&folder.listing_location(), &ListOptions::default(), None).await?;
//!     page.items.iter().for_each(|item| println!("{} {:?}", item.id, item.name));
//!     Ok(())
//! }
//! ```
//!
//! The same client hands out [`flights`](UnleashLive::flights),
//! [`analytics`](UnleashLive::analytics), the identity-pool
//! [`aws_credentials`](UnleashLive::aws_credentials) for any AWS SDK client and the Media Drive
//! uploader, all over one HTTP client and one credential; [`UnleashLive::builder`] takes
//! explicit settings, a store (e.g. [`SessionStore::in_memory`]), an HTTP client, a clock or a
//! personal access token.
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
#[cfg(feature = "cognito")]
pub mod aws;
#[cfg(feature = "cognito")]
pub mod client;
pub mod clock;
#[cfg(feature = "cognito")]
pub mod cognito;
pub mod config;
pub mod credentials;
#[cfg(feature = "cognito")]
pub mod doctor;
pub mod error;
pub mod providers;
pub mod secret;
pub mod text;
pub mod token;
pub mod transport;

/// The README's Rust examples, compiled (not run) as doctests so they cannot rot.
#[cfg(all(doctest, feature = "cognito"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub use api::auth::{ApiKind, Auth, AuthHeader};
#[cfg(feature = "cognito")]
pub use aws::identity::{AwsCredentials, IdentityClient, IdentityCredentials};
#[cfg(feature = "cognito")]
pub use client::{CredentialChoice, CredentialSource, UnleashLive, UnleashLiveBuilder};
#[cfg(feature = "cognito")]
pub use cognito::{Challenge, ChallengeKind, CognitoClient, CognitoRenewer, SignIn};
pub use config::{Config, ConfigFile, Settings};
pub use credentials::manager::{LockedSession, SessionManager};
pub use credentials::provider::Sessions;
pub use error::{Error, ErrorClass, Result};

/// Valid Cognito sessions for one profile, refreshed before they expire: the [`Sessions`] of
/// the Unleash Live provider.
#[cfg(feature = "cognito")]
pub type CognitoSessions = Sessions<CognitoRenewer>;
#[cfg(feature = "upload")]
pub use aws::upload::{Upload, Uploaded, Uploader};
#[cfg(feature = "cognito")]
pub use cognito::session::Session;
pub use credentials::store::SessionStore;
pub use providers::{Provider, ProviderKind};
pub use secret::{
    AccessToken, ApiKey, ClientSecret, IdToken, LoginToken, OneTimeCode, Password,
    PersonalAccessToken, ProviderToken, RefreshToken, SecretKey,
};

// Old paths, kept for one release (see CHANGELOG.md).
macro_rules! moved {
    ($($(#[$attr:meta])* $old:ident => $new:literal, $($path:ident)::+;)*) => {$(
        $(#[$attr])*
        #[deprecated(since = "0.2.0", note = $new)]
        #[doc(hidden)]
        pub mod $old {
            pub use crate::$($path)::+::*;
        }
    )*};
}
moved! {
    auth => "moved to `unleashlive_auth::api::auth`", api::auth;
    #[cfg(feature = "cognito")]
    identity => "moved to `unleashlive_auth::aws::identity`", aws::identity;
    manager => "moved to `unleashlive_auth::credentials::manager`", credentials::manager;
    pat => "moved to `unleashlive_auth::credentials::pat`", credentials::pat;
    #[cfg(feature = "cognito")]
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
