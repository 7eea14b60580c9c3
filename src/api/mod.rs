//! Clients for Unleash Live's APIs, all on one shared [`HttpClient`](http::HttpClient) and
//! one [`Auth`](crate::api::auth::Auth).
//!
//! ```no_run
//! use futures_util::TryStreamExt as _;
//! use unleashlive_auth::api::http::HttpClient;
//! use unleashlive_auth::api::media_drive::{ListOptions, MediaDrive};
//! use unleashlive_auth::api::auth::Auth;
//! use unleashlive_auth::{Config, PersonalAccessToken};
//!
//! # async fn run() -> Result<(), unleashlive_auth::Error> {
//! let config = Config::unleash_live();
//! let auth = Auth::Pat(PersonalAccessToken::new(std::env::var("UL_API_TOKEN").unwrap_or_default()));
//! let drive = MediaDrive::new(HttpClient::new()?, auth, &config);
//! if let Some(folder) = drive.get("folder-id").await? {
//!     let location = folder.listing_location();
//!     let items: Vec<_> = drive.list(&location, ListOptions::default()).try_collect().await?;
//!     println!("{} items", items.len());
//! }
//! # Ok(()) }
//! ```

pub mod analytics;
pub mod analytics_pull;
pub mod auth;
pub mod download;
pub mod flights;
pub mod graphql;
pub mod http;
pub(crate) mod lenient;
pub mod media_drive;
