//! Edge cases of what goes in and comes out: padding and hex, malformed server values, `a`
//! bounds, timestamps, pool names, device secrets, redaction; property tests that no server
//! string panics.

use proptest::prelude::*;

use super::*;

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
