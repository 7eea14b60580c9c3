//! Password self-service: a forgotten password reset with the emailed code, and a signed-in
//! user changing theirs.

use crate::util::emulator::require;
use crate::util::session::signed_in_on_moto;
use crate::util::{Home, PASSWORD, PILOT, Pool, with};

#[tokio::test]
async fn a_forgotten_password_is_reset_with_the_code_and_only_the_new_one_works() {
    require!(moto);
    let pool = Pool::create().await;
    let home = Home::new();
    let env = pool.env();
    let forgot = home.run(&["password", "forgot", "--username", PILOT], &env, None);
    forgot.expect_code(0);
    assert!(
        forgot.stderr().contains("code was sent"),
        "{}",
        forgot.stderr()
    );
    assert!(
        forgot.stderr().contains("password confirm"),
        "{}",
        forgot.stderr()
    );
    // moto checks codes that carry its own prefix; this one is not the code it sent.
    let wrong = home.run(
        &[
            "password",
            "confirm",
            "--username",
            PILOT,
            "--code",
            "moto-confirmation-code:000000",
            "--new-password-stdin",
        ],
        &env,
        Some("Reset-Passw0rd!\n"),
    );
    wrong.expect_code(3);
    assert!(
        wrong.stderr().contains("ask for a new one"),
        "{}",
        wrong.stderr()
    );
    home.run(
        &[
            "password",
            "confirm",
            "--username",
            PILOT,
            "--code",
            "123456",
            "--new-password-stdin",
        ],
        &env,
        Some("Reset-Passw0rd!\n"),
    )
    .expect_code(0);
    home.run(
        &["login", "--username", PILOT],
        &with(&env, &[("UL_PASSWORD", "Reset-Passw0rd!")]),
        None,
    )
    .expect_code(0);
    home.run(
        &["login", "--username", PILOT],
        &with(&env, &[("UL_PASSWORD", PASSWORD)]),
        None,
    )
    .expect_code(3);
}

#[tokio::test]
async fn a_signed_in_user_changes_the_password() {
    require!(moto);
    let (pool, home) = signed_in_on_moto().await;
    let env = with(&pool.env(), &[("UL_PASSWORD", PASSWORD)]);
    let wrong = home.run(
        &[
            "password",
            "change",
            "--password-stdin",
            "--new-password-stdin",
        ],
        &pool.env(),
        Some("Not-The-Passw0rd!\nChanged-Passw0rd!\n"),
    );
    // Real Cognito says "Incorrect username or password."; moto's message is the user name.
    wrong.expect_code(3);
    let run = home.run(
        &["password", "change", "--new-password-stdin"],
        &env,
        Some("Changed-Passw0rd!\n"),
    );
    run.expect_code(0);
    assert!(!run.stderr().contains("Changed-Passw0rd!"));
    home.run(
        &["login", "--username", PILOT],
        &with(&pool.env(), &[("UL_PASSWORD", "Changed-Passw0rd!")]),
        None,
    )
    .expect_code(0);
}
