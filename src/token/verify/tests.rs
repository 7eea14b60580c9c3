use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::*;
use crate::Config;

#[derive(Debug)]
struct At(SystemTime);
impl clock::Clock for At {
    fn now(&self) -> SystemTime {
        self.0
    }
}

const NOW: i64 = 1_800_000_000;

fn verifier(leeway: u64) -> Verifier {
    let mut n = vec![0xc5_u8; 256];
    n[255] = 1;
    let jwks = serde_json::json!({"keys": [{"kty": "RSA", "kid": "k", "n": URL_SAFE_NO_PAD.encode(n), "e": "AQAB"}]});
    let config = crate::Settings::default()
        .client_id("client1")
        .resolve()
        .unwrap();
    Verifier::builder(&config)
        .jwks(JwksCache::fixed(jwks.to_string().as_bytes()).unwrap())
        .clock(std::sync::Arc::new(At(clock::from_unix_seconds(NOW))))
        .leeway(Duration::from_secs(leeway))
        .require_claim("custom:companyId")
        .build()
        .unwrap()
}

fn claims(edit: impl FnOnce(&mut UnverifiedJwt)) -> UnverifiedJwt {
    let mut jwt = UnverifiedJwt {
        iss: Some(Config::unleash_live().issuer()),
        token_use: Some("id".into()),
        aud: Some("client1".into()),
        exp: Some(NOW + 3600),
        iat: Some(NOW),
        ..UnverifiedJwt::default()
    };
    edit(&mut jwt);
    jwt
}

fn check(v: &Verifier, jwt: &UnverifiedJwt) -> Result<(), Rejection> {
    v.check_claims(
        &jwt.registered(),
        TokenUse::Id,
        br#"{"custom:companyId": "c"}"#,
    )
}

#[test]
fn times_are_checked_against_the_injected_clock_with_the_leeway() {
    let v = verifier(60);
    assert_eq!(check(&v, &claims(|_| {})), Ok(()));
    let cases = [
        (claims(|c| c.exp = Some(NOW - 59)), None),
        (
            claims(|c| c.exp = Some(NOW - 60)),
            Some(Rejection::Expired {
                exp: NOW - 60,
                now: NOW,
            }),
        ),
        (claims(|c| c.nbf = Some(NOW + 60)), None),
        (
            claims(|c| c.nbf = Some(NOW + 61)),
            Some(Rejection::NotYetValid {
                nbf: NOW + 61,
                now: NOW,
            }),
        ),
        (
            claims(|c| c.iat = Some(NOW + 61)),
            Some(Rejection::IssuedInFuture {
                iat: NOW + 61,
                now: NOW,
            }),
        ),
        (
            claims(|c| c.exp = Some(i64::MIN)),
            Some(Rejection::Expired {
                exp: i64::MIN,
                now: NOW,
            }),
        ),
        (claims(|c| c.exp = Some(i64::MAX)), None),
    ];
    for (jwt, want) in cases {
        assert_eq!(check(&v, &jwt).err(), want, "{jwt:?}");
    }
    let strict = verifier(0);
    assert!(matches!(
        check(&strict, &claims(|c| c.exp = Some(NOW))),
        Err(Rejection::Expired { .. })
    ));
}

#[test]
fn missing_registered_or_required_claims_are_named() {
    let v = verifier(60);
    for (jwt, name) in [
        (claims(|c| c.iss = None), "iss"),
        (claims(|c| c.token_use = None), "token_use"),
        (claims(|c| c.aud = None), "aud"),
        (claims(|c| c.exp = None), "exp"),
    ] {
        assert_eq!(check(&v, &jwt), Err(Rejection::MissingClaim(name.into())));
    }
    for payload in [&b"{}"[..], br#"{"custom:companyId": null}"#] {
        assert_eq!(
            v.check_claims(&claims(|_| {}).registered(), TokenUse::Id, payload),
            Err(Rejection::MissingClaim("custom:companyId".into()))
        );
    }
}

#[test]
fn messages_quote_at_most_an_excerpt_of_token_values() {
    let long = "x".repeat(5000);
    let msg = Rejection::WrongIssuer {
        found: excerpt(&long),
        expected: "https://issuer".into(),
    }
    .to_string();
    assert!(msg.len() < 200, "{msg}");
    assert_eq!(excerpt("émoji🙂"), "émoji🙂");
    assert_eq!(excerpt(&"é".repeat(70)).chars().count(), 65);
}

#[test]
fn structure_is_refused_before_anything_else() {
    let h = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"k"}"#);
    let p = URL_SAFE_NO_PAD.encode(r#"{"exp":1}"#);
    let cases = [
        (String::new(), Rejection::SegmentCount { found: 1 }),
        (format!("{h}.{p}"), Rejection::SegmentCount { found: 2 }),
        (
            format!("{h}.{p}.c2ln.x"),
            Rejection::SegmentCount { found: 4 },
        ),
        (
            format!("{h}=.{p}.c2ln"),
            Rejection::NotBase64(Segment::Header),
        ),
        (
            format!("{h}.{p}.c2l*"),
            Rejection::NotBase64(Segment::Signature),
        ),
        (
            format!("{h}.{}.c2ln", URL_SAFE_NO_PAD.encode("{\"exp\":")),
            Rejection::NotJson(Segment::Payload),
        ),
        (
            format!("{}.{p}.c2ln", URL_SAFE_NO_PAD.encode("[1]")),
            Rejection::NotObject(Segment::Header),
        ),
        (
            format!(
                "{h}.{}.c2ln",
                URL_SAFE_NO_PAD.encode(r#"{"exp":1,"exp":2}"#)
            ),
            Rejection::MalformedClaims("duplicate field `exp` at line 1 column 14".into()),
        ),
    ];
    let v = verifier(60);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for (token, want) in cases {
        for outcome in [
            runtime.block_on(v.verify_id_token(&token)).map(drop),
            runtime.block_on(v.verify_access_token(&token)).map(drop),
        ] {
            match outcome {
                Err(Error::TokenRejected(reason)) => assert_eq!(reason, want, "{token}"),
                other => panic!("{token}: {other:?}"),
            }
        }
    }
}

#[test]
fn claims_the_registered_reading_refuses_are_refused_before_the_signature() {
    // Complete ID-token claims, so the one-pass reading into `IdClaims` is tried first; the
    // key's modulus is not a real key, so a token that got as far as the signature would be
    // `BadSignature`.
    let h = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"k"}"#);
    let base = r#""sub":"s","iss":"i","aud":"client1","exp":1"#;
    let v = verifier(60);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for (claims, want) in [
        (
            format!(r#"{{{base},"token_use":"id","nbf":1,"nbf":2}}"#),
            "duplicate field `nbf`",
        ),
        (
            format!(r#"{{{base},"token_use":"id","client_id":"a","client_id":"b"}}"#),
            "duplicate field `client_id`",
        ),
        (
            format!(r#"{{{base},"token_use":"id","nbf":"soon"}}"#),
            "invalid type: string",
        ),
        (
            format!(r#"{{{base},"token_use":{{"id":null}}}}"#),
            "invalid type: map",
        ),
    ] {
        let token = format!("{h}.{}.c2ln", URL_SAFE_NO_PAD.encode(&claims));
        match runtime.block_on(v.verify_id_token(&token)) {
            Err(Error::TokenRejected(Rejection::MalformedClaims(m))) => {
                assert!(m.contains(want), "{claims}: {m}");
            }
            other => panic!("{claims}: {other:?}"),
        }
    }
}
