//! Decoding a JWT **without checking its signature**, as the JS samples' `jwt_decode` does.
//!
//! Use it only for tokens this program just received from Cognito over TLS (to read the
//! expiry and the user's ids). To trust a token someone else handed you, verify it.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
pub use crate::token::jwt::MAX_TOKEN_BYTES;
use crate::token::jwt::{self, Jwt};

/// The payload of a JWT as a JSON object, claim names exactly as in the token.
/// The signature is **not** checked.
///
/// # Errors
/// [`Error::InvalidToken`] when the token is oversize, does not have three segments, or its
/// header or payload is not unpadded base64url-encoded JSON objects; the reason is the
/// [`Rejection`](crate::token::verify::Rejection) verification would give.
pub fn decode_payload_unverified(token: &str) -> Result<Map<String, Value>> {
    jwt::parse(token)
        .map(|jwt: Jwt<'_, Map<String, Value>, _>| jwt.claims)
        .map_err(|reason| Error::invalid_token(reason.to_string()))
}

/// The payload decoded into typed claims. The signature is **not** checked.
///
/// # Errors
/// As [`decode_payload_unverified`], and when a required claim is missing or mistyped.
pub fn decode_claims_unverified<T: DeserializeOwned>(token: &str) -> Result<T> {
    // One pass straight into `T` for a well-formed token; anything else takes the long way,
    // which gives the same errors as before.
    if let Ok(segments) = jwt::split(token)
        && let Ok(jwt) = segments.decode::<Map<String, Value>, T>()
        && jwt.payload.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
    {
        return Ok(jwt.claims);
    }
    let payload = decode_payload_unverified(token)?;
    serde_json::from_value(Value::Object(payload))
        .map_err(|e| Error::undecodable_token("unexpected claims", e))
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;
    use crate::token::verify::UnverifiedJwt;

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn typed_claims_come_in_one_pass_and_a_list_is_still_not_claims() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Claims {
            sub: String,
            exp: i64,
        }
        let h = b64(r#"{"alg":"RS256"}"#);
        let good = format!("{h}.{}.sig", b64(r#" {"sub":"u1","exp":5,"extra":[1]}"#));
        let claims: Claims = decode_claims_unverified(&good).unwrap();
        assert_eq!(
            claims,
            Claims {
                sub: "u1".into(),
                exp: 5
            }
        );
        // A struct would take a list as a sequence; a token's claims are an object.
        let list = format!("{h}.{}.sig", b64(r#"["u1",5]"#));
        let e = decode_claims_unverified::<Claims>(&list).unwrap_err();
        assert!(matches!(e, Error::InvalidToken { .. }), "{e}");
        let array_header = format!("{}.{}.sig", b64("[1]"), b64(r#"{"sub":"u1","exp":5}"#));
        assert!(decode_claims_unverified::<Claims>(&array_header).is_err());
        let missing = format!("{h}.{}.sig", b64(r#"{"sub":"u1"}"#));
        let e = decode_claims_unverified::<Claims>(&missing).unwrap_err();
        assert!(e.to_string().contains("unexpected claims"), "{e}");
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
    fn malformed_tokens_get_the_reason_verification_gives() {
        let h = b64(r#"{"alg":"RS256"}"#);
        let cases = [
            format!("{h}.{}", b64("{}")),
            format!("{h}=.{}.c2ln", b64("{}")),
            format!("{h}.{}.c2ln", b64("not json")),
            format!("{h}.{}.c2ln", b64("[1,2]")),
            "a".repeat(MAX_TOKEN_BYTES + 1),
        ];
        for c in cases {
            let Err(Error::TokenRejected(reason)) = UnverifiedJwt::parse(&c) else {
                panic!("verification's parser accepted {c}");
            };
            let e = decode_payload_unverified(&c).unwrap_err();
            assert!(
                matches!(&e, Error::InvalidToken { reason: r, .. } if *r == reason.to_string()),
                "{e} vs {reason}"
            );
        }
    }

    #[test]
    fn the_signature_is_not_read() {
        let t = format!("{}.{}.not*base64", b64("{}"), b64(r#"{"sub":"u1"}"#));
        assert_eq!(decode_payload_unverified(&t).unwrap()["sub"], "u1");
    }
}
