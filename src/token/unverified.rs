//! Decoding a JWT **without checking its signature**, as the JS samples' `jwt_decode` does.
//!
//! Use it only for tokens this program just received from Cognito over TLS (to read the
//! expiry and the user's ids). To trust a token someone else handed you, verify it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Larger tokens are refused before any decoding (Cognito's are 1–2 KiB).
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// The payload of a JWT as a JSON object, claim names exactly as in the token.
/// The signature is **not** checked.
///
/// # Errors
/// [`Error::InvalidToken`] when the token is oversize, does not have three segments, or its
/// header or payload is not base64url-encoded JSON objects.
pub fn decode_payload_unverified(token: &str) -> Result<Map<String, Value>> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(Error::invalid_token(format!(
            "{} bytes, more than the {MAX_TOKEN_BYTES}-byte limit",
            token.len()
        )));
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Error::invalid_token(
            "not a JWT (expected three dot-separated segments)",
        ));
    };
    segment_object(header, "header")?;
    segment_object(payload, "payload")
}

/// The payload decoded into typed claims. The signature is **not** checked.
///
/// # Errors
/// As [`decode_payload_unverified`], and when a required claim is missing or mistyped.
pub fn decode_claims_unverified<T: DeserializeOwned>(token: &str) -> Result<T> {
    let payload = decode_payload_unverified(token)?;
    serde_json::from_value(Value::Object(payload))
        .map_err(|e| Error::undecodable_token("unexpected claims", e))
}

fn segment_object(segment: &str, what: &str) -> Result<Map<String, Value>> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment.trim_end_matches('='))
        .map_err(|e| Error::undecodable_token(format!("the {what} is not base64url"), e))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Error::invalid_token(format!(
            "the {what} is not a JSON object"
        ))),
        Err(e) => Err(Error::undecodable_token(
            format!("the {what} is not JSON"),
            e,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn reads_the_payload_object() {
        let t = format!(
            "{}.{}.sig",
            b64(r#"{"alg":"RS256"}"#),
            b64(r#"{"sub":"u1","exp":5}"#)
        );
        let p = decode_payload_unverified(&t).unwrap();
        assert_eq!(p["sub"], "u1");
    }

    #[test]
    fn malformed_tokens_are_errors_not_panics() {
        let h = b64(r#"{"alg":"RS256"}"#);
        let cases = [
            String::new(),
            "abc".into(),
            format!("{h}.{}", b64("{}")),
            format!("{h}.{}.s.extra", b64("{}")),
            format!("{h}.!!!.s"),
            format!("{h}.{}.s", b64("not json")),
            format!("{h}.{}.s", b64("[1,2]")),
            format!("{}.{}.s", b64("\"str\""), b64("{}")),
            "a".repeat(MAX_TOKEN_BYTES + 1),
        ];
        for c in cases {
            let e = decode_payload_unverified(&c).unwrap_err();
            assert!(matches!(e, Error::InvalidToken { .. }), "{e}");
        }
    }

    #[test]
    fn a_segment_that_is_not_base64url_keeps_the_decoding_error_as_its_source() {
        let h = b64(r#"{"alg":"RS256"}"#);
        let e = decode_payload_unverified(&format!("{h}.!!!.s")).unwrap_err();
        let source = std::error::Error::source(&e).expect("a source");
        assert!(source.is::<base64::DecodeError>(), "{source:?}");
        let e = decode_payload_unverified(&format!("{h}.{}.s", b64("not json"))).unwrap_err();
        let source = std::error::Error::source(&e).expect("a source");
        assert!(source.is::<serde_json::Error>(), "{source:?}");
    }
}
