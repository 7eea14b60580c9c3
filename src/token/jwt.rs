//! The one JWT parser: the compact form (`header.payload.signature`) taken apart, its header
//! and claims decoded from unpadded base64url JSON. Unverified decoding
//! ([`crate::token::unverified`]) and verification ([`crate::token::verify`]) both read tokens
//! through it, so a token is malformed for one exactly when it is for the other, and for the
//! same [`Rejection`].
//!
//! It checks nothing a token claims: the signature is only carried along, as written.

use serde::de::DeserializeOwned;

use crate::token::verify::{Rejection, Segment};

/// Larger tokens are refused before any decoding (Cognito's are 1–2 KiB).
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// A token cut at its dots, header and payload base64url-decoded, nothing parsed as JSON yet.
pub(crate) struct Segments<'t> {
    header: Vec<u8>,
    payload: Vec<u8>,
    /// `header.payload` as written: what the signature signs.
    pub(crate) signing_input: &'t str,
    /// The third segment as written (base64url, not decoded).
    pub(crate) signature: &'t str,
}

/// A token taken apart: header and claims decoded into `H` and `C`.
pub(crate) struct Jwt<'t, H, C> {
    pub(crate) header: H,
    pub(crate) claims: C,
    /// The claims' JSON, for a second reading into another type.
    pub(crate) payload: Vec<u8>,
    /// `header.payload` as written: what the signature signs.
    pub(crate) signing_input: &'t str,
}

/// Takes `token` apart: refuses tokens over [`MAX_TOKEN_BYTES`], other than three segments,
/// a header or payload that is not unpadded base64url, or whose JSON does not decode into a
/// JSON object of type `H` (header) or `C` (claims). The first problem found is the error.
pub(crate) fn parse<H: DeserializeOwned, C: DeserializeOwned>(
    token: &str,
) -> Result<Jwt<'_, H, C>, Rejection> {
    split(token)?.decode()
}

/// The first half of [`parse`]: the size, the segment count and the base64url of the header
/// and payload, for a caller that checks the signature's encoding before the JSON.
pub(crate) fn split(token: &str) -> Result<Segments<'_>, Rejection> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(Rejection::Oversize {
            bytes: token.len(),
            limit: MAX_TOKEN_BYTES,
        });
    }
    let (signing_input, signature) = token.rsplit_once('.').unwrap_or((token, ""));
    let Some((header, payload)) = signing_input
        .split_once('.')
        .filter(|(_, payload)| !payload.contains('.'))
    else {
        return Err(Rejection::SegmentCount {
            found: token.split('.').count(),
        });
    };
    Ok(Segments {
        header: base64url(header, Segment::Header)?,
        payload: base64url(payload, Segment::Payload)?,
        signing_input,
        signature,
    })
}

impl<'t> Segments<'t> {
    /// The signature's bytes.
    pub(crate) fn signature_bytes(&self) -> Result<Vec<u8>, Rejection> {
        base64url(self.signature, Segment::Signature)
    }

    /// The second half of [`parse`]: the header and claims JSON.
    pub(crate) fn decode<H: DeserializeOwned, C: DeserializeOwned>(
        self,
    ) -> Result<Jwt<'t, H, C>, Rejection> {
        let (header, claims) = self.read()?;
        Ok(Jwt {
            header,
            claims,
            payload: self.payload,
            signing_input: self.signing_input,
        })
    }

    /// The header and claims JSON read into `H` and `C`, the segments kept for another reading.
    pub(crate) fn read<H: DeserializeOwned, C: DeserializeOwned>(
        &self,
    ) -> Result<(H, C), Rejection> {
        Ok((
            json(&self.header, Segment::Header)?,
            json(&self.payload, Segment::Payload)?,
        ))
    }

    /// The claims' JSON.
    pub(crate) fn payload(&self) -> &[u8] {
        &self.payload
    }
}

fn base64url(segment: &str, which: Segment) -> Result<Vec<u8>, Rejection> {
    // Strict: no padding, no non-canonical trailing bits, so one token has one spelling.
    // base64-simd (already in the tree through the AWS SDK's types) decodes a Cognito ID
    // token's payload several times faster than the scalar `base64` crate (issue 20).
    base64_simd::URL_SAFE_NO_PAD
        .decode_to_vec(segment.as_bytes())
        .map_err(|_| Rejection::NotBase64(which))
}

fn json<T: DeserializeOwned>(bytes: &[u8], which: Segment) -> Result<T, Rejection> {
    serde_json::from_slice(bytes).map_err(|e| {
        let object = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        match (e.classify(), object, which) {
            (serde_json::error::Category::Data, true, Segment::Header) => {
                Rejection::MalformedHeader(detail(&e))
            }
            (serde_json::error::Category::Data, true, _) => Rejection::MalformedClaims(detail(&e)),
            (serde_json::error::Category::Data, false, _) => Rejection::NotObject(which),
            _ => Rejection::NotJson(which),
        }
    })
}

/// serde's message, cut short (it may quote a claim's value).
pub(crate) fn detail(e: &serde_json::Error) -> String {
    const MAX: usize = 160;
    let text = e.to_string();
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::{Map, Value};

    use super::*;

    type Object = Map<String, Value>;

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn takes_a_token_apart_keeping_what_a_signature_check_needs() {
        let (h, p) = (b64(r#"{"alg":"RS256"}"#), b64(r#"{"sub":"u1"}"#));
        let token = format!("{h}.{p}.c2ln");
        let jwt = parse::<Object, Object>(&token).unwrap();
        assert_eq!(jwt.header["alg"], "RS256");
        assert_eq!(jwt.claims["sub"], "u1");
        assert_eq!(jwt.payload, br#"{"sub":"u1"}"#);
        assert_eq!(jwt.signing_input, format!("{h}.{p}"));
        let segments = split(&token).unwrap();
        assert_eq!(segments.signature, "c2ln");
        assert_eq!(segments.signature_bytes().unwrap(), b"sig");
    }

    #[test]
    fn the_signature_is_carried_not_decoded() {
        let token = format!("{}.{}.not*base64", b64("{}"), b64("{}"));
        let segments = split(&token).unwrap();
        assert_eq!(
            segments.signature_bytes().err(),
            Some(Rejection::NotBase64(Segment::Signature))
        );
        assert!(segments.decode::<Object, Object>().is_ok());
    }

    #[test]
    fn every_malformation_is_named_with_its_segment() {
        let (h, p) = (b64("{}"), b64("{}"));
        let cases = [
            (String::new(), Rejection::SegmentCount { found: 1 }),
            (format!("{h}.{p}"), Rejection::SegmentCount { found: 2 }),
            (format!("{h}.{p}.s.x"), Rejection::SegmentCount { found: 4 }),
            (format!("{h}=.{p}.s"), Rejection::NotBase64(Segment::Header)),
            (
                format!("{h}.{p}=.s"),
                Rejection::NotBase64(Segment::Payload),
            ),
            (
                format!("{h}.{}.s", b64("{")),
                Rejection::NotJson(Segment::Payload),
            ),
            (
                format!("{}.{p}.s", b64("\"str\"")),
                Rejection::NotObject(Segment::Header),
            ),
            (
                format!("{h}.{}.s", b64("[1,2]")),
                Rejection::NotObject(Segment::Payload),
            ),
            (
                "a".repeat(MAX_TOKEN_BYTES + 1),
                Rejection::Oversize {
                    bytes: MAX_TOKEN_BYTES + 1,
                    limit: MAX_TOKEN_BYTES,
                },
            ),
        ];
        for (token, want) in cases {
            assert_eq!(parse::<Object, Object>(&token).err(), Some(want), "{token}");
        }
    }

    #[test]
    fn one_spelling_per_token() {
        // "QQ" is "A"; "QR" sets bits past the end; padding and the standard alphabet's
        // '+' and '/' are not base64url without padding.
        assert_eq!(base64url("QQ", Segment::Header), Ok(b"A".to_vec()));
        assert_eq!(base64url("-_8", Segment::Header), Ok(vec![0xfb, 0xff]));
        for bad in ["QR", "QQ==", "+/8", "Q", "QQ Q", "QQ\n"] {
            assert_eq!(
                base64url(bad, Segment::Payload),
                Err(Rejection::NotBase64(Segment::Payload)),
                "{bad}"
            );
        }
        // Every length and byte value agrees with the scalar decoder.
        let bytes: Vec<u8> = (0..=255).collect();
        for len in 0..bytes.len() {
            let text = URL_SAFE_NO_PAD.encode(&bytes[..len]);
            assert_eq!(
                base64url(&text, Segment::Header).as_deref(),
                Ok(&bytes[..len])
            );
        }
    }

    #[test]
    fn long_serde_messages_are_cut() {
        let e = serde_json::from_str::<u8>(&format!("\"{}\"", "x".repeat(500))).unwrap_err();
        assert_eq!(detail(&e).chars().count(), 161);
    }
}
