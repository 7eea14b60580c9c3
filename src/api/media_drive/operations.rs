//! The documents Media Drive is sent: the argument names, literal forms and selection sets of
//! Unleash Live's official samples (unleashlive/samples, `javascript/media-drive/examples`),
//! which are known to work in production. Nothing here names a GraphQL type.
//!
//! | operation | arguments (as the samples write them) | selection |
//! |---|---|---|
//! | `get` | `item: {id: "…"}` | `id location name` (get.js, delete.js) |
//! | `list` | `sort: desc location: "…" limit: N type: "I"` (`limit` always sent, 50 unless asked; `sort: asc` is a guess), and `nextToken:` the object the previous page returned | list.js's `items { … }` and `nextToken { … }` |
//! | `rename` | `item: {id: "…"} newName: "…"` | `id` |
//! | `move` | `moveItems: [{id: "…"}] to: {id: "…"}` | `id parentId location` |
//! | `delete` | `deleteItems: [{id: "…"}, …]` | `deleteItems { id } ownerId` |

use serde_json::Value;

use super::item::{ListOptions, Sort};
use crate::api::graphql::{EnumValue, Literal, Operation, Selection};
use crate::error::Result;

use Selection::{Field, Object};

/// Items per page when the caller names no limit (the samples always send one; they use 2).
pub const DEFAULT_LIMIT: u32 = 50;

/// What `get` selects: the fields the samples read from it.
pub const GET_FIELDS: &[Selection] = &[Field("id"), Field("location"), Field("name")];

/// What a listing selects of each item (list.js).
pub const ITEM_FIELDS: &[Selection] = &[
    Field("teamId"),
    Field("location"),
    Field("type"),
    Field("tags"),
    Field("createdAt"),
    Field("deviceId"),
    Field("id"),
    Field("name"),
    Field("parentId"),
    Field("s3Path"),
    Field("updatedAt"),
    Field("mimeType"),
    Object("metadata", &[Field("isPanoramic"), Field("duration")]),
];

/// What a listing selects of the next page's token (list.js); passed back as it came.
pub const NEXT_TOKEN_FIELDS: &[Selection] = &[
    Field("pk"),
    Field("sk"),
    Field("locationCreatedAt"),
    Field("teamId"),
    Field("teamIdType"),
    Field("createdAt"),
    Field("searchNameCreatedAt"),
    Field("searchName"),
    Field("deviceId"),
    Field("type"),
];

/// What `list` selects.
pub const LIST_FIELDS: &[Selection] = &[
    Object("items", ITEM_FIELDS),
    Object("nextToken", NEXT_TOKEN_FIELDS),
];

/// What `rename` selects.
pub const RENAME_FIELDS: &[Selection] = &[Field("id")];

/// What `move` selects of each moved item.
pub const MOVE_FIELDS: &[Selection] = &[Field("id"), Field("parentId"), Field("location")];

/// What `delete` selects.
pub const DELETE_FIELDS: &[Selection] = &[Object("deleteItems", &[Field("id")]), Field("ownerId")];

/// `{id: "<id>"}`.
fn item_ref(id: &str) -> Literal {
    let mut fields = std::collections::BTreeMap::new();
    fields.insert(
        crate::api::graphql::Name::new("id").expect("a constant name"),
        Literal::string(id),
    );
    Literal::Object(fields)
}

fn item_refs(ids: &[&str]) -> Literal {
    Literal::List(ids.iter().map(|id| item_ref(id)).collect())
}

/// `get(item: {id})`.
pub fn get(id: &str) -> Operation {
    Operation::query("GetLibraryItem", "get")
        .arg("item", item_ref(id))
        .select(GET_FIELDS)
}

/// `list(sort, location, limit?, type?, nextToken?)`.
///
/// # Errors
/// [`Error::UnexpectedResponse`](crate::Error::UnexpectedResponse) for a `next_token` that
/// cannot be written back as a literal (a key that is not a GraphQL name).
pub fn list(
    location: &str,
    options: &ListOptions,
    next_token: Option<&Value>,
) -> Result<Operation> {
    let sort = match options.sort {
        Sort::Desc => "desc",
        Sort::Asc => "asc",
    };
    let mut op = Operation::query("list", "list")
        .arg("sort", EnumValue::new(sort)?)
        .arg("location", location);
    // The samples always send a limit; so do we (GraphQL's Int is 32-bit).
    let limit = options.limit.unwrap_or(DEFAULT_LIMIT).min(i32::MAX as u32);
    op = op.arg("limit", limit);
    if let Some(item_type) = &options.item_type {
        op = op.arg("type", item_type.as_str());
    }
    if let Some(token) = next_token {
        op = op.arg("nextToken", Literal::from_json(token)?);
    }
    Ok(op.select(LIST_FIELDS))
}

/// `rename(item: {id}, newName)`.
pub fn rename(id: &str, new_name: &str) -> Operation {
    Operation::mutation("RenameItems", "rename")
        .arg("item", item_ref(id))
        .arg("newName", new_name)
        .select(RENAME_FIELDS)
}

/// `move(moveItems: [{id}, ...], to: {id})`.
pub fn move_items(ids: &[&str], to: &str) -> Operation {
    Operation::mutation("MoveItems", "move")
        .arg("moveItems", item_refs(ids))
        .arg("to", item_ref(to))
        .select(MOVE_FIELDS)
}

/// `delete(deleteItems: [{id}, ...])`.
pub fn delete(ids: &[&str]) -> Operation {
    Operation::mutation("DeleteItems", "delete")
        .arg("deleteItems", item_refs(ids))
        .select(DELETE_FIELDS)
}

/// One of each operation this client sends, with every optional argument present, for
/// comparing with a server's schema (`ul-auth doctor`). The `nextToken` argument holds each
/// field of [`NEXT_TOKEN_FIELDS`] as `null`: what is really sent back is whatever the
/// previous page returned.
pub fn examples() -> Vec<Operation> {
    let token: serde_json::Map<String, Value> = NEXT_TOKEN_FIELDS
        .iter()
        .map(|f| (f.name().to_owned(), Value::Null))
        .collect();
    let options = ListOptions::default().limit(2).item_type("I");
    let ascending = ListOptions::default().sort(Sort::Asc);
    vec![
        get("item-id"),
        list("location", &options, Some(&Value::Object(token))).expect("constant names"),
        list("location", &ascending, None).expect("constant names"),
        rename("item-id", "New name"),
        move_items(&["item-id"], "folder-id"),
        delete(&["item-id"]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_read_like_the_samples_and_declare_no_type() {
        assert_eq!(
            get("a\"b").document(),
            r#"query GetLibraryItem { get(item: {id: "a\"b"}) { id location name } }"#
        );
        assert_eq!(
            rename("i", "New name").document(),
            r#"mutation RenameItems { rename(item: {id: "i"}, newName: "New name") { id } }"#
        );
        assert_eq!(
            move_items(&["i"], "f").document(),
            r#"mutation MoveItems { move(moveItems: [{id: "i"}], to: {id: "f"}) { id parentId location } }"#
        );
        assert_eq!(
            delete(&["a", "b"]).document(),
            r#"mutation DeleteItems { delete(deleteItems: [{id: "a"}, {id: "b"}]) { deleteItems { id } ownerId } }"#
        );
        let list = list(
            "team/f",
            &ListOptions::default().limit(2).item_type("I"),
            None,
        )
        .unwrap()
        .document();
        assert!(
            list.starts_with(r#"query list { list(sort: desc, location: "team/f", limit: 2, type: "I") { items { teamId location type tags createdAt deviceId id name parentId s3Path updatedAt mimeType metadata { isPanoramic duration } } nextToken { pk sk "#),
            "{list}"
        );
        for op in examples() {
            assert!(!op.document().contains('$'), "{op}");
        }
    }
}
