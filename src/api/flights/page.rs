//! One page of a flights listing: its logs, and what it says about the next page (a
//! `nextToken` to follow, or a sign of more pages that cannot be followed).

use serde_json::Value;

use super::FlightLog;
use crate::error::{Error, Result};

/// The query parameter (and answer field) that carries the continuation token.
pub(super) const NEXT_TOKEN: &str = "nextToken";

/// Fields of an answer object that are known not to say anything about more pages.
const NOT_CONTINUATION: [&str; 4] = ["items", "data", "errors", NEXT_TOKEN];

/// Parts of a field name (lower case, without `_` and `-`) that may announce more pages in a
/// form this version cannot follow (`lastEvaluatedKey`, `next_cursor`, `hasMore`,
/// `pageToken`, `offset`, ...). The continuation field is not documented, so any of them
/// marks the listing incomplete rather than letting a page drop silently.
const MAY_CONTINUE: [&str; 8] = [
    "next", "cursor", "token", "key", "more", "page", "offset", "continu",
];

/// Count fields: a total larger than the logs received means pages were not followed.
const TOTALS: [&str; 4] = ["total", "count", "totalcount", "totalitems"];

/// One page of a listing.
#[derive(Debug)]
pub(super) struct Page {
    pub(super) logs: Vec<FlightLog>,
    pub(super) next: Next,
}

/// What comes after a page.
#[derive(Debug, PartialEq)]
pub(super) enum Next {
    /// Nothing: the listing is complete.
    Done,
    /// Ask again with `nextToken=<it>`.
    Token(String),
    /// More, in this field, which cannot be followed.
    Unfollowed(String),
}

/// Accepts a bare list, `{"items": [...]}`, either inside `{"data": ...}`, and an empty body
/// (no logs); `errors[]` is a failure even with a 2xx status. The continuation is looked for
/// in the unwrapped answer, then in the `{"data": ...}` envelope around it.
#[cfg(test)]
pub(super) fn parse_page(body: &[u8], endpoint: &str, page: u32) -> Result<Page> {
    parse_page_after(body, endpoint, page, 0)
}

/// As [`parse_page`], `seen` logs having come on the earlier pages.
pub(super) fn parse_page_after(
    body: &[u8],
    endpoint: &str,
    page: u32,
    seen: usize,
) -> Result<Page> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Page {
            logs: Vec::new(),
            next: Next::Done,
        });
    }
    let invalid = |e: serde_json::Error| {
        Error::unexpected_because(
            format!("{endpoint} answered page {page} of the listing with invalid JSON"),
            e,
        )
    };
    let mut value: Value = serde_json::from_slice(body).map_err(invalid)?;
    if let Some(errors) = value
        .get("errors")
        .and_then(Value::as_array)
        .filter(|e| !e.is_empty())
    {
        let messages: Vec<String> = errors
            .iter()
            .map(|e| match e.get("message").and_then(Value::as_str) {
                Some(m) => m.to_owned(),
                None => e.to_string(),
            })
            .collect();
        return Err(Error::Service {
            code: "errors".into(),
            message: messages.join("; "),
            source: None,
        });
    }
    let envelope = match value.get_mut("data").map(Value::take) {
        Some(data) => Some(std::mem::replace(&mut value, data)),
        None => None,
    };
    let answer = value.clone();
    if let Some(items) = value.get_mut("items").map(Value::take) {
        value = items;
    }
    let received = seen + value.as_array().map_or(0, Vec::len);
    let next = [Some(&answer), envelope.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|object| continuation(object, received))
        .unwrap_or(Next::Done);
    if !value.is_array() {
        return Err(Error::unexpected(format!(
            "{endpoint} answered page {page} of the listing with neither a list of flight logs \
             nor {{\"items\": [...]}}"
        )));
    }
    let logs = serde_json::from_value(value).map_err(invalid)?;
    Ok(Page { logs, next })
}

/// The continuation an answer object carries, `None` when it carries none. `received` is the
/// number of logs so far, for totals.
fn continuation(answer: &Value, received: usize) -> Option<Next> {
    let object = answer.as_object()?;
    let set = |v: &&Value| !matches!(v, Value::Null | Value::Bool(false)) && v.as_str() != Some("");
    if let Some(token) = object.get(NEXT_TOKEN).filter(set) {
        return Some(match token.as_str() {
            Some(token) => Next::Token(token.to_owned()),
            None => Next::Unfollowed(NEXT_TOKEN.to_owned()),
        });
    }
    object
        .iter()
        .filter(|(name, value)| !NOT_CONTINUATION.contains(&name.as_str()) && set(value))
        .find(|(name, value)| {
            let plain: String = name
                .chars()
                .filter(|c| !matches!(c, '_' | '-'))
                .flat_map(char::to_lowercase)
                .collect();
            if TOTALS.contains(&plain.as_str()) {
                return value.as_u64().is_some_and(|total| total > received as u64);
            }
            MAY_CONTINUE.iter().any(|part| plain.contains(part))
        })
        .map(|(name, _)| Next::Unfollowed(name.clone()))
}

#[cfg(test)]
mod tests {
    use super::{FlightLog, Next, parse_page};

    fn logs(body: &[u8]) -> Vec<FlightLog> {
        parse_page(body, "x", 1).unwrap().logs
    }

    fn next(body: &str) -> Next {
        parse_page(body.as_bytes(), "x", 1).unwrap().next
    }

    #[test]
    fn logs_arrive_bare_wrapped_or_empty_with_numbers_as_strings() {
        let bare = br#"[{"id":"a","flightDistance":"12.5","flightDuration":300,"extra":1}]"#;
        let logs_ = logs(bare);
        assert_eq!(logs_[0].flight_distance, Some(12.5));
        assert_eq!(logs_[0].flight_duration, Some(300.0));
        assert!(logs_[0].extra.contains_key("extra"));
        let wrapped = br#"{"items":[{"id":"b","takeOffLocation":{"lat":"-33.8","long":151.2}}]}"#;
        let logs_ = logs(wrapped);
        assert_eq!(
            logs_[0].take_off_location.as_ref().unwrap().lat,
            Some(-33.8)
        );
        assert!(logs(b"  ").is_empty());
        assert_eq!(logs(br#"{"data":{"items":[{"id":"c"}]}}"#)[0].id, "c");
        let err = parse_page(br#"{"errors":[{"message":"boom"}]}"#, "x", 1).unwrap_err();
        assert!(err.to_string().contains("boom"));
        let err = parse_page(br#"{"id":"#, "x", 2).unwrap_err();
        assert!(err.to_string().contains("page 2"), "{err}");
        assert!(parse_page(br#"{"logs":[]}"#, "x", 1).is_err());
    }

    #[test]
    fn only_a_non_empty_string_next_token_is_followed() {
        assert_eq!(
            next(r#"{"items":[],"nextToken":"t2"}"#),
            Next::Token("t2".into())
        );
        assert_eq!(
            next(r#"{"data":{"items":[],"nextToken":"t3"}}"#),
            Next::Token("t3".into())
        );
        for done in [
            "[]",
            r#"{"items":[]}"#,
            r#"{"items":[],"nextToken":null}"#,
            r#"{"items":[],"nextToken":""}"#,
            r#"{"items":[],"hasMore":false,"lastEvaluatedKey":null,"cursor":""}"#,
            r#"{"items":[{"id":"a"}],"total":1,"version":"2"}"#,
        ] {
            assert_eq!(next(done), Next::Done, "{done}");
        }
    }

    #[test]
    fn any_other_sign_of_more_is_named_not_dropped() {
        for (body, field) in [
            (r#"{"items":[],"nextToken":{"pk":"a"}}"#, "nextToken"),
            (r#"{"items":[],"nextToken":7}"#, "nextToken"),
            (
                r#"{"items":[],"lastEvaluatedKey":{"id":"a"}}"#,
                "lastEvaluatedKey",
            ),
            (
                r#"{"items":[],"LastEvaluatedKey":{"id":"a"}}"#,
                "LastEvaluatedKey",
            ),
            (r#"{"items":[],"nextPageToken":"p"}"#, "nextPageToken"),
            (r#"{"items":[],"cursor":"c"}"#, "cursor"),
            (r#"{"items":[],"next":"https://x/2"}"#, "next"),
            (r#"{"items":[],"hasMore":true}"#, "hasMore"),
            (r#"{"items":[],"more":true}"#, "more"),
            (r#"{"items":[],"next_token":"t2"}"#, "next_token"),
            (r#"{"items":[],"nextCursor":"c"}"#, "nextCursor"),
            (r#"{"items":[],"paginationToken":"p"}"#, "paginationToken"),
            (r#"{"items":[],"lastKey":{"id":"a"}}"#, "lastKey"),
            (r#"{"items":[{"id":"a"}],"total":250,"page":1}"#, "page"),
            (r#"{"items":[{"id":"a"}],"total":250}"#, "total"),
            // Outside the `data` envelope counts too.
            (r#"{"data":[],"hasMore":true}"#, "hasMore"),
        ] {
            assert_eq!(next(body), Next::Unfollowed(field.into()), "{body}");
        }
        // A string nextToken is followed even when another field also says "more".
        assert_eq!(
            next(r#"{"items":[],"nextToken":"t","hasMore":true}"#),
            Next::Token("t".into())
        );
    }
}
