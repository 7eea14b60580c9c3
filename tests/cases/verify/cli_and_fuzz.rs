//! `ul-auth verify`, and arbitrary input never panics the decoders or the verifier.

use super::{NOW, TestClock, b64, config, header, id_claims, jwk, jwks, other_key, rs256};
use crate::util::emulator::require;
use crate::util::{Home, PASSWORD, PILOT, Pool};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;
use serde_json::Value;
use std::sync::OnceLock;
use unleashlive_auth::Error;
use unleashlive_auth::token::unverified::decode_payload_unverified;
use unleashlive_auth::token::verify::UnverifiedJwt;
use unleashlive_auth::token::{JwksCache, Verifier};

#[tokio::test]
async fn cli_verify_prints_the_claims_of_the_cached_session_and_refuses_a_forgery() {
    require!(moto);
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
        if !crate::util::emulator::python() {
            return Ok(());
        }
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
        if !crate::util::emulator::python() {
            return Ok(());
        }
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
