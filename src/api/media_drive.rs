//! Media Drive: get, list (following `nextToken`), rename, move, delete, download from the CDN
//! and upload to S3.
//!
//! Every id, name and location travels in GraphQL `variables`; the query texts below are
//! constants. The variable types (`ID!`, `String`, `NextTokenInput`, ...) follow the schema
//! behind the documented queries.

use std::collections::BTreeMap;
use std::path::Path;

use futures_util::{Stream, TryStreamExt as _, stream};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::download::{DownloadProgress, Downloaded, download_to};
use super::graphql::GraphqlClient;
use super::http::{HttpClient, Request};
use super::lenient;
use crate::auth::Auth;
use crate::config::Config;
use crate::error::{Error, Result};

/// The mime type of folders.
pub const FOLDER_MIME_TYPE: &str = "application/vnd.unleashlive.folder";

const ITEM_FIELDS: &str = "id teamId ownerId location type tags createdAt deviceId name \
    parentId s3Path updatedAt uploadedAt mimeType isApproved annotations \
    metadata { isPanoramic duration }";

const NEXT_TOKEN_FIELDS: &str = "pk sk locationCreatedAt teamId teamIdType createdAt \
    searchNameCreatedAt searchName deviceId type";

/// One Media Drive item (file or folder). Only `id` is required; fields the service leaves out
/// are `None`, fields it adds are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MediaItem {
    /// The item id.
    pub id: String,
    /// The owning team.
    #[serde(default)]
    pub team_id: Option<String>,
    /// The user who owns it.
    #[serde(default)]
    pub owner_id: Option<String>,
    /// The folder it is in.
    #[serde(default)]
    pub parent_id: Option<String>,
    /// Where it is: the listing location of its folder.
    #[serde(default)]
    pub location: Option<String>,
    /// `I` image, `V` video, `M` model, `R` report, `FL` flight log, `D` document, `U` other.
    #[serde(default, rename = "type")]
    pub item_type: Option<String>,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// The mime type ([`FOLDER_MIME_TYPE`] for folders).
    #[serde(default)]
    pub mime_type: Option<String>,
    /// The key of its content on the CDN.
    #[serde(default)]
    pub s3_path: Option<String>,
    /// The device that captured it.
    #[serde(default)]
    pub device_id: Option<String>,
    /// Tags, as the service sends them.
    #[serde(default)]
    pub tags: Option<Value>,
    /// Created (service timestamp: seconds or milliseconds).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub created_at: Option<i64>,
    /// Last updated.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub updated_at: Option<i64>,
    /// Uploaded.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub uploaded_at: Option<i64>,
    /// Free-form metadata (`isPanoramic`, `duration`, ...).
    #[serde(default)]
    pub metadata: Option<Value>,
    /// Annotations (a JSON string).
    #[serde(default)]
    pub annotations: Option<String>,
    /// Whether it was approved.
    #[serde(default)]
    pub is_approved: Option<bool>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl MediaItem {
    /// Whether this is a folder.
    pub fn is_folder(&self) -> bool {
        self.mime_type.as_deref() == Some(FOLDER_MIME_TYPE)
    }

    /// The location its children are listed (and uploaded) under: `"<location>/<id>"`.
    pub fn listing_location(&self) -> String {
        match self.location.as_deref().filter(|l| !l.is_empty()) {
            Some(location) => format!("{location}/{}", self.id),
            None => self.id.clone(),
        }
    }
}

/// Sort order of a listing (by creation).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Newest first.
    #[default]
    Desc,
    /// Oldest first.
    Asc,
}

/// Options of [`MediaDrive::list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListOptions {
    /// Items per page (the service's default when `None`).
    pub limit: Option<u32>,
    /// Only items of this type (`I`, `V`, ...).
    pub item_type: Option<String>,
    /// The order.
    pub sort: Sort,
}

impl ListOptions {
    /// Items per page.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Only items of this type.
    pub fn item_type(mut self, item_type: impl Into<String>) -> Self {
        self.item_type = Some(item_type.into());
        self
    }

    /// The order.
    pub fn sort(mut self, sort: Sort) -> Self {
        self.sort = sort;
        self
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Page {
    /// The items.
    #[serde(default)]
    pub items: Vec<MediaItem>,
    /// The token of the next page (an object, passed back as given); `None` on the last page.
    #[serde(default)]
    pub next_token: Option<Value>,
}

/// What a move answered for one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Moved {
    /// The item.
    pub id: String,
    /// Its new folder.
    #[serde(default)]
    pub parent_id: Option<String>,
    /// Its new location.
    #[serde(default)]
    pub location: Option<String>,
}

/// What a delete answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Deleted {
    /// The ids deleted.
    #[serde(default, deserialize_with = "ids")]
    pub delete_items: Vec<String>,
    /// Their owner.
    #[serde(default)]
    pub owner_id: Option<String>,
}

fn ids<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    Ok(Option::<Vec<Id>>::deserialize(d)?
        .unwrap_or_default()
        .into_iter()
        .map(|i| i.id)
        .collect())
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    Many(Vec<T>),
    One(T),
}

/// The Media Drive client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct MediaDrive {
    graphql: GraphqlClient,
    http: HttpClient,
    cdn_url: String,
}

impl MediaDrive {
    /// A client for the GraphQL API and CDN of `config`, with `auth` (a Cognito session or a
    /// PAT).
    pub fn new(http: HttpClient, auth: Auth, config: &Config) -> Self {
        MediaDrive {
            graphql: GraphqlClient::new(http.clone(), auth, config.graphql_url.clone()),
            http,
            cdn_url: config.media_cdn_url.clone(),
        }
    }

    /// The item with this id; `None` when the service knows none.
    ///
    /// # Errors
    /// The errors of [`GraphqlClient::query`].
    pub async fn get(&self, id: &str) -> Result<Option<MediaItem>> {
        #[derive(Deserialize)]
        struct Data {
            get: Option<MediaItem>,
        }
        let query = format!("query Get($id: ID!) {{ get(item: {{id: $id}}) {{ {ITEM_FIELDS} }} }}");
        let data: Data = self.graphql.query(&query, json!({ "id": id })).await?;
        Ok(data.get)
    }

    /// One page of the items at `location` (a folder's [`MediaItem::listing_location`]),
    /// starting at `next_token` (from the previous [`Page`]; `None` for the first page).
    ///
    /// # Errors
    /// The errors of [`GraphqlClient::query`].
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
        let sort = match options.sort {
            Sort::Desc => "desc",
            Sort::Asc => "asc",
        };
        let query = format!(
            "query List($location: String!, $limit: Int, $type: String, $nextToken: NextTokenInput) \
             {{ list(sort: {sort}, location: $location, limit: $limit, type: $type, nextToken: $nextToken) \
             {{ items {{ {ITEM_FIELDS} }} nextToken {{ {NEXT_TOKEN_FIELDS} }} }} }}"
        );
        let mut variables = Map::new();
        variables.insert("location".into(), json!(location));
        if let Some(limit) = options.limit {
            variables.insert("limit".into(), json!(limit));
        }
        if let Some(item_type) = &options.item_type {
            variables.insert("type".into(), json!(item_type));
        }
        if let Some(token) = next_token {
            variables.insert("nextToken".into(), token.clone());
        }
        let data: Data = self.graphql.query(&query, Value::Object(variables)).await?;
        let mut page = data.list.unwrap_or(Page {
            items: Vec::new(),
            next_token: None,
        });
        page.next_token = page.next_token.filter(|t| !t.is_null());
        Ok(page)
    }

    /// Every item at `location`, page after page, as a stream; pages are fetched as the
    /// stream is read.
    ///
    /// # Errors
    /// Each item is a `Result`: the errors of [`MediaDrive::list_page`], or
    /// [`Error::UnexpectedResponse`] when the service hands back the token it was given
    /// (which would page forever).
    pub fn list<'a>(
        &'a self,
        location: &'a str,
        options: ListOptions,
    ) -> impl Stream<Item = Result<MediaItem>> + Send + 'a {
        enum Next {
            First,
            After(Value),
            Done,
        }
        stream::try_unfold(Next::First, move |next| {
            let options = options.clone();
            async move {
                let token = match next {
                    Next::Done => return Ok(None),
                    Next::First => None,
                    Next::After(token) => Some(token),
                };
                let page = self.list_page(location, &options, token.as_ref()).await?;
                let next = match page.next_token {
                    Some(t) if Some(&t) == token.as_ref() => {
                        return Err(Error::UnexpectedResponse(
                            "Media Drive returned the same nextToken again".into(),
                        ));
                    }
                    Some(t) => Next::After(t),
                    None => Next::Done,
                };
                Ok(Some((stream::iter(page.items.into_iter().map(Ok)), next)))
            }
        })
        .try_flatten()
    }

    /// Renames an item; returns its id.
    ///
    /// # Errors
    /// The errors of [`GraphqlClient::query`].
    pub async fn rename(&self, id: &str, new_name: &str) -> Result<String> {
        #[derive(Deserialize)]
        struct Renamed {
            id: String,
        }
        #[derive(Deserialize)]
        struct Data {
            rename: Renamed,
        }
        let query = "mutation Rename($id: ID!, $newName: String!) \
                     { rename(item: {id: $id}, newName: $newName) { id } }";
        let data: Data = self
            .graphql
            .query(query, json!({ "id": id, "newName": new_name }))
            .await?;
        Ok(data.rename.id)
    }

    /// Moves an item into the folder `to` (a folder id).
    ///
    /// # Errors
    /// The errors of [`GraphqlClient::query`].
    pub async fn move_item(&self, id: &str, to: &str) -> Result<Vec<Moved>> {
        #[derive(Deserialize)]
        struct Data {
            #[serde(rename = "move")]
            moved: OneOrMany<Moved>,
        }
        let query = "mutation Move($id: ID!, $to: ID!) \
                     { move(moveItems: [{id: $id}], to: {id: $to}) { id parentId location } }";
        let data: Data = self
            .graphql
            .query(query, json!({ "id": id, "to": to }))
            .await?;
        Ok(match data.moved {
            OneOrMany::Many(items) => items,
            OneOrMany::One(item) => vec![item],
        })
    }

    /// Deletes items by id.
    ///
    /// # Errors
    /// [`Error::InvalidAnswer`] for an empty list; the errors of [`GraphqlClient::query`].
    pub async fn delete(&self, ids: &[&str]) -> Result<Deleted> {
        #[derive(Deserialize)]
        struct Data {
            delete: Deleted,
        }
        if ids.is_empty() {
            return Err(Error::InvalidAnswer("nothing to delete".into()));
        }
        // One variable per id: the names are ours, the values the caller's.
        let params: Vec<String> = (0..ids.len()).map(|i| format!("$id{i}: ID!")).collect();
        let items: Vec<String> = (0..ids.len()).map(|i| format!("{{id: $id{i}}}")).collect();
        let query = format!(
            "mutation Delete({}) {{ delete(deleteItems: [{}]) {{ deleteItems {{ id }} ownerId }} }}",
            params.join(", "),
            items.join(", ")
        );
        let variables: Map<String, Value> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (format!("id{i}"), json!(id)))
            .collect();
        let data: Data = self.graphql.query(&query, Value::Object(variables)).await?;
        Ok(data.delete)
    }

    /// Downloads an item's content from the CDN (`<media CDN>/<s3Path>`) into `dir`, named
    /// after the item (made safe; see [`safe_file_name`](super::download::safe_file_name)).
    ///
    /// # Errors
    /// [`Error::UnexpectedResponse`] for an item without an `s3Path` (a folder) or with `.`
    /// or `..` in it; the errors of [`download_to`].
    pub async fn download(
        &self,
        item: &MediaItem,
        dir: &Path,
        progress: Option<DownloadProgress<'_>>,
    ) -> Result<Downloaded> {
        let s3_path = item.s3_path.as_deref().ok_or_else(|| {
            Error::UnexpectedResponse(format!("item {} has no s3Path (is it a folder?)", item.id))
        })?;
        let request = Request::get_path(&self.cdn_url, s3_path)?;
        let suggested = item
            .name
            .clone()
            .unwrap_or_else(|| s3_path.rsplit('/').next().unwrap_or_default().to_owned());
        // The CDN takes no credential (as Unleash Live's own samples call it).
        download_to(
            &self.http, &request, None, dir, &suggested, &item.id, progress,
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
        path: &Path,
        progress: Option<crate::upload::Progress>,
    ) -> Result<crate::Uploaded> {
        let mut upload = crate::Upload::new(path, folder.listing_location());
        if let Some(progress) = progress {
            upload = upload.on_progress(move |sent, total| progress(sent, total));
        }
        uploader.upload(upload).await
    }
}
