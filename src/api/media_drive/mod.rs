//! Media Drive: get, list (following `nextToken`), rename, move, delete, download from the CDN
//! and upload to S3.
//!
//! The documents are those of Unleash Live's samples ([`operations`]): argument values are
//! GraphQL literals written into the text, and no document declares a variable type, because
//! the schema is unpublished and AppSync refuses a document whose type names differ from it.

use std::collections::HashSet;

use futures_util::{Stream, TryStreamExt as _, stream};
use serde::Deserialize;
use serde_json::Value;

use super::download::{DownloadDir, DownloadProgress, Downloaded, download_to};
use super::graphql::GraphqlClient;
use super::http::{HttpClient, Request};
use crate::api::auth::Auth;
use crate::config::Config;
use crate::error::{Error, Result};

mod item;
pub mod operations;

use item::OneOrMany;
pub use item::{Deleted, FOLDER_MIME_TYPE, ListOptions, MediaItem, Moved, Page, Sort};

/// The Media Drive client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct MediaDrive {
    graphql: GraphqlClient,
    http: HttpClient,
    cdn_url: String,
}

/// Pages a listing follows at most: a service that hands out a new token forever (one holding
/// a timestamp, say) must not keep `list --all` running forever.
pub const MAX_PAGES: usize = 10_000;

/// How to find out whether a change to `ids` was made.
fn check(ids: &[&str]) -> String {
    const SHOWN: usize = 3;
    let mut gets: Vec<String> = ids
        .iter()
        .take(SHOWN)
        .map(|id| format!("`media-drive get {id}`"))
        .collect();
    if ids.len() > SHOWN {
        gets.push(format!("and the other {}", ids.len() - SHOWN));
    }
    let what = if ids.len() == 1 {
        "the item"
    } else {
        "the items"
    };
    format!("look {what} up ({})", gets.join(", "))
}

impl MediaDrive {
    /// A client for the GraphQL API and CDN of `config`, with `auth` (a Cognito session or a
    /// PAT).
    pub fn new(http: HttpClient, auth: Auth, config: &Config) -> Self {
        MediaDrive {
            graphql: GraphqlClient::new(http.clone(), auth, config.graphql_url().to_owned()),
            http,
            cdn_url: config.media_cdn_url().to_owned(),
        }
    }

    /// The GraphQL client underneath (for probes of the same endpoint and credential).
    pub fn graphql(&self) -> &GraphqlClient {
        &self.graphql
    }

    /// The item with this id (`id`, `location` and `name`: what the samples select); `None`
    /// when the service knows none.
    ///
    /// # Errors
    /// The errors of [`GraphqlClient::run`].
    pub async fn get(&self, id: &str) -> Result<Option<MediaItem>> {
        #[derive(Deserialize)]
        struct Data {
            get: Option<MediaItem>,
        }
        let data: Data = self.graphql.run(&operations::get(id)).await?;
        Ok(data.get)
    }

    /// One page of the items at `location` (a folder's [`MediaItem::listing_location`]),
    /// starting at `next_token` (from the previous [`Page`], passed back as it came; `None` for
    /// the first page). The page's `next_token` is `None` on the last page: when the service
    /// sends `null` or an object whose fields are all `null`.
    ///
    /// # Errors
    /// The errors of [`GraphqlClient::run`]; [`Error::UnexpectedResponse`] for a token that
    /// cannot be written back.
    pub async fn list_page(
        &self,
        location: &str,
        options: &ListOptions,
        next_token: Option<&Value>,
    ) -> Result<Page> {
        #[derive(Deserialize)]
        struct Data {
            list: Option<Page>,
        }
        let operation = operations::list(location, options, next_token)?;
        let data: Data = self.graphql.run(&operation).await?;
        let mut page = data.list.unwrap_or(Page {
            items: Vec::new(),
            next_token: None,
        });
        page.next_token = page.next_token.filter(|t| !is_last(t));
        Ok(page)
    }

    /// Every item at `location`, page after page, as a stream; pages are fetched as the
    /// stream is read.
    ///
    /// # Errors
    /// Each item is a `Result`: the errors of [`MediaDrive::list_page`], or
    /// [`Error::UnexpectedResponse`] when the service hands out a token it handed out before
    /// (which would page forever).
    pub fn list<'a>(
        &'a self,
        location: &'a str,
        options: ListOptions,
    ) -> impl Stream<Item = Result<MediaItem>> + Send + 'a {
        struct State {
            next: Option<Value>,
            seen: HashSet<String>,
            done: bool,
        }
        let start = State {
            next: None,
            seen: HashSet::new(),
            done: false,
        };
        stream::try_unfold(start, move |mut state| {
            let options = options.clone();
            async move {
                if state.done {
                    return Ok(None);
                }
                let page = self
                    .list_page(location, &options, state.next.as_ref())
                    .await?;
                match page.next_token {
                    Some(_) if state.seen.len() + 1 >= MAX_PAGES => {
                        return Err(Error::unexpected(format!(
                            "Media Drive still had more of {location:?} after {MAX_PAGES} pages; \
                             stopping (list it page by page, or narrow it to one item type)"
                        )));
                    }
                    Some(token) => {
                        if !state.seen.insert(token.to_string()) {
                            return Err(Error::unexpected(format!(
                                "Media Drive handed out the same nextToken twice while listing \
                                 {location:?} (after {} pages); stopping instead of paging forever",
                                state.seen.len()
                            )));
                        }
                        state.next = Some(token);
                    }
                    None => state.done = true,
                }
                Ok(Some((stream::iter(page.items.into_iter().map(Ok)), state)))
            }
        })
        .try_flatten()
    }

    /// Renames an item; returns its id. Sent once: see [`GraphqlClient::run`].
    ///
    /// # Errors
    /// The errors of [`GraphqlClient::run`]; [`Error::OutcomeUnknown`] names how to check.
    pub async fn rename(&self, id: &str, new_name: &str) -> Result<String> {
        #[derive(Deserialize)]
        struct Renamed {
            id: String,
        }
        #[derive(Deserialize)]
        struct Data {
            rename: Renamed,
        }
        let data: Data = self
            .graphql
            .run(&operations::rename(id, new_name))
            .await
            .map_err(|e| e.with_check(check(&[id])))?;
        Ok(data.rename.id)
    }

    /// Moves an item into the folder `to` (a folder id). Sent once: see [`GraphqlClient::run`].
    ///
    /// # Errors
    /// As [`MediaDrive::move_items`].
    pub async fn move_item(&self, id: &str, to: &str) -> Result<Vec<Moved>> {
        self.move_items(&[id], to).await
    }

    /// Moves items into the folder `to` (a folder id).
    ///
    /// # Errors
    /// [`Error::InvalidAnswer`] for an empty list; the errors of [`GraphqlClient::run`];
    /// [`Error::OutcomeUnknown`] names how to check.
    pub async fn move_items(&self, ids: &[&str], to: &str) -> Result<Vec<Moved>> {
        #[derive(Deserialize)]
        struct Data {
            #[serde(rename = "move")]
            moved: OneOrMany<Moved>,
        }
        if ids.is_empty() {
            return Err(Error::InvalidAnswer("nothing to move".into()));
        }
        let data: Data = self
            .graphql
            .run(&operations::move_items(ids, to))
            .await
            .map_err(|e| e.with_check(check(ids)))?;
        Ok(match data.moved {
            OneOrMany::Many(items) => items,
            OneOrMany::One(item) => vec![item],
        })
    }

    /// Deletes items by id. Sent once: see [`GraphqlClient::run`].
    ///
    /// # Errors
    /// [`Error::InvalidAnswer`] for an empty list; the errors of [`GraphqlClient::run`];
    /// [`Error::OutcomeUnknown`] names how to check.
    pub async fn delete(&self, ids: &[&str]) -> Result<Deleted> {
        #[derive(Deserialize)]
        struct Data {
            delete: Deleted,
        }
        if ids.is_empty() {
            return Err(Error::InvalidAnswer("nothing to delete".into()));
        }
        let data: Data = self
            .graphql
            .run(&operations::delete(ids))
            .await
            .map_err(|e| e.with_check(check(ids)))?;
        Ok(data.delete)
    }

    /// Downloads an item's content from the CDN (`<media CDN>/<s3Path>`) into `to`, named
    /// after the item (made safe; see [`safe_file_name`](super::download::safe_file_name)),
    /// never replacing a file unless `to` says so and never on a file another download into
    /// `to` wrote (see [`DownloadDir`]).
    ///
    /// # Errors
    /// [`Error::UnexpectedResponse`] for an item without an `s3Path` (a folder) or with `.`
    /// or `..` in it; the errors of [`download_to`].
    pub async fn download(
        &self,
        item: &MediaItem,
        to: &DownloadDir,
        progress: Option<DownloadProgress<'_>>,
    ) -> Result<Downloaded> {
        let s3_path = item.s3_path.as_deref().ok_or_else(|| {
            Error::unexpected(format!("item {} has no s3Path (is it a folder?)", item.id))
        })?;
        let request = Request::get_path(&self.cdn_url, s3_path)?;
        let suggested = item
            .name
            .clone()
            .unwrap_or_else(|| s3_path.rsplit('/').next().unwrap_or_default().to_owned());
        // The CDN takes no credential (as Unleash Live's own samples call it).
        download_to(
            &self.http, &request, None, to, &suggested, &item.id, progress,
        )
        .await
    }

    /// Uploads the file at `path` into `folder` with `uploader`: key
    /// `<identityId>/<uuid>/<file name>`, metadata `location` = the folder's listing location
    /// and `name`; `progress(sent, total)` as it goes.
    ///
    /// # Errors
    /// The errors of [`Uploader::upload`](crate::Uploader::upload).
    #[cfg(feature = "upload")]
    pub async fn upload(
        &self,
        uploader: &crate::Uploader,
        folder: &MediaItem,
        path: &std::path::Path,
        progress: Option<crate::aws::upload::Progress>,
    ) -> Result<crate::Uploaded> {
        let mut upload = crate::Upload::new(path, folder.listing_location());
        if let Some(progress) = progress {
            upload = upload.on_progress(move |sent, total| progress(sent, total));
        }
        uploader.upload(upload).await
    }
}

/// The last page's token: `null`, or an object whose fields are all `null`.
fn is_last(token: &Value) -> bool {
    match token {
        Value::Null => true,
        Value::Object(fields) => fields.values().all(Value::is_null),
        _ => false,
    }
}
