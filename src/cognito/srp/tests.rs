//! SRP against the committed vectors of two independent implementations, a simulated server
//! and the fixed-base comb; the edge cases of inputs and encodings are in `inputs`, the
//! squaring and exponentiation of `monty` in `monty`.

use super::comb::*;
use super::*;
use crypto_bigint::U4096;
use serde_json::Value;

mod inputs;
mod monty;

const VECTORS: &str = include_str!("../../../tests/data/srp_vectors.json");

fn vectors() -> Value {
    serde_json::from_str(VECTORS).expect("srp_vectors.json is valid JSON")
}

fn field<'v>(v: &'v Value, name: &str) -> &'v str {
    v[name]
        .as_str()
        .unwrap_or_else(|| panic!("vector field {name} missing in {v}"))
}

fn hex_of<const LIMBS: usize>(x: &Uint<LIMBS>) -> String {
    to_hex_unpadded(&be_bytes_minimal(x))
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    parse_hex("test", hex).expect("test hex")
}

fn client(small_a_hex: &str) -> SrpClient {
    SrpClient::from_small_a(&hex_bytes(small_a_hex)).expect("valid a")
}

fn input<'a>(v: &'a Value) -> ClaimInput<'a> {
    ClaimInput {
        pool_name: field(v, "pool_name"),
        user_id: field(v, "user_id"),
        password: field(v, "password"),
        srp_b_hex: field(v, "srp_b"),
        salt_hex: field(v, "salt"),
        secret_block_b64: field(v, "secret_block"),
        timestamp: field(v, "timestamp"),
    }
}

const SOME_A: &str = "6a09e667f3bcc908b2fb1366ea957d3e3adec17512775099da2f590b0667322a";

fn sample_input(srp_b_hex: &str) -> ClaimInput<'_> {
    ClaimInput {
        pool_name: "AbC123",
        user_id: "0d8e8f5a-user",
        password: "hunter2-Pässword",
        srp_b_hex,
        salt_hex: "8a3c",
        secret_block_b64: "c2VjcmV0IGJsb2Nr",
        timestamp: "Sun Nov 2 18:07:27 UTC 2025",
    }
}

#[test]
fn k_is_the_hash_of_padded_n_and_padded_g() {
    let k = sha256(&[&pad(&be_bytes_minimal(&N)), &pad(&[2])]);
    assert_eq!(to_hex_unpadded(&k), K_HEX);
    assert_eq!(hex_of(&K.retrieve()), K_HEX);
    // N's top bit is set, so pad(N) is 385 bytes starting with 0x00.
    assert_eq!(pad(&be_bytes_minimal(&N)).len(), GROUP_BYTES + 1);
}

/// Runs the claim described by `v`'s inputs and checks every step against `expected`.
fn check_claim(v: &Value, expected: &Value) {
    let name = field(v, "name");
    let c = client(field(v, "small_a"));
    assert_eq!(c.large_a_hex(), field(expected, "large_a"), "A of {name}");
    let steps = c.claim_steps(&input(v)).expect(name);
    assert_eq!(hex_of(&*steps.x), field(expected, "x"), "x of {name}");
    assert_eq!(hex_of(&steps.u), field(expected, "u"), "u of {name}");
    assert_eq!(hex_of(&*steps.s), field(expected, "s"), "S of {name}");
    assert_eq!(
        hex_padded(&*steps.key),
        field(expected, "key"),
        "key of {name}"
    );
    let claim = c.password_claim(&input(v)).expect(name);
    assert_eq!(
        claim.signature,
        field(expected, "signature"),
        "signature of {name}"
    );
    assert_eq!(
        claim.timestamp,
        field(v, "timestamp"),
        "timestamp of {name}"
    );
}

#[test]
fn user_vectors_match_both_reference_libraries_at_every_step() {
    let all = vectors();
    let users = all["user"].as_array().expect("user vectors");
    assert!(users.len() >= 20, "only {} user vectors", users.len());
    for v in users {
        check_claim(v, v);
    }
}

#[test]
fn device_vectors_match_both_reference_libraries() {
    let all = vectors();
    let devices = all["device"].as_array().expect("device vectors");
    assert!(!devices.is_empty());
    for v in devices {
        let name = field(v, "name");
        let password_bytes = hex_array(field(v, "random_bytes_password"));
        let secret = DeviceSecret::from_random_bytes(
            &password_bytes,
            hex_array(field(v, "random_bytes_salt")),
        );
        assert_eq!(secret.password(), field(v, "random_password"), "{name}");

        let (group_key, device_key) = (field(v, "device_group_key"), field(v, "device_key"));
        let x = compute_x(
            group_key,
            device_key,
            secret.password(),
            trim_leading_zeros(secret.salt()),
        );
        assert_eq!(hex_of(&*x), field(v, "x"), "x of {name}");
        let config = secret.verifier_config(group_key, device_key);
        assert_eq!(config.salt, field(v, "salt_b64"), "salt of {name}");
        assert_eq!(
            config.password_verifier,
            field(v, "verifier_b64"),
            "verifier of {name}"
        );
        let sent = |b64: &str| hex_padded(&STANDARD.decode(b64).expect("base64"));
        assert_eq!(
            sent(&config.salt),
            field(v, "salt"),
            "padded salt of {name}"
        );
        assert_eq!(
            sent(&config.password_verifier),
            field(v, "verifier"),
            "{name}"
        );

        // DEVICE_PASSWORD_VERIFIER with the secret registered above.
        let auth = &v["auth"];
        assert_eq!(field(auth, "password"), secret.password(), "{name}");
        check_claim(auth, auth);
    }
}

#[test]
fn salt_with_leading_zero_bytes_is_read_as_a_number_like_the_js_library() {
    // pycognito hashes such a SALT string as given; a verifier made over the salt as a number
    // (as Cognito's, and the JS library's) matches only the JS reading.
    let all = vectors();
    let probes = all["disagreements"]["vectors"]
        .as_array()
        .expect("disagreements");
    assert!(!probes.is_empty());
    for v in probes {
        assert!(field(v, "salt").starts_with("00"));
        check_claim(v, &v["amazon_cognito_identity_js"]);
    }
}

#[test]
fn timestamps_match_both_reference_libraries() {
    let all = vectors();
    let stamps = all["timestamps"].as_array().expect("timestamp vectors");
    assert!(!stamps.is_empty());
    for t in stamps {
        let secs = t["unix_seconds"].as_i64().expect("unix_seconds");
        assert_eq!(cognito_timestamp(secs), field(t, "formatted"), "at {secs}");
    }
}

fn hex_padded(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Fixed-size bytes from hex that keeps its leading zeros, as the device random bytes do.
fn hex_array<const LEN: usize>(hex: &str) -> [u8; LEN] {
    let mut out = [0; LEN];
    assert_eq!(hex.len(), 2 * LEN, "{hex}");
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex");
    }
    out
}

/// The server's side of SRP-6a for `v = g^x`: `B = k·v + g^b` and `S = (A·v^u)^b`.
fn simulated_server(client: &SrpClient, x: &U256, b_offset: &U3072) -> (String, U3072) {
    let v = G.pow(x);
    let small_b =
        U256::from_be_hex("bb67ae8584caa73b3c6ef372fe94f82ba54ff53a5f1d36f1510e527fade682d1");
    let large_b = K.mul(&v).add(&G.pow(&small_b)).retrieve();
    // The server may send any B ≡ k·v + g^b (mod N); u hashes what it sent.
    let sent = large_b
        .resize::<{ U6144::LIMBS }>()
        .wrapping_add(&b_offset.resize());
    let b_hex = hex_of(&sent);
    let a_pad = pad(&be_bytes_minimal(&client.large_a));
    let u = U256::from_be_slice(&sha256(&[&a_pad, &pad(&be_bytes_minimal(&sent))]));
    let s = Residue::new(&client.large_a)
        .mul(&v.pow(&u))
        .pow(&small_b)
        .retrieve();
    (b_hex, s)
}

#[test]
fn client_and_a_simulated_server_derive_the_same_s() {
    let c = client(SOME_A);
    let (pool, user, password, salt_hex) = ("Pool", "user-1", "correct horse", "01f4");
    let x = compute_x(pool, user, password, &hex_bytes(salt_hex));
    for offset in [U3072::ZERO, N] {
        let (b_hex, server_s) = simulated_server(&c, &x, &offset);
        let input = ClaimInput {
            pool_name: pool,
            user_id: user,
            password,
            srp_b_hex: &b_hex,
            salt_hex,
            secret_block_b64: "AAAA",
            timestamp: "Mon Jan 5 00:00:00 UTC 2026",
        };
        let steps = c.claim_steps(&input).expect("claim");
        assert_eq!(*steps.s, server_s, "B + {}", hex_of(&offset));
    }
}

#[test]
fn comb_bases_are_the_powers_of_g_they_claim_to_be() {
    for (exponent_log2, hex) in [
        (64, G_POW_2_64),
        (128, G_POW_2_128),
        (192, G_POW_2_192),
        (256, G_POW_2_256),
        (512, G_POW_2_512),
        (768, G_POW_2_768),
    ] {
        let expected = G.square_repeat_vartime(exponent_log2).retrieve();
        assert_eq!(U3072::from_be_hex(hex), expected, "g^(2^{exponent_log2})");
    }
}

#[test]
fn comb_exponentiation_matches_square_and_multiply() {
    let patterns = [
        U3072::ZERO,
        U3072::ONE,
        U3072::from_u8(2),
        U3072::MAX.shr_vartime(3072 - 256),
        U3072::MAX.shr_vartime(3072 - 1024),
        U3072::ONE.shl_vartime(255),
        U3072::ONE.shl_vartime(1023),
        U3072::from_be_hex(&format!("{:0>768}", SOME_A)),
        U3072::from_be_hex(&format!("{:0>768}", SOME_A.repeat(4))),
    ];
    for e in patterns {
        let bits = if e.bit_width() <= 256 { 256 } else { 1024 };
        let plain = G.pow_bounded_exp(&e, bits).retrieve();
        assert_eq!(pow_g(&e, bits).retrieve(), plain, "g^{}", hex_of(&e));
        assert_eq!(
            COMB_A.pow(e.as_words()).retrieve(),
            plain,
            "g^{}",
            hex_of(&e)
        );
    }
    let long_a = [0xa5; GROUP_BYTES - 1];
    let via_fallback = SrpClient::from_small_a(&long_a).unwrap();
    let e = U3072::from_be_slice(&[&[0], &long_a[..]].concat());
    assert_eq!(via_fallback.large_a, G.pow(&e).retrieve());
    assert!(via_fallback.password_claim(&sample_input("1234")).is_ok());
}
