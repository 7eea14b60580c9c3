//! Reading a JWKS document: the RS256 signing keys it holds, each parsed once into the
//! verifier a signature check uses.

use std::sync::Arc;

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use crate::token::jwks::JwksFailure;
use crate::token::verify::excerpt;

/// One RS256 verification key.
pub(crate) struct RsaKey {
    pub(crate) kid: String,
    pub(crate) verifier: Rs256Verifier,
    /// Modulus length in bytes: a valid signature is exactly this long.
    pub(crate) modulus_len: usize,
}

/// RS256 (PKCS#1 v1.5, SHA-256) with one pool key, parsed once when the key set is read
/// (rebuilding it from `n` and `e` for every token, as a generic JWT library does, costs ~15 %
/// of a verification). The algorithm belongs to the key: whatever a token's header says,
/// this key checks RS256 and nothing else.
pub(crate) struct Rs256Verifier(aws_lc_rs::signature::ParsedPublicKey);

impl Rs256Verifier {
    /// Whether `signature` is this key's RS256 signature of `message`.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.0.verify_sig(message, signature).is_ok()
    }
}

#[derive(Deserialize)]
struct Document {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: Option<String>,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

/// The RS256 keys of a JWKS document.
pub(super) fn parse_key_set(bytes: &[u8]) -> Result<Arc<[Arc<RsaKey>]>, JwksFailure> {
    let document: Document = serde_json::from_slice(bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => JwksFailure::Malformed(e.to_string()),
        _ => JwksFailure::NotJson,
    })?;
    let mut keys: Vec<Arc<RsaKey>> = Vec::new();
    for jwk in document.keys {
        let usable = jwk.kty.as_deref() == Some("RSA")
            && jwk.usage.as_deref().is_none_or(|u| u == "sig")
            && jwk.alg.as_deref().is_none_or(|a| a == "RS256");
        // A key without a kid can never be selected: Cognito's tokens always name theirs.
        let (true, Some(kid)) = (usable, jwk.kid) else {
            continue;
        };
        let component = |value: Option<String>, name: &str| {
            let value = value.ok_or_else(|| {
                JwksFailure::Malformed(format!("key {:?} has no {name}", excerpt(&kid)))
            })?;
            let bytes = URL_SAFE_NO_PAD.decode(value.as_bytes()).map_err(|_| {
                JwksFailure::Malformed(format!("key {:?}: {name} is not base64url", excerpt(&kid)))
            })?;
            let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
            Ok::<_, JwksFailure>(bytes[start..].to_vec())
        };
        let n = component(jwk.n, "n")?;
        let e = component(jwk.e, "e")?;
        let bits = n.first().map_or(0, |top| {
            n.len() * 8 - usize::try_from(top.leading_zeros()).unwrap_or(0)
        });
        if !(2048..=8192).contains(&bits) {
            return Err(JwksFailure::Malformed(format!(
                "key {:?} has a {bits}-bit modulus (2048 to 8192 accepted)",
                excerpt(&kid)
            )));
        }
        let exponent = (e.len() <= 8).then(|| e.iter().fold(0u64, |v, &b| v << 8 | u64::from(b)));
        if !exponent.is_some_and(|x| x >= 3 && x % 2 == 1) {
            return Err(JwksFailure::Malformed(format!(
                "key {:?} has an unusable exponent",
                excerpt(&kid)
            )));
        }
        if keys.iter().any(|k| k.kid == kid) {
            return Err(JwksFailure::Malformed(format!(
                "two keys are named {:?}",
                excerpt(&kid)
            )));
        }
        let parsed = RsaPublicKeyComponents {
            n: &n[..],
            e: &e[..],
        }
        .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
        .map_err(|_| {
            JwksFailure::Malformed(format!("key {:?} is not a valid RSA key", excerpt(&kid)))
        })?;
        keys.push(Arc::new(RsaKey {
            verifier: Rs256Verifier(parsed),
            modulus_len: n.len(),
            kid,
        }));
    }
    if keys.is_empty() {
        return Err(JwksFailure::NoUsableKey);
    }
    Ok(keys.into())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A syntactically valid 2048-bit modulus (not a real key: parsing never checks primality).
    pub(crate) fn modulus() -> String {
        let mut n = vec![0xc5_u8; 256];
        n[255] = 0x01;
        URL_SAFE_NO_PAD.encode(n)
    }

    pub(crate) fn key(kid: &str) -> serde_json::Value {
        serde_json::json!({"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
                           "n": modulus(), "e": "AQAB"})
    }

    fn parse(doc: serde_json::Value) -> Result<Vec<String>, JwksFailure> {
        parse_key_set(doc.to_string().as_bytes())
            .map(|keys| keys.iter().map(|k| k.kid.clone()).collect())
    }

    #[test]
    fn keeps_rs256_signing_keys_and_skips_the_rest() {
        let mut enc = key("enc");
        enc["use"] = "enc".into();
        let mut ps = key("ps");
        ps["alg"] = "PS256".into();
        let ec =
            serde_json::json!({"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"});
        let mut bare = key("bare");
        bare.as_object_mut()
            .map(|o| (o.remove("alg"), o.remove("use")));
        let kids = parse(serde_json::json!({"keys": [key("a"), enc, ps, ec, bare]})).unwrap();
        assert_eq!(kids, ["a", "bare"]);
    }

    #[test]
    fn malformed_key_sets_say_what_is_wrong() {
        let cases = [
            (b"<html>".to_vec(), JwksFailure::NotJson),
            (b"[]".to_vec(), JwksFailure::Malformed(String::new())),
            (b"{\"keys\":[]}".to_vec(), JwksFailure::NoUsableKey),
        ];
        for (body, want) in cases {
            let got = parse_key_set(&body).map(|_| ()).unwrap_err();
            assert_eq!(
                std::mem::discriminant(&got),
                std::mem::discriminant(&want),
                "{got}"
            );
        }
        let mut short = key("short");
        short["n"] = URL_SAFE_NO_PAD.encode([0xc5_u8; 128]).into();
        let err = parse(serde_json::json!({"keys": [short]})).unwrap_err();
        assert!(err.to_string().contains("1024-bit modulus"), "{err}");
        let mut bad = key("bad");
        bad["n"] = "!!!".into();
        let err = parse(serde_json::json!({"keys": [bad]})).unwrap_err();
        assert!(err.to_string().contains("n is not base64url"), "{err}");
        let err = parse(serde_json::json!({"keys": [key("twin"), key("twin")]})).unwrap_err();
        assert!(err.to_string().contains("two keys"), "{err}");
    }
}
