//! Remembered devices: ConfirmDevice, DEVICE_SRP_AUTH verified by the stand-in, DEVICE_KEY on
//! refresh, forgotten devices dropped and retried once.

use unleashlive_auth::cognito::AuthFlow;
use unleashlive_auth::{CognitoClient, Password, Session, SignIn};

use crate::util::standin::{Running, pilot};
use crate::util::{Home, PASSWORD, PILOT, with};

async fn sign_in(cognito: &CognitoClient) -> Session {
    match cognito
        .sign_in(AuthFlow::Srp, PILOT, &Password::new(PASSWORD))
        .await
        .unwrap()
    {
        SignIn::Done(session) => session,
        SignIn::Challenge(c) => panic!("challenge {}", c.kind().as_str()),
    }
}

async fn tracking() -> Running {
    let running = pilot().await;
    running.track_devices();
    running
}

#[tokio::test]
async fn the_first_sign_in_confirms_the_device_and_the_second_proves_it() {
    let running = tracking().await;
    let cognito = CognitoClient::new(running.settings().resolve().unwrap()).await;
    let first = sign_in(&cognito).await;
    let device = first.device().cloned().expect("a remembered device");
    let confirm = &running.bodies("ConfirmDevice")[0];
    assert_eq!(confirm["DeviceKey"], device.key());
    assert!(confirm["DeviceSecretVerifierConfig"]["PasswordVerifier"].is_string());
    assert!(!format!("{device:?}").contains(device.password().secret()));

    let again = cognito.clone().with_device(Some(device.clone()));
    let second = sign_in(&again).await;
    assert_eq!(second.device(), Some(&device));
    let ops = running.operations();
    assert!(
        ops.ends_with(&[
            "InitiateAuth".to_owned(),
            "RespondToAuthChallenge".to_owned(),
            "RespondToAuthChallenge".to_owned(),
            "RespondToAuthChallenge".to_owned(),
        ]),
        "{ops:?}"
    );
    let answers = running.bodies("RespondToAuthChallenge");
    let proof = answers.last().unwrap();
    assert_eq!(proof["ChallengeName"], "DEVICE_PASSWORD_VERIFIER");
    assert_eq!(proof["ChallengeResponses"]["DEVICE_KEY"], device.key());
    assert_eq!(
        running.bodies("InitiateAuth")[1]["AuthParameters"]["DEVICE_KEY"],
        device.key()
    );
    assert_eq!(
        running.count("ConfirmDevice"),
        1,
        "a proven device is not confirmed again"
    );

    // Refresh carries the device key.
    let refreshed = again.refresh(&second).await.unwrap();
    assert_eq!(
        running.bodies("GetTokensFromRefreshToken")[0]["DeviceKey"],
        device.key()
    );
    assert_eq!(refreshed.device(), Some(&device));
}

#[tokio::test]
async fn a_device_forgotten_elsewhere_is_dropped_and_the_call_retried_once() {
    let running = tracking().await;
    let cognito = CognitoClient::new(running.settings().resolve().unwrap()).await;
    let first = sign_in(&cognito).await;
    let device = first.device().cloned().unwrap();
    running.forget_all_devices();
    // Refresh: dropped, retried once without DEVICE_KEY.
    let refreshed = cognito.refresh(&first).await.unwrap();
    assert_eq!(refreshed.device(), None);
    let bodies = running.bodies("GetTokensFromRefreshToken");
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0]["DeviceKey"], device.key());
    assert!(bodies[1].get("DeviceKey").is_none());
    // Sign-in: retried without the device, and a new one is confirmed.
    let second = sign_in(&cognito.clone().with_device(Some(device.clone()))).await;
    let new_device = second.device().cloned().expect("a new device");
    assert_ne!(new_device.key(), device.key());
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_remembers_the_device_lists_and_forgets_it_and_can_opt_out() {
    let running = tracking().await;
    let env = with(&running.env(), &[("UL_PASSWORD", PASSWORD)]);
    let home = Home::new();
    let (home, list, forget, relogin, opt_out) = tokio::task::spawn_blocking(move || {
        home.run(&["login", "--username", PILOT], &env, None)
            .expect_code(0);
        home.run(&["login", "--username", PILOT], &env, None)
            .expect_code(0);
        let list = home.run(&["devices", "list"], &env, None);
        let forget = home.run(&["devices", "forget"], &env, None);
        let relogin = home.run(&["login", "--username", PILOT], &env, None);
        let opt_out = Home::new();
        let run = opt_out.run(
            &["login", "--username", PILOT, "--no-remember-device"],
            &env,
            None,
        );
        (home, list, forget, relogin, (opt_out, run))
    })
    .await
    .unwrap();
    list.expect_code(0);
    assert!(
        list.stdout().contains("* ap-southeast-2_"),
        "{}",
        list.stdout()
    );
    forget.expect_code(0);
    relogin.expect_code(0);
    // Two DEVICE_SRP proofs? No: the second login proved the device, then it was forgotten,
    // so the third login confirmed a new one.
    assert_eq!(running.count("ConfirmDevice"), 2);
    assert_eq!(running.count("ForgetDevice"), 1);
    let (opt_home, run) = opt_out;
    run.expect_code(0);
    assert_eq!(
        running.count("ConfirmDevice"),
        2,
        "--no-remember-device confirms nothing"
    );
    let cached: serde_json::Value =
        serde_json::from_slice(&std::fs::read(opt_home.cache_file("default")).unwrap()).unwrap();
    assert!(cached["data"].get("device_key").is_none());
    let cached: serde_json::Value =
        serde_json::from_slice(&std::fs::read(home.cache_file("default")).unwrap()).unwrap();
    assert!(cached["data"]["device_key"].is_string());
    assert!(
        cached["data"].get("device_password").is_some() || cached["keychain"].is_array(),
        "the device password is kept (file or keychain)"
    );
}
