//! Token verification: real moto tokens verify; a table of forged tokens, each refused with its
//! own reason; the key-set cache and its rate-limited refetch counted on a local HTTP server;
//! `ul-auth verify`; and arbitrary input never panics.
//!
//! Validly signed tokens with wrong claims are signed with moto's own key, which ships in the
//! moto package (`moto/cognitoidp/resources/jwks-private.json.gz`; `$PYTHON` or `python3` finds
//! it). Its JWK has only `n`, `e` and `d`, so the primes are recovered here to build the
//! PKCS#1 key aws-lc-rs signs with.

mod cli_and_fuzz;
mod key_set;
mod tokens;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use num_bigint::BigUint;
use serde_json::{Value, json};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};
use unleashlive_auth::clock::{Clock, from_unix_seconds};
use unleashlive_auth::token::{JwksCache, Rejection, Verifier};
use unleashlive_auth::{Config, Error, Settings};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub(crate) const CLIENT: &str = "client1";

pub(crate) const NOW: i64 = 1_800_000_000;

/// moto's private JWK, read through the Python that has moto installed.
pub(crate) fn moto_private_jwk() -> Value {
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

pub(crate) fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn big(jwk: &Value, name: &str) -> BigUint {
    BigUint::from_bytes_be(&URL_SAFE_NO_PAD.decode(jwk[name].as_str().unwrap()).unwrap())
}

/// p and q from n, e and d (the standard randomized factoring, with fixed small bases).
pub(crate) fn primes(n: &BigUint, e: &BigUint, d: &BigUint) -> (BigUint, BigUint) {
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
pub(crate) fn pkcs1_der(n: &BigUint, e: &BigUint, d: &BigUint) -> Vec<u8> {
    pub(crate) fn len(out: &mut Vec<u8>, n: usize) {
        match n {
            0..=127 => out.push(n as u8),
            128..=255 => out.extend([0x81, n as u8]),
            _ => out.extend([0x82, (n >> 8) as u8, n as u8]),
        }
    }
    pub(crate) fn int(out: &mut Vec<u8>, v: &BigUint) {
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
pub(crate) fn moto_key() -> &'static KeyPair {
    static KEY: OnceLock<KeyPair> = OnceLock::new();
    KEY.get_or_init(|| {
        let jwk = moto_private_jwk();
        assert_eq!(jwk["kid"], "dummy");
        let der = pkcs1_der(&big(&jwk, "n"), &big(&jwk, "e"), &big(&jwk, "d"));
        KeyPair::from_der(&der).expect("moto's key as PKCS#1")
    })
}

/// A key nobody trusts.
pub(crate) fn other_key() -> &'static KeyPair {
    static KEY: OnceLock<KeyPair> = OnceLock::new();
    KEY.get_or_init(|| KeyPair::generate(KeySize::Rsa2048).unwrap())
}

pub(crate) fn jwk(key: &KeyPair, kid: &str) -> Value {
    let public = RsaPublicKeyComponents::<Vec<u8>>::from(key.public_key());
    json!({"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
           "n": b64(&public.n), "e": b64(&public.e)})
}

pub(crate) fn jwks(keys: &[Value]) -> String {
    json!({ "keys": keys }).to_string()
}

pub(crate) fn rs256(key: &KeyPair, header: &Value, claims: &Value) -> String {
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

pub(crate) fn header(kid: &str) -> Value {
    json!({"kid": kid, "alg": "RS256"})
}

/// A test pool's settings (no moto needed: the tests below bring their own keys).
pub(crate) fn config() -> Config {
    Settings::default()
        .user_pool_id("ap-southeast-2_Forge")
        .client_id(CLIENT)
        .resolve()
        .unwrap()
}

pub(crate) fn id_claims() -> Value {
    json!({
        "sub": "5b0c7f3e", "iss": config().issuer(), "aud": CLIENT, "token_use": "id",
        "auth_time": NOW - 10, "iat": NOW - 10, "exp": NOW + 3600,
        "cognito:username": "pilot", "custom:companyId": "company-42", "custom:teamId": "team-7"
    })
}

pub(crate) fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

#[derive(Debug)]
pub(crate) struct TestClock(Mutex<SystemTime>);

impl TestClock {
    pub(crate) fn at(unix: i64) -> Arc<TestClock> {
        Arc::new(TestClock(Mutex::new(from_unix_seconds(unix))))
    }
    pub(crate) fn advance(&self, secs: u64) {
        *self.0.lock().unwrap() += Duration::from_secs(secs);
    }
}

impl Clock for TestClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

/// A local JWKS endpoint that counts its requests.
pub(crate) struct KeyServer {
    pub(crate) server: MockServer,
}

impl KeyServer {
    pub(crate) async fn serving(body: String) -> KeyServer {
        let server = MockServer::start().await;
        let keys = KeyServer { server };
        keys.serve(ResponseTemplate::new(200).set_body_string(body))
            .await;
        keys
    }

    pub(crate) async fn serve(&self, response: ResponseTemplate) {
        self.server.reset().await;
        Mock::given(method("GET"))
            .and(path("/pool/.well-known/jwks.json"))
            .respond_with(response)
            .mount(&self.server)
            .await;
    }

    pub(crate) fn url(&self) -> String {
        format!("{}/pool/.well-known/jwks.json", self.server.uri())
    }

    pub(crate) async fn requests(&self) -> usize {
        self.server.received_requests().await.map_or(0, |r| r.len())
    }

    pub(crate) fn verifier(&self, clock: &Arc<TestClock>) -> Verifier {
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

pub(crate) fn rejection<T: std::fmt::Debug>(outcome: Result<T, Error>) -> Rejection {
    match outcome {
        Err(Error::TokenRejected(reason)) => reason,
        other => panic!("expected a rejection, got {other:?}"),
    }
}
