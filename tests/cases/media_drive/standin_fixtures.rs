//! What the stand-in's own tests share: raw GraphQL requests over reqwest, a seeded store, the
//! listing document.

use serde_json::{Value, json};

use crate::util::mediadrive::{MediaDriveStandIn, folder, graphql_body, graphql_literal, item};

pub(crate) const TOKEN: &str = "id-token-of-the-pilot";

pub(crate) const ITEM_SELECTION: &str = "teamId location type tags createdAt deviceId id name parentId \
    s3Path updatedAt mimeType metadata { isPanoramic duration }";

pub(crate) const CURSOR_SELECTION: &str = "pk sk locationCreatedAt teamId teamIdType createdAt \
    searchNameCreatedAt searchName deviceId type";

/// An answer: HTTP status, body text, and the body as JSON (`Null` when it is not JSON).
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) text: String,
    pub(crate) json: Value,
}

impl Answer {
    /// Panics unless this is a 200 with `data` and no `errors`; returns `data`.
    pub(crate) fn data(&self) -> &Value {
        assert_eq!(self.status, 200, "{}", self.text);
        assert!(self.json.get("errors").is_none(), "{}", self.text);
        &self.json["data"]
    }

    /// Panics unless this is AppSync's refusal of a document: 200, `data: null`, errors of
    /// type ValidationError; returns the messages.
    pub(crate) fn validation_errors(&self) -> Vec<String> {
        assert_eq!(self.status, 200, "{}", self.text);
        assert_eq!(self.json["data"], Value::Null, "{}", self.text);
        let errors = self.json["errors"].as_array().expect("errors[]");
        assert!(!errors.is_empty(), "{}", self.text);
        errors
            .iter()
            .map(|e| {
                assert_eq!(e["errorType"], "ValidationError", "{}", self.text);
                assert!(e["locations"].is_array(), "{}", self.text);
                e["message"].as_str().unwrap().to_owned()
            })
            .collect()
    }
}

pub(crate) async fn post_raw(
    url: &str,
    headers: &[(&str, &str)],
    body: impl Into<String>,
) -> Answer {
    let mut request = reqwest::Client::new().post(url).body(body.into());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("POST");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer { status, text, json }
}

/// POST /graphql as the client sends it: JSON, with the ID token in `authorization`.
pub(crate) async fn post(s: &MediaDriveStandIn, body: &Value) -> Answer {
    post_raw(
        &s.graphql_url(),
        &[
            ("authorization", TOKEN),
            ("content-type", "application/json"),
        ],
        body.to_string(),
    )
    .await
}

pub(crate) async fn query(s: &MediaDriveStandIn, document: &str) -> Answer {
    post(s, &graphql_body(document, None)).await
}

/// Folder `f` at "team-7" holding the images a (oldest) .. e (newest), and image `z`
/// elsewhere. Creation times are milliseconds, past what a 32-bit Int holds.
pub(crate) fn seed() -> Value {
    let mut items = vec![folder("f", "team-7"), folder("g", "team-7")];
    for (i, id) in ["a", "b", "c", "d", "e"].iter().enumerate() {
        let created = 1_700_000_000_000 + i64::try_from(i).unwrap();
        items.push(item(id, &format!("{id}.jpg"), "team-7/f", created));
    }
    items.push(item("z", "z.jpg", "team-7/g", 1_700_000_000_009));
    let mut video = item("v", "v.mp4", "team-7/f", 1_700_000_000_100);
    video["type"] = json!("V");
    video["mimeType"] = json!("video/mp4");
    items.push(video);
    json!({ "items": items })
}

pub(crate) fn list_document(location: &str, limit: i64, next_token: Option<&Value>) -> String {
    let token = next_token
        .map(|t| format!(", nextToken: {}", graphql_literal(t)))
        .unwrap_or_default();
    format!(
        "query {{ list(sort: desc, location: {}, limit: {limit}, type: \"I\"{token}) \
         {{ items {{ {ITEM_SELECTION} }} nextToken {{ {CURSOR_SELECTION} }} }} }}",
        json!(location)
    )
}

pub(crate) fn ids(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect()
}
