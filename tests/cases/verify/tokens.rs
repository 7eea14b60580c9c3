//! Real moto tokens verify; a table of forged tokens, each refused with its own reason;
//! required claims and extra clients.

use super::{
    CLIENT, KeyServer, NOW, TestClock, b64, config, header, id_claims, jwk, jwks, moto_key,
    other_key, rejection, rs256, with,
};
use crate::util::emulator::require;
use crate::util::{PASSWORD, PILOT, Pool};
use aws_lc_rs::signature::{KeyPair as _, RsaPublicKeyComponents};
use serde_json::{Value, json};
use unleashlive_auth::token::unverified::MAX_TOKEN_BYTES;
use unleashlive_auth::token::verify::Segment;
use unleashlive_auth::token::{JwksCache, Rejection, TokenUse, Verifier};
use unleashlive_auth::{CognitoClient, Error, ErrorClass, Password, SignIn};

fn hs256(secret: &[u8], header: &Value, claims: &Value) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let tag = aws_lc_rs::hmac::sign(
        &aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret),
        input.as_bytes(),
    );
    format!("{input}.{}", b64(tag.as_ref()))
}

fn access_claims() -> Value {
    json!({
        "sub": "5b0c7f3e", "iss": config().issuer(), "client_id": CLIENT,
        "token_use": "access", "scope": "aws.cognito.signin.user.admin",
        "auth_time": NOW - 10, "iat": NOW - 10, "exp": NOW + 3600, "username": "pilot"
    })
}

#[tokio::test]
async fn tokens_from_a_moto_sign_in_verify_against_the_key_set_moto_serves() {
    require!(moto);
    let pool = Pool::create().await;
    let config = pool.config();
    assert_eq!(
        config.jwks_url(),
        format!(
            "{}/{}/.well-known/jwks.json",
            crate::util::moto_url(),
            pool.pool_id
        )
    );
    let cognito = CognitoClient::new(config.clone()).await;
    let SignIn::Done(session) = cognito
        .sign_in_with_password(PILOT, &Password::new(PASSWORD))
        .await
        .unwrap()
    else {
        panic!("expected a session");
    };
    let verifier = Verifier::builder(&config).build().unwrap();
    let strict = Verifier::builder(&config)
        .require_claim("custom:companyId")
        .jwks(verifier.jwks().clone())
        .build()
        .unwrap();
    let id = strict
        .verify_id_token(session.id_token().secret())
        .await
        .unwrap();
    assert_eq!(id.aud, pool.client_id);
    assert_eq!(id.iss, config.issuer());
    assert_eq!(id.team_id.as_deref(), Some("team-7"));
    assert_eq!(&id, session.claims());
    let access = verifier
        .verify_access_token(session.access_token().secret())
        .await
        .unwrap();
    assert_eq!(access.client_id, pool.client_id);
    assert_eq!(access.sub, id.sub);
    assert_eq!(verifier.jwks().kids(), ["dummy"]);

    // The same genuine tokens, asked for as the other kind or for another client.
    let swapped = verifier
        .verify_access_token(session.id_token().secret())
        .await;
    assert_eq!(
        rejection(swapped),
        Rejection::WrongTokenUse {
            expected: TokenUse::Access,
            found: "id".into()
        }
    );
    let other_client = Verifier::builder(&config)
        .client_ids(["someone-else"])
        .jwks(verifier.jwks().clone())
        .build()
        .unwrap();
    assert_eq!(
        rejection(
            other_client
                .verify_id_token(session.id_token().secret())
                .await
        ),
        Rejection::WrongAudience {
            found: pool.client_id.clone()
        }
    );
}

/// Rows refused by their structure alone: no key lookup, no signature check.
fn malformed_rows(good: &str) -> Vec<(&'static str, String, Rejection)> {
    let [h, p, s] = <[&str; 3]>::try_from(good.split('.').collect::<Vec<_>>()).unwrap();
    let none = format!(
        "{}.{p}.",
        b64(json!({"alg": "none", "kid": "dummy"})
            .to_string()
            .as_bytes())
    );
    vec![
        (
            "alg none",
            none,
            Rejection::AlgorithmNotAllowed {
                alg: Some("none".into()),
            },
        ),
        (
            "no alg at all",
            format!("{}.{p}.{s}", b64(br#"{"kid":"dummy"}"#)),
            Rejection::AlgorithmNotAllowed { alg: None },
        ),
        (
            "no kid",
            format!("{}.{p}.{s}", b64(br#"{"alg":"RS256"}"#)),
            Rejection::MissingKeyId,
        ),
        (
            "critical header extension",
            format!(
                "{}.{p}.{s}",
                b64(br#"{"alg":"RS256","kid":"dummy","crit":["exp"]}"#)
            ),
            Rejection::CriticalHeader,
        ),
        (
            "truncated to two segments",
            format!("{h}.{p}"),
            Rejection::SegmentCount { found: 2 },
        ),
        (
            "truncated inside the signature",
            good[..good.len() - 1].to_owned(),
            Rejection::NotBase64(Segment::Signature),
        ),
        (
            "bad base64 in the payload",
            format!("{h}.{}*.{s}", &p[..p.len() - 1]),
            Rejection::NotBase64(Segment::Payload),
        ),
        (
            "padded base64",
            format!("{h}.{p}=.{s}"),
            Rejection::NotBase64(Segment::Payload),
        ),
        (
            "non-JSON payload",
            format!("{h}.{}.{s}", b64(b"not json")),
            Rejection::NotJson(Segment::Payload),
        ),
        (
            "payload is a JSON array",
            format!("{h}.{}.{s}", b64(b"[1,2]")),
            Rejection::NotObject(Segment::Payload),
        ),
        (
            "header is a JSON string",
            format!("{}.{p}.{s}", b64(b"\"RS256\"")),
            Rejection::NotObject(Segment::Header),
        ),
        (
            "duplicate exp claim",
            format!(
                "{h}.{}.{s}",
                b64(br#"{"exp":1,"iss":"x","exp":99999999999}"#)
            ),
            Rejection::MalformedClaims("duplicate field `exp`".into()),
        ),
        (
            "oversize",
            format!("{h}.{}.{s}", "A".repeat(MAX_TOKEN_BYTES)),
            Rejection::Oversize {
                bytes: h.len() + s.len() + 2 + MAX_TOKEN_BYTES,
                limit: MAX_TOKEN_BYTES,
            },
        ),
        (
            "extra segments",
            format!("{good}.{s}"),
            Rejection::SegmentCount { found: 4 },
        ),
    ]
}

/// Rows that need the key: validly encoded, wrong key, algorithm or claims.
fn signed_rows() -> Vec<(&'static str, String, TokenUse, Rejection)> {
    let moto = moto_key();
    let dummy = header("dummy");
    let id = |claims: Value| rs256(moto, &dummy, &claims);
    let public = RsaPublicKeyComponents::<Vec<u8>>::from(moto.public_key());
    let id_claims = id_claims();
    vec![
        (
            "HS256 keyed with the pool's public key (key confusion)",
            hs256(
                &public.n,
                &json!({"alg": "HS256", "kid": "dummy"}),
                &id_claims,
            ),
            TokenUse::Id,
            Rejection::AlgorithmNotAllowed {
                alg: Some("HS256".into()),
            },
        ),
        (
            "HMAC signature under an RS256 header",
            hs256(&public.n, &dummy, &id_claims),
            TokenUse::Id,
            Rejection::BadSignature {
                kid: "dummy".into(),
            },
        ),
        (
            "RS256 signed by another key",
            rs256(other_key(), &dummy, &id_claims),
            TokenUse::Id,
            Rejection::BadSignature {
                kid: "dummy".into(),
            },
        ),
        (
            "unknown kid",
            rs256(other_key(), &header("attacker-key"), &id_claims),
            TokenUse::Id,
            Rejection::UnknownKey {
                kid: "attacker-key".into(),
            },
        ),
        (
            "wrong iss (another pool)",
            id(with(
                id_claims.clone(),
                "iss",
                "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other".into(),
            )),
            TokenUse::Id,
            Rejection::WrongIssuer {
                found: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other".into(),
                expected: config().issuer(),
            },
        ),
        (
            "wrong aud",
            id(with(id_claims.clone(), "aud", "client-2".into())),
            TokenUse::Id,
            Rejection::WrongAudience {
                found: "client-2".into(),
            },
        ),
        (
            "wrong client_id (access token)",
            id(with(access_claims(), "client_id", "client-2".into())),
            TokenUse::Access,
            Rejection::WrongAudience {
                found: "client-2".into(),
            },
        ),
        (
            "wrong token_use (access token as ID token)",
            id(access_claims()),
            TokenUse::Id,
            Rejection::WrongTokenUse {
                expected: TokenUse::Id,
                found: "access".into(),
            },
        ),
        (
            "expired (beyond the 60 s leeway)",
            id(with(id_claims.clone(), "exp", (NOW - 61).into())),
            TokenUse::Id,
            Rejection::Expired {
                exp: NOW - 61,
                now: NOW,
            },
        ),
        (
            "nbf in the future",
            id(with(id_claims.clone(), "nbf", (NOW + 600).into())),
            TokenUse::Id,
            Rejection::NotYetValid {
                nbf: NOW + 600,
                now: NOW,
            },
        ),
        (
            "iat in the future",
            id(with(id_claims.clone(), "iat", (NOW + 600).into())),
            TokenUse::Id,
            Rejection::IssuedInFuture {
                iat: NOW + 600,
                now: NOW,
            },
        ),
        (
            "exp is not a number",
            id(with(id_claims.clone(), "exp", "tomorrow".into())),
            TokenUse::Id,
            Rejection::MalformedClaims("invalid type: string \"tomorrow\", expected i64".into()),
        ),
        (
            "no sub",
            id({
                let mut c = id_claims.clone();
                c.as_object_mut().unwrap().remove("sub");
                c
            }),
            TokenUse::Id,
            Rejection::MalformedClaims("missing field `sub`".into()),
        ),
    ]
}

#[tokio::test]
async fn every_forged_token_is_refused_with_its_own_reason() {
    require!(python);
    let keys = KeyServer::serving(jwks(&[jwk(moto_key(), "dummy")])).await;
    let clock = TestClock::at(NOW);
    let verifier = keys.verifier(&clock);
    let good = rs256(moto_key(), &header("dummy"), &id_claims());

    for (name, token, want) in malformed_rows(&good) {
        let err = verifier.verify_id_token(&token).await.unwrap_err();
        assert_no_token_in(&err, &token);
        assert_eq!(err.class(), ErrorClass::Authentication);
        let got = rejection(Err::<(), _>(err));
        assert!(same(&got, &want), "row {name}: {got:?}, not {want:?}");
    }
    assert_eq!(
        keys.requests().await,
        0,
        "malformed tokens are refused before any key is looked up"
    );

    let accepted = verifier.verify_id_token(&good).await.unwrap();
    assert_eq!(accepted.company_id.as_deref(), Some("company-42"));
    for (name, token, kind, want) in signed_rows() {
        let outcome = match kind {
            TokenUse::Id => verifier.verify_id_token(&token).await.map(|_| ()),
            TokenUse::Access => verifier.verify_access_token(&token).await.map(|_| ()),
        };
        let err = outcome.unwrap_err();
        assert_no_token_in(&err, &token);
        let got = rejection(Err::<(), _>(err));
        assert!(same(&got, &want), "row {name}: {got:?}, not {want:?}");
    }
    let access = rs256(moto_key(), &header("dummy"), &access_claims());
    assert_eq!(
        verifier
            .verify_access_token(&access)
            .await
            .unwrap()
            .client_id,
        CLIENT
    );
    // The unknown kid came within 10 s of the first fetch: refused without a refetch.
    assert_eq!(keys.requests().await, 1);
}

/// serde's messages end with a position that depends on claim order; compare the rest.
fn same(got: &Rejection, want: &Rejection) -> bool {
    match (got, want) {
        (Rejection::MalformedClaims(got), Rejection::MalformedClaims(want)) => {
            got.starts_with(want.as_str())
        }
        _ => got == want,
    }
}

fn assert_no_token_in(err: &Error, token: &str) {
    let shown = format!("{err} {err:?}");
    for part in token.split('.').filter(|p| p.len() >= 16) {
        assert!(
            !shown.contains(&part[..16]),
            "the error quotes the token: {shown}"
        );
    }
}

#[tokio::test]
async fn required_claims_and_extra_clients_are_honoured() {
    require!(python);
    let clock = TestClock::at(NOW);
    let fixed = JwksCache::fixed(jwks(&[jwk(moto_key(), "dummy")]).as_bytes()).unwrap();
    let verifier = Verifier::builder(&config())
        .allow_client("client-2")
        .require_claim("custom:teamId")
        .require_claim("custom:identityId")
        .jwks(fixed)
        .clock(clock.clone())
        .build()
        .unwrap();
    let mut claims = with(id_claims(), "aud", "client-2".into());
    let token = rs256(moto_key(), &header("dummy"), &claims);
    assert_eq!(
        rejection(verifier.verify_id_token(&token).await),
        Rejection::MissingClaim("custom:identityId".into())
    );
    claims["custom:identityId"] = "ap-southeast-2:1111".into();
    let token = rs256(moto_key(), &header("dummy"), &claims);
    let ok = verifier.verify_id_token(&token).await.unwrap();
    assert_eq!(ok.identity_id.as_deref(), Some("ap-southeast-2:1111"));

    // Inside the leeway at both ends, outside it just past.
    let soon_expired = rs256(
        moto_key(),
        &header("dummy"),
        &with(claims.clone(), "exp", NOW.into()),
    );
    assert!(verifier.verify_id_token(&soon_expired).await.is_ok());
    clock.advance(60);
    assert!(matches!(
        rejection(verifier.verify_id_token(&soon_expired).await),
        Rejection::Expired { .. }
    ));
}
