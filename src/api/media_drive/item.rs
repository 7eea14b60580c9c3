//! What Media Drive answers: items, listing pages, moves and deletes, decoded leniently (only
//! `id` is required; unknown fields are kept).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::lenient;

/// The mime type of folders.
pub const FOLDER_MIME_TYPE: &str = "application/vnd.unleashlive.folder";

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

    /// The location its children are listed (and uploaded) under: `"<location>/<id>"`, joined
    /// exactly as Unleash Live's samples join them (no location gives `"/<id>"`). The docs
    /// call locations `#`-separated; `ul-auth doctor --folder ID` shows the real form.
    pub fn listing_location(&self) -> String {
        format!(
            "{}/{}",
            self.location.as_deref().unwrap_or_default(),
            self.id
        )
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

/// Options of [`MediaDrive::list`](super::MediaDrive::list).
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
pub(super) enum OneOrMany<T> {
    /// A list.
    Many(Vec<T>),
    /// One.
    One(T),
}
