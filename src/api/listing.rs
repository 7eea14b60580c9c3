//! One page of a REST listing (flights, jobs, tasks): its items, and what it says about the
//! next page (a `nextToken` to follow, or a sign of more pages that cannot be followed); and
//! the `errors[]` a 2xx answer may carry.
//!
//! The continuation field is not documented for any of these listings, so the token is looked
//! for beside the items and in a `{"data": ...}` envelope around them, and any other field that
//! may announce more pages is named rather than dropped.

use serde_json::Value;

use crate::error::{Error, Result};

/// The query parameter (and answer field) that carries the continuation token.
pub(crate) const NEXT_TOKEN: &str = "nextToken";

/// The most pages one REST listing follows (flights, jobs, tasks); more is an error, never a
/// silent cut.
pub const MAX_PAGES: u32 = 10_000;

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
pub(crate) struct Page {
    /// The page's items, as sent.
    pub(crate) items: Vec<Value>,
    pub(crate) next: Next,
}

/// What comes after a page.
#[derive(Debug, PartialEq)]
pub(crate) enum Next {
    /// Nothing: the listing is complete.
    Done,
    /// Ask again with `nextToken=<it>`.
    Token(String),
    /// More, in this field, which cannot be followed.
    Unfollowed(String),
}

/// Accepts a bare list, `{"items": [...]}`, either inside `{"data": ...}`, and an empty body
/// (no items); `errors` is a failure even with a 2xx status ([`check_errors`]). The
/// continuation is looked for in the unwrapped answer, then in the `{"data": ...}` envelope
/// around it. `seen` items came on the earlier pages (a `total` above all of them means more);
/// `what` names the items in messages (`flight logs`).
pub(crate) fn parse_page(
    body: &[u8],
    endpoint: &str,
    page: u32,
    seen: usize,
    what: &str,
) -> Result<Page> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Page {
            items: Vec::new(),
            next: Next::Done,
        });
    }
    let mut value: Value = serde_json::from_slice(body).map_err(|e| {
        Error::unexpected_because(
            format!("{endpoint} answered page {page} of the listing with invalid JSON"),
            e,
        )
    })?;
    check_errors(&value, endpoint)?;
    let envelope = match value.get_mut("data").map(Value::take) {
        Some(data) => Some(std::mem::replace(&mut value, data)),
        None => None,
    };
    let answer = value.clone();
    if let Some(items) = value.get_mut("items").map(Value::take) {
        value = items;
    }
    let Value::Array(items) = value else {
        return Err(Error::unexpected(format!(
            "{endpoint} answered page {page} of the listing with neither a list of {what} nor \
             {{\"items\": [...]}}"
        )));
    };
    let received = seen + items.len();
    let next = [Some(&answer), envelope.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|object| continuation(object, received))
        .unwrap_or(Next::Done);
    Ok(Page { items, next })
}

/// `Err(`[`Error::Service`]`)` when the answer holds `errors` that is neither null nor empty
/// (a list of `{message}` or anything else), with the messages blanked of credentials.
pub(crate) fn check_errors(answer: &Value, endpoint: &str) -> Result<()> {
    let messages: Vec<String> = match answer.get("errors") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Array(errors)) if errors.is_empty() => return Ok(()),
        Some(Value::Object(error)) if error.is_empty() => return Ok(()),
        Some(Value::Array(errors)) => errors.iter().map(message).collect(),
        Some(other) => vec![message(other)],
    };
    Err(Error::Service {
        code: "errors".into(),
        message: format!(
            "{endpoint}: {}",
            crate::text::scrub_credentials(&messages.join("; "))
        ),
        source: None,
    })
}

fn message(error: &Value) -> String {
    match error.get("message").and_then(Value::as_str) {
        Some(m) => m.to_owned(),
        None => match error.as_str() {
            Some(text) => text.to_owned(),
            None => error.to_string(),
        },
    }
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
    use serde_json::Value;

    use super::{Next, check_errors};
    use crate::api::flights::FlightLog;
    use crate::error::Result;
    use crate::text::scrub_credentials;

    fn parse_page(body: &[u8], endpoint: &str, page: u32) -> Result<super::Page> {
        super::parse_page(body, endpoint, page, 0, "flight logs")
    }

    fn logs(body: &[u8]) -> Vec<FlightLog> {
        let items = parse_page(body, "x", 1).unwrap().items;
        serde_json::from_value(Value::Array(items)).unwrap()
    }

    fn next(body: &str) -> Next {
        parse_page(body.as_bytes(), "x", 1).unwrap().next
    }

    #[test]
    fn errors_of_any_shape_fail_and_never_show_a_credential() {
        let pat = "ul_pat_0123456789abcdefLeak";
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
        for body in [
            format!(r#"{{"errors":[{{"message":"token {pat} invalid"}}]}}"#),
            format!(r#"{{"errors":{{"message":"bad token {jwt}"}},"id":"x"}}"#),
            format!(r#"{{"errors":"denied for {pat}"}}"#),
        ] {
            let value: Value = serde_json::from_str(&body).unwrap();
            let e = check_errors(&value, "GET /x").unwrap_err().to_string();
            assert!(e.contains("[redacted]"), "{e}");
            assert!(!e.contains(pat) && !e.contains(jwt), "{e}");
        }
        for fine in [r#"{"errors":null}"#, r#"{"errors":[]}"#, r#"{"id":"x"}"#] {
            assert!(check_errors(&serde_json::from_str(fine).unwrap(), "x").is_ok());
        }
        assert_eq!(
            scrub_credentials("user_pat_x, eyJonly, ul_pat_ alone, keep ü"),
            "user_pat_x, eyJonly, ul_pat_ alone, keep ü"
        );
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
        assert!(err.to_string().contains("invalid JSON"), "{err}");
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
