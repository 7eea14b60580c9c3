//! Jobs, tasks and missions: the library's clients and the `tasks` sample.

mod library;
mod sample;

use serde_json::{Value, json};

use crate::util::api::Pages;

/// A listing in three pages: two items, then one inside a `data` envelope, then `last`; the
/// continuation tokens are `t2/+ =` (to be percent-encoded) and `t3`.
fn three_pages(last: Value) -> Pages {
    Pages::json(vec![
        (
            None,
            json!({"items": [{"id": "a"}, {"id": "b"}], "nextToken": "t2/+ ="}),
        ),
        (
            Some("t2/+ ="),
            json!({"data": {"items": [{"id": "c"}], "nextToken": "t3"}}),
        ),
        (Some("t3"), json!({"items": [last], "nextToken": null})),
    ])
}
