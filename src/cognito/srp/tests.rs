//! SRP against the committed vectors of two independent implementations, plus edge cases.

use super::comb::*;
use super::*;
use crypto_bigint::U4096;
use proptest::prelude::*;
use serde_json::Value;

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

#[test]
fn pad_adds_a_zero_byte_when_the_high_bit_is_set() {
    assert_eq!(pad(&[0x80]), vec![0x00, 0x80]);
    assert_eq!(pad(&[0xff, 0x01]), vec![0x00, 0xff, 0x01]);
    assert_eq!(pad(&[0x7f, 0xff]), vec![0x7f, 0xff]);
    assert_eq!(
        pad(&hex_bytes("8")),
        vec![0x08],
        "a lone high nibble is not a high bit"
    );
}

#[test]
fn pad_prefixes_odd_length_hex_with_a_zero_nibble() {
    assert_eq!(hex_bytes("abc"), vec![0x0a, 0xbc]);
    assert_eq!(pad(&hex_bytes("abc")), vec![0x0a, 0xbc]);
    assert_eq!(pad(&hex_bytes("fabc")), vec![0x00, 0xfa, 0xbc]);
    assert_eq!(pad(&hex_bytes("1")), vec![0x01]);
}

#[test]
fn pad_reads_hex_as_a_number() {
    // Leading zeros are not part of the number, and zero is a single zero byte.
    assert_eq!(pad(&hex_bytes("0000ff")), vec![0x00, 0xff]);
    assert_eq!(pad(&hex_bytes("000")), vec![0x00]);
    assert_eq!(pad(&hex_bytes("00AbC")), vec![0x0a, 0xbc]);
}

#[test]
fn malformed_hex_is_an_error_naming_the_field() {
    for bad in ["", "0x12", "12 34", "g", "١٢"] {
        assert!(
            matches!(
                parse_hex("SALT", bad),
                Err(SrpError::BadHex { field: "SALT" })
            ),
            "{bad:?}"
        );
    }
    let c = client(SOME_A);
    let err = c.password_claim(&sample_input("zz")).unwrap_err();
    assert!(
        matches!(err, SrpError::BadHex { field: "SRP_B" }),
        "{err:?}"
    );
    let input = ClaimInput {
        salt_hex: "",
        ..sample_input("1234")
    };
    let err = c.password_claim(&input).unwrap_err();
    assert!(matches!(err, SrpError::BadHex { field: "SALT" }), "{err:?}");
}

#[test]
fn malformed_secret_block_is_an_error() {
    let c = client(SOME_A);
    for bad in ["", "@@@@", "c2VjcmV0=garbage"] {
        let input = ClaimInput {
            secret_block_b64: bad,
            ..sample_input("1234")
        };
        let err = c.password_claim(&input).unwrap_err();
        assert!(
            matches!(
                err,
                SrpError::BadBase64 {
                    field: "SECRET_BLOCK"
                }
            ),
            "{bad:?}: {err:?}"
        );
    }
}

#[test]
fn secret_block_padding_is_optional() {
    let c = client(SOME_A);
    let padded = ClaimInput {
        secret_block_b64: "c2VjcmV0IGJsb2NrIQ==",
        ..sample_input("1234")
    };
    let unpadded = ClaimInput {
        secret_block_b64: "c2VjcmV0IGJsb2NrIQ",
        ..padded
    };
    assert_eq!(
        c.password_claim(&padded).unwrap(),
        c.password_claim(&unpadded).unwrap()
    );
}

#[test]
fn server_b_that_is_zero_modulo_n_is_rejected() {
    let c = client(SOME_A);
    let n = hex_of(&N);
    let two_n = hex_of(&N.resize::<{ U4096::LIMBS }>().shl_vartime(1));
    let three_n = hex_of(
        &N.resize::<{ U4096::LIMBS }>()
            .wrapping_mul(&U4096::from_u8(3)),
    );
    for b in ["0", "0000", &n, &two_n, &three_n, &format!("000{n}")] {
        let err = c.password_claim(&sample_input(b)).unwrap_err();
        assert!(matches!(err, SrpError::InvalidServerB), "{err:?}");
    }
}

#[test]
fn server_b_longer_than_6144_bits_is_rejected() {
    let c = client(SOME_A);
    let huge = format!("1{}", "0".repeat(MAX_B_BYTES * 2));
    let err = c.password_claim(&sample_input(&huge)).unwrap_err();
    assert!(matches!(err, SrpError::InvalidServerB), "{err:?}");
    let largest = "f".repeat(MAX_B_BYTES * 2);
    assert!(c.password_claim(&sample_input(&largest)).is_ok());
}

#[test]
fn small_a_must_be_nonempty_at_most_384_bytes_and_nonzero_mod_n() {
    assert!(matches!(
        SrpClient::from_small_a(&[]),
        Err(SrpError::InvalidSmallA)
    ));
    assert!(matches!(
        SrpClient::from_small_a(&[0; 16]),
        Err(SrpError::InvalidSmallA)
    ));
    assert!(matches!(
        SrpClient::from_small_a(&[1; 385]),
        Err(SrpError::InvalidSmallA)
    ));
    let n_bytes = be_bytes_minimal(&N);
    assert!(matches!(
        SrpClient::from_small_a(&n_bytes),
        Err(SrpError::InvalidSmallA)
    ));
    assert_eq!(SrpClient::from_small_a(&[2]).unwrap().large_a_hex(), "4");
}

#[test]
fn generated_clients_differ_and_can_answer() {
    let one = SrpClient::generate().unwrap();
    let two = SrpClient::generate().unwrap();
    assert_ne!(one.large_a_hex(), two.large_a_hex());
    assert!(one.large_a_hex().len() > 700);
    assert!(one.password_claim(&sample_input("1234")).is_ok());
}

#[test]
fn large_a_hex_is_lowercase_without_leading_zeros() {
    let a = client(SOME_A).large_a_hex();
    assert!(!a.starts_with('0'));
    assert!(
        a.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    assert_eq!(to_hex_unpadded(&[0x00, 0x0a, 0xbc]), "abc");
    assert_eq!(to_hex_unpadded(&[]), "0");
}

#[test]
fn secrets_do_not_appear_in_debug_output() {
    let c = client(SOME_A);
    let shown = format!("{c:?}");
    assert!(!shown.contains("6a09e667"), "{shown}");
    assert!(shown.contains("[redacted]"));
    let shown = format!("{:?}", sample_input("1234"));
    assert!(!shown.contains("hunter2"), "{shown}");
    let device = DeviceSecret::from_parts("device-pw-secret".into(), [7; 16]);
    assert!(!format!("{device:?}").contains("device-pw-secret"));
}

#[test]
fn timestamp_day_is_not_zero_padded_but_time_is() {
    assert_eq!(
        cognito_timestamp(1_762_106_847),
        "Sun Nov 2 18:07:27 UTC 2025"
    );
    assert_eq!(cognito_timestamp(0), "Thu Jan 1 00:00:00 UTC 1970");
    assert_eq!(
        cognito_timestamp(951_782_400 + 86_399),
        "Tue Feb 29 23:59:59 UTC 2000"
    );
    assert_eq!(
        cognito_timestamp(1_764_547_200),
        "Mon Dec 1 00:00:00 UTC 2025"
    );
}

#[test]
fn timestamps_far_from_now_do_not_panic() {
    for secs in [i64::MIN, -1, i64::MAX] {
        assert!(cognito_timestamp(secs).contains(" UTC "), "{secs}");
    }
}

#[test]
fn pool_name_is_the_part_after_the_region() {
    assert_eq!(pool_name("eu-west-1_AbC123"), "AbC123");
    assert_eq!(pool_name("us-east-1_a_b"), "a_b");
    assert_eq!(pool_name("nounderscore"), "nounderscore");
}

#[test]
fn generated_device_secret_has_a_40_byte_base64_password_and_16_byte_salt() {
    let d = DeviceSecret::generate().unwrap();
    assert_eq!(STANDARD.decode(d.password()).unwrap().len(), 40);
    assert_eq!(d.password().len(), 56);
    assert_ne!(d.salt(), &[0; 16]);
    let config = d.verifier_config("group", "us-east-1_device");
    assert_eq!(
        config,
        device_verifier("group", "us-east-1_device", d.password(), d.salt())
    );
}

#[test]
fn device_salt_is_sent_as_a_padded_number() {
    let mut salt = [0x11; 16];
    salt[0] = 0;
    let config = device_verifier("g", "d", "p", &salt);
    assert_eq!(STANDARD.decode(&config.salt).unwrap(), salt[1..].to_vec());
    let config = device_verifier("g", "d", "p", &[0x90; 16]);
    let sent = STANDARD.decode(&config.salt).unwrap();
    assert_eq!(sent.len(), 17);
    assert_eq!(sent[0], 0);
    let verifier = STANDARD.decode(&config.password_verifier).unwrap();
    assert!(verifier.len() <= GROUP_BYTES + 1);
    assert!(verifier[0] < 0x80);
}

fn hexish() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,40}",
        "[0-9a-fA-F]{0,20}",
        "[0-9a-f]{760,775}",
        "0{0,3}[0-9a-f]{1,1600}",
        "[0-9a-fA-F]{1,10}[^0-9a-fA-F][0-9a-f]{0,10}",
    ]
}

fn base64ish() -> impl Strategy<Value = String> {
    prop_oneof![".{0,40}", "[A-Za-z0-9+/]{0,64}={0,3}"]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn password_claim_never_panics_on_server_strings(
        b in hexish(),
        salt in hexish(),
        block in base64ish(),
    ) {
        let c = client(SOME_A);
        let input = ClaimInput {
            srp_b_hex: &b,
            salt_hex: &salt,
            secret_block_b64: &block,
            ..sample_input("1")
        };
        let _ = c.password_claim(&input);
    }

    #[test]
    fn padding_never_panics_and_matches_the_libraries(hex in hexish()) {
        if let Ok(bytes) = parse_hex("x", &hex) {
            let padded = pad(&bytes);
            // The libraries' padHex on the number the hex denotes.
            let digits = hex.trim_start_matches('0').to_ascii_lowercase();
            let digits = if digits.is_empty() { "0".to_owned() } else { digits };
            let expected = if digits.len() % 2 == 1 {
                format!("0{digits}")
            } else if digits.starts_with(['8', '9', 'a', 'b', 'c', 'd', 'e', 'f']) {
                format!("00{digits}")
            } else {
                digits
            };
            prop_assert_eq!(hex_padded(&padded), expected);
        }
    }
}
