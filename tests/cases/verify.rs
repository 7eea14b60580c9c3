//! Token verification: real moto tokens verify; a table of forged tokens, each refused with its
//! own reason; the key-set cache and its rate-limited refetch counted on a local HTTP server;
//! `ul-auth verify`; and arbitrary input never panics.
//!
//! Validly signed tokens with wrong claims are signed with moto's own key, which ships in the
//! moto package (`moto/cognitoidp/resources/jwks-private.json.gz`; `$PYTHON` or `python3` finds
//! it). Its JWK has only `n`, `e` and `d`, so the primes are recovered here to build the
//! PKCS#1 key aws-lc-rs signs with.

use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use num_bigint::BigUint;
use proptest::prelude::*;
use serde_json::{Value, json};
use unleashlive_auth::clock::{Clock, from_unix_seconds};
use unleashlive_auth::token::jwks::JwksFailure;
use unleashlive_auth::token::unverified::{MAX_TOKEN_BYTES, decode_payload_unverified};
use unleashlive_auth::token::verify::{Segment, UnverifiedJwt};
use unleashlive_auth::token::{JwksCache, Rejection, TokenUse, Verifier};
use unleashlive_auth::{CognitoClient, Config, Error, ErrorClass, Password, Settings, SignIn};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::util::{Home, PASSWORD, PILOT, Pool};

const CLIENT: &str = "client1";
const NOW: i64 = 1_800_000_000;

// ---- keys and tokens ------------------------------------------------------------------------

/// moto's private JWK, read through the Python that has moto installed.
fn moto_private_jwk() -> Value {
    const SCRIPT: &str = "import gzip, os, sys, moto; \
        p = os.path.join(os.path.dirname(moto.__file__), 'cognitoidp', 'resources', 'jwks-private.json.gz'); \
        sys.stdout.write(gzip.decompress(open(p, 'rb').read()).decode())";
    // scripts/test may run moto from a private virtualenv when the system pip refuses.
    let venv = std::env::var("XDG_CACHE_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|_| std::env::var("HOME").map(|h| std::path::Path::new(&h).join(".cache")))
        .map(|cache| cache.join("unleashlive-auth/test-venv/bin/python"))
        .ok();
    let candidates = std::env::var("PYTHON")
        .ok()
        .into_iter()
        .chain(["python3".to_owned()])
        .chain(venv.map(|v| v.display().to_string()));
    for python in candidates {
        if let Ok(out) = Command::new(&python).args(["-c", SCRIPT]).output()
            && out.status.success()
        {
            return serde_json::from_slice(&out.stdout).expect("moto's JWK is JSON");
        }
    }
    panic!("cannot find moto's signing key: set PYTHON to the python that has moto installed")
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn big(jwk: &Value, name: &str) -> BigUint {
    BigUint::from_bytes_be(&URL_SAFE_NO_PAD.decode(jwk[name].as_str().unwrap()).unwrap())
}

/// p and q from n, e and d (the standard randomized factoring, with fixed small bases).
fn primes(n: &BigUint, e: &BigUint, d: &BigUint) -> (BigUint, BigUint) {
    let one = BigUint::from(1u32);
    let n_minus_1 = n - &one;
    let k = d * e - &one;
    let t = k.trailing_zeros().unwrap();
    let r = &k >> t;
    for g in [2u32, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37] {
        let mut y = BigUint::from(g).modpow(&r, n);
        if y == one || y == n_minus_1 {
            continue;
        }
        for _ in 0..t {
            let x = y.modpow(&BigUint::from(2u32), n);
            if x == one {
                let (mut a, mut b) = (&y - &one, n.clone());
                while b != BigUint::from(0u32) {
                    (a, b) = (b.clone(), a % b);
                }
                return (a.clone(), n / a);
            }
            if x == n_minus_1 {
                break;
            }
            y = x;
        }
    }
    panic!("could not factor moto's modulus");
}

/// DER of an RSAPrivateKey (RFC 8017 A.1.2).
fn pkcs1_der(n: &BigUint, e: &BigUint, d: &BigUint) -> Vec<u8> {
    fn len(out: &mut Vec<u8>, n: usize) {
        match n {
            0..=127 => out.push(n as u8),
            128..=255 => out.extend([0x81, n as u8]),
            _ => out.extend([0x82, (n >> 8) as u8, n as u8]),
        }
    }
    fn int(out: &mut Vec<u8>, v: &BigUint) {
        let mut bytes = v.to_bytes_be();
        if bytes[0] & 0x80 != 0 {
            bytes.insert(0, 0);
        }
        out.push(0x02);
        len(out, bytes.len());
        out.extend(bytes);
    }
    let (p, q) = primes(n, e, d);
    let one = BigUint::from(1u32);
    let q_inv = q.modpow(&(&p - 2u32), &p);
    let mut body = Vec::new();
    for v in [
        &BigUint::from(0u32),
        n,
        e,
        d,
        &p,
        &q,
        &(d % (&p - &one)),
        &(d % (&q - &one)),
        &q_inv,
    ] {
        int(&mut body, v);
    }
    let mut der = vec![0x30];
    len(&mut der, body.len());
    der.extend(body);
    der
}

/// moto's signing key (kid `dummy`): every moto pool's tokens are signed with it.
fn moto_key() -> &'static KeyPair {
    static KEY: OnceLock<KeyPair> = OnceLock::new();
    KEY.get_or_init(|| {
        let jwk = moto_private_jwk();
        assert_eq!(jwk["kid"], "dummy");
        let der = pkcs1_der(&big(&jwk, "n"), &big(&jwk, "e"), &big(&jwk, "d"));
        KeyPair::from_der(&der).expect("moto's key as PKCS#1")
    })
}

/// A key nobody trusts.
fn other_key() -> &'static KeyPair {
    static KEY: OnceLock<KeyPair> = OnceLock::new();
    KEY.get_or_init(|| KeyPair::generate(KeySize::Rsa2048).unwrap())
}

fn jwk(key: &KeyPair, kid: &str) -> Value {
    let public = RsaPublicKeyComponents::<Vec<u8>>::from(key.public_key());
    json!({"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
           "n": b64(&public.n), "e": b64(&public.e)})
}

fn jwks(keys: &[Value]) -> String {
    json!({ "keys": keys }).to_string()
}

fn rs256(key: &KeyPair, header: &Value, claims: &Value) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let mut sig = vec![0; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .unwrap();
    format!("{input}.{}", b64(&sig))
}

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

fn header(kid: &str) -> Value {
    json!({"kid": kid, "alg": "RS256"})
}

/// A test pool's settings (no moto needed: the tests below bring their own keys).
fn config() -> Config {
    Settings::default()
        .user_pool_id("ap-southeast-2_Forge")
        .client_id(CLIENT)
        .resolve()
        .unwrap()
}

fn id_claims() -> Value {
    json!({
        "sub": "5b0c7f3e", "iss": config().issuer(), "aud": CLIENT, "token_use": "id",
        "auth_time": NOW - 10, "iat": NOW - 10, "exp": NOW + 3600,
        "cognito:username": "pilot", "custom:companyId": "company-42", "custom:teamId": "team-7"
    })
}

fn access_claims() -> Value {
    json!({
        "sub": "5b0c7f3e", "iss": config().issuer(), "client_id": CLIENT,
        "token_use": "access", "scope": "aws.cognito.signin.user.admin",
        "auth_time": NOW - 10, "iat": NOW - 10, "exp": NOW + 3600, "username": "pilot"
    })
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

// ---- clock, key server ----------------------------------------------------------------------

#[derive(Debug)]
struct TestClock(Mutex<SystemTime>);

impl TestClock {
    fn at(unix: i64) -> Arc<TestClock> {
        Arc::new(TestClock(Mutex::new(from_unix_seconds(unix))))
    }
    fn advance(&self, secs: u64) {
        *self.0.lock().unwrap() += Duration::from_secs(secs);
    }
}

impl Clock for TestClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

/// A local JWKS endpoint that counts its requests.
struct KeyServer {
    server: MockServer,
}

impl KeyServer {
    async fn serving(body: String) -> KeyServer {
        let server = MockServer::start().await;
        let keys = KeyServer { server };
        keys.serve(ResponseTemplate::new(200).set_body_string(body))
            .await;
        keys
    }

    async fn serve(&self, response: ResponseTemplate) {
        self.server.reset().await;
        Mock::given(method("GET"))
            .and(path("/pool/.well-known/jwks.json"))
            .respond_with(response)
            .mount(&self.server)
            .await;
    }

    fn url(&self) -> String {
        format!("{}/pool/.well-known/jwks.json", self.server.uri())
    }

    async fn requests(&self) -> usize {
        self.server.received_requests().await.map_or(0, |r| r.len())
    }

    fn verifier(&self, clock: &Arc<TestClock>) -> Verifier {
        let cache = JwksCache::builder(self.url())
            .clock(clock.clone())
            .build()
            .unwrap();
        Verifier::builder(&config())
            .jwks(cache)
            .clock(clock.clone())
            .build()
            .unwrap()
    }
}

fn rejection<T: std::fmt::Debug>(outcome: Result<T, Error>) -> Rejection {
    match outcome {
        Err(Error::TokenRejected(reason)) => reason,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

// ---- real tokens ----------------------------------------------------------------------------

#[tokio::test]
async fn tokens_from_a_moto_sign_in_verify_against_the_key_set_moto_serves() {
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

// ---- the forged-token table -----------------------------------------------------------------

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

// ---- the key cache --------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_unknown_kids_costs_one_refetch_per_ten_seconds() {
    let keys = KeyServer::serving(jwks(&[jwk(moto_key(), "dummy")])).await;
    let clock = TestClock::at(NOW);
    let verifier = keys.verifier(&clock);
    let good = rs256(moto_key(), &header("dummy"), &id_claims());
    verifier.verify_id_token(&good).await.unwrap();
    assert_eq!(keys.requests().await, 1);

    let forged: Vec<String> = (0..50)
        .map(|i| rs256(other_key(), &header(&format!("forged-{i}")), &id_claims()))
        .collect();
    let flood = |tokens: Vec<String>| {
        let verifier = verifier.clone();
        async move {
            let tasks: Vec<_> = tokens
                .into_iter()
                .map(|t| {
                    let v = verifier.clone();
                    tokio::spawn(async move { v.verify_id_token(&t).await.map(|_| ()) })
                })
                .collect();
            for task in tasks {
                assert!(matches!(
                    rejection(task.await.unwrap()),
                    Rejection::UnknownKey { .. }
                ));
            }
        }
    };
    // Inside the first fetch's window: no refetch at all.
    flood(forged.clone()).await;
    assert_eq!(keys.requests().await, 1);
    clock.advance(11);
    flood(forged.clone()).await;
    assert_eq!(keys.requests().await, 2, "fifty misses, one refetch");
    clock.advance(9);
    flood(forged.clone()).await;
    // Known keys never wait for, or cause, a fetch.
    verifier.verify_id_token(&good).await.unwrap();
    assert_eq!(keys.requests().await, 2);
    clock.advance(2);
    flood(forged).await;
    assert_eq!(keys.requests().await, 3);
}

#[tokio::test]
async fn a_rotated_key_is_found_by_the_refetch() {
    let keys = KeyServer::serving(jwks(&[jwk(moto_key(), "dummy")])).await;
    let clock = TestClock::at(NOW);
    let verifier = keys.verifier(&clock);
    let old = rs256(moto_key(), &header("dummy"), &id_claims());
    verifier.verify_id_token(&old).await.unwrap();

    keys.serve(ResponseTemplate::new(200).set_body_string(jwks(&[
        jwk(moto_key(), "dummy"),
        jwk(other_key(), "rotated"),
    ])))
    .await;
    clock.advance(11);
    let new = rs256(other_key(), &header("rotated"), &id_claims());
    assert_eq!(
        verifier.verify_id_token(&new).await.unwrap().sub,
        "5b0c7f3e"
    );
    assert_eq!(verifier.jwks().kids(), ["dummy", "rotated"]);
    verifier.verify_id_token(&old).await.unwrap();
    assert_eq!(keys.requests().await, 1, "counted since the reset");
}

#[tokio::test]
async fn a_key_removed_from_the_pool_stops_being_trusted_after_the_maximum_age() {
    let keys = KeyServer::serving(jwks(&[jwk(moto_key(), "dummy")])).await;
    let clock = TestClock::at(NOW);
    let cache = JwksCache::builder(keys.url())
        .clock(clock.clone())
        .max_key_age(std::time::Duration::from_secs(60))
        .build()
        .unwrap();
    let verifier = Verifier::builder(&config())
        .jwks(cache)
        .clock(clock.clone())
        .build()
        .unwrap();
    let old = rs256(moto_key(), &header("dummy"), &id_claims());
    verifier.verify_id_token(&old).await.unwrap();

    // The pool drops the key; within the maximum age the cached one still verifies.
    keys.serve(ResponseTemplate::new(200).set_body_string(jwks(&[jwk(other_key(), "rotated")])))
        .await;
    clock.advance(30);
    verifier.verify_id_token(&old).await.unwrap();
    assert_eq!(keys.requests().await, 0);

    // Past it, the set is fetched again before use, and the removed key is no longer trusted.
    clock.advance(31);
    assert!(matches!(
        rejection(verifier.verify_id_token(&old).await),
        Rejection::UnknownKey { .. }
    ));
    assert_eq!(keys.requests().await, 1);
    assert_eq!(verifier.jwks().kids(), ["rotated"]);

    // Old keys are not trusted when the refetch fails either: the failure is reported.
    keys.serve(ResponseTemplate::new(503)).await;
    clock.advance(61);
    let new = rs256(other_key(), &header("rotated"), &id_claims());
    assert!(matches!(
        verifier.verify_id_token(&new).await,
        Err(Error::Jwks(_))
    ));
}

#[tokio::test]
async fn key_set_failures_are_service_errors_that_say_what_went_wrong() {
    let clock = TestClock::at(NOW);
    let token = rs256(moto_key(), &header("dummy"), &id_claims());
    let cases = [
        (ResponseTemplate::new(503), JwksFailure::Status(503)),
        (
            ResponseTemplate::new(302).insert_header("location", "http://example.com/jwks.json"),
            JwksFailure::Status(302),
        ),
        (
            ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"),
            JwksFailure::NotJson,
        ),
        (
            ResponseTemplate::new(200).set_body_string(r#"{"keys": []}"#),
            JwksFailure::NoUsableKey,
        ),
        (
            ResponseTemplate::new(200).set_body_string(" ".repeat(70 * 1024)),
            JwksFailure::TooLarge(64 * 1024),
        ),
    ];
    let keys = KeyServer::serving(String::new()).await;
    for (response, want) in cases {
        keys.serve(response).await;
        let verifier = keys.verifier(&clock);
        let err = verifier.verify_id_token(&token).await.unwrap_err();
        assert_eq!(err.class(), ErrorClass::Service);
        let Error::Jwks(jwks) = &err else {
            panic!("expected a key-set error, got {err:?}");
        };
        assert_eq!(jwks.failure, want, "{err}");
        assert!(err.to_string().contains(&keys.url()), "{err}");
        // The failure is remembered: no second request inside the window.
        let again = verifier.verify_id_token(&token).await.unwrap_err();
        assert!(matches!(again, Error::Jwks(_)), "{again}");
        assert_eq!(keys.requests().await, 1);
    }

    // A server that never answers in time.
    keys.serve(
        ResponseTemplate::new(200)
            .set_body_string(jwks(&[jwk(moto_key(), "dummy")]))
            .set_delay(Duration::from_secs(5)),
    )
    .await;
    let slow = JwksCache::builder(keys.url())
        .timeouts(Duration::from_millis(500), Duration::from_millis(500))
        .build()
        .unwrap();
    let verifier = Verifier::builder(&config())
        .jwks(slow)
        .clock(clock.clone())
        .build()
        .unwrap();
    let err = verifier.verify_id_token(&token).await.unwrap_err();
    assert!(
        matches!(&err, Error::Jwks(e) if e.failure == JwksFailure::Timeout(Duration::from_millis(500))),
        "{err}"
    );

    // Nobody listening.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let verifier = Verifier::builder(&config())
        .jwks(JwksCache::new(format!("http://127.0.0.1:{closed}/jwks.json")).unwrap())
        .clock(clock.clone())
        .build()
        .unwrap();
    let err = verifier.verify_id_token(&token).await.unwrap_err();
    assert!(
        matches!(&err, Error::Jwks(e) if matches!(e.failure, JwksFailure::Unreachable(_))),
        "{err}"
    );
}

// ---- the CLI --------------------------------------------------------------------------------

#[tokio::test]
async fn cli_verify_prints_the_claims_of_the_cached_session_and_refuses_a_forgery() {
    let pool = Pool::create().await;
    let home = Home::new();
    home.run(
        &["login", "--username", PILOT, "--password-stdin"],
        &pool.env(),
        Some(&format!("{PASSWORD}\n")),
    )
    .expect_code(0);

    let id = home.run(&["verify"], &pool.env(), None);
    id.expect_code(0);
    let claims: Value = serde_json::from_str(&id.stdout()).unwrap();
    assert_eq!(claims["token_use"], "id");
    assert_eq!(claims["aud"], pool.client_id.as_str());
    assert_eq!(claims["custom:teamId"], "team-7");
    // `check`, every provider's proof that the credential works, is this verification here.
    let check = home.run(&["check"], &pool.env(), None);
    check.expect_code(0);
    assert_eq!(check.stdout(), id.stdout());
    let access = home.run(&["verify", "--kind", "access"], &pool.env(), None);
    access.expect_code(0);
    let claims: Value = serde_json::from_str(&access.stdout()).unwrap();
    assert_eq!(claims["client_id"], pool.client_id.as_str());

    // A genuine token with one claim changed keeps a signature that no longer matches.
    let token = home.run(&["token"], &pool.env(), None).stdout();
    let token = token.trim_end();
    let [h, p, s] = <[&str; 3]>::try_from(token.split('.').collect::<Vec<_>>()).unwrap();
    let mut payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap();
    payload["custom:teamId"] = "team-8".into();
    let forged = format!("{h}.{}.{s}", b64(payload.to_string().as_bytes()));
    let refused = home.run(&["verify", "-"], &pool.env(), Some(&format!("{forged}\n")));
    refused.expect_code(3);
    assert!(refused.stdout().is_empty());
    let stderr = refused.stderr();
    assert!(
        stderr.contains("the signature does not match the user pool's key \"dummy\""),
        "{stderr}"
    );
    assert!(
        !stderr.contains(&s[..20]) && !stderr.contains(&h[..20]),
        "{stderr}"
    );

    let genuine = home.run(&["verify", "-"], &pool.env(), Some(token));
    genuine.expect_code(0);
    let wrong_kind = home.run(&["verify", "--kind", "access", token], &pool.env(), None);
    wrong_kind.expect_code(3);
    assert!(
        wrong_kind
            .stderr()
            .contains("token_use is \"id\", not \"access\""),
        "{}",
        wrong_kind.stderr()
    );
}

// ---- properties -----------------------------------------------------------------------------

fn fixed_verifier() -> &'static (Verifier, String) {
    static V: OnceLock<(Verifier, String)> = OnceLock::new();
    V.get_or_init(|| {
        let cache = JwksCache::fixed(jwks(&[jwk(other_key(), "k")]).as_bytes()).unwrap();
        let verifier = Verifier::builder(&config())
            .jwks(cache)
            .clock(TestClock::at(NOW))
            .build()
            .unwrap();
        let token = rs256(other_key(), &header("k"), &id_claims());
        (verifier, token)
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// Strings built from the pieces tokens are made of, so inputs often get past the first checks.
fn jwt_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(".".to_owned()),
        Just("eyJ".to_owned()),
        Just("=".to_owned()),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| b64(&b)),
        prop::collection::vec(
            prop_oneof![
                Just("{".to_owned()),
                Just("}".to_owned()),
                Just("\"alg\":\"RS256\"".to_owned()),
                Just("\"kid\":\"k\"".to_owned()),
                Just("\"exp\":".to_owned()),
                Just(",".to_owned()),
                Just("1e999".to_owned()),
                any::<char>().prop_map(String::from),
            ],
            0..12
        )
        .prop_map(|json| b64(json.concat().as_bytes())),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic_the_decoders_or_the_verifier(
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
        shaped in jwt_like(),
    ) {
        let (verifier, _) = fixed_verifier();
        let rt = runtime();
        for input in [String::from_utf8_lossy(&bytes).into_owned(), shaped] {
            let _ = UnverifiedJwt::parse(&input);
            let _ = decode_payload_unverified(&input);
            let outcome = rt.block_on(verifier.verify_id_token(&input));
            prop_assert!(matches!(outcome, Err(Error::TokenRejected(_))), "{outcome:?}");
        }
    }

    #[test]
    fn changing_any_one_character_of_a_valid_token_gets_it_refused(
        at in any::<prop::sample::Index>(),
        with in prop::sample::select(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ".to_vec()
        ),
    ) {
        let (verifier, token) = fixed_verifier();
        let rt = runtime();
        prop_assert!(rt.block_on(verifier.verify_id_token(token)).is_ok());
        let mut bytes = token.clone().into_bytes();
        let i = at.index(bytes.len());
        prop_assume!(bytes[i] != with);
        bytes[i] = with;
        let changed = String::from_utf8(bytes).unwrap();
        prop_assert!(rt.block_on(verifier.verify_id_token(&changed)).is_err());
    }
}
