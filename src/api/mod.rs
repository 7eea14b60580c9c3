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
/// Moved to [`analytics::pull`].
#[deprecated(
    since = "0.2.0",
    note = "moved to `unleashlive_auth::api::analytics::pull`"
)]
#[doc(hidden)]
pub mod analytics_pull {
    pub use crate::api::analytics::pull::*;
}
pub mod auth;
pub mod download;
pub mod flights;
pub mod graphql;
pub mod http;
pub(crate) mod lenient;
pub(crate) mod listing;
pub mod media_drive;
pub mod missions;
pub mod tasks;

#[cfg(test)]
mod tests {
    #[test]
    #[allow(deprecated)]
    fn the_old_analytics_pull_path_names_the_same_items() {
        use std::path::Path;
        let format: super::analytics::pull::Format = super::analytics_pull::Format::Csv;
        assert_eq!(format, super::analytics::pull::Format::Csv);
        let out = Path::new("/data/x.csv");
        assert_eq!(
            super::analytics_pull::sidecar_path(out),
            super::analytics::pull::sidecar_path(out)
        );
    }
}
