//! What the integration tests need beyond Rust: the local AWS emulator (moto server, at
//! `UL_TEST_MOTO_URL`) and the Python that runs the stand-ins (`$PYTHON` or `python3`, with
//! the packages `scripts/test` installs: moto, graphql-core, awscli, pyarrow).
//!
//! A test that needs one starts with [`require!`]. When it is missing the test returns at once
//! after one line on stderr, so a bare `cargo test` passes on a machine without them; under
//! `UL_TEST_REQUIRE_EMULATOR=1` (what `scripts/test`, the CI command, sets) a missing one fails
//! the test instead, so CI never skips silently.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::net::{TcpStream, ToSocketAddrs};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Returns from the calling test when something it needs (`moto`, `python`) is missing.
macro_rules! require {
    ($($need:ident),+) => {
        $(if !$crate::util::emulator::$need() {
            return;
        })+
    };
}
pub(crate) use require;

/// Whether moto answers at `UL_TEST_MOTO_URL`; false (after the skip line) when it does not.
pub fn moto() -> bool {
    static MISSING: OnceLock<Option<String>> = OnceLock::new();
    available(MISSING.get_or_init(moto_missing))
}

/// Whether the stand-ins' Python and its packages are there; false (after the skip line)
/// when they are not.
pub fn python() -> bool {
    static MISSING: OnceLock<Option<String>> = OnceLock::new();
    available(MISSING.get_or_init(python_missing))
}

/// The Python that runs the stand-ins and the aws CLI.
pub fn python_exe() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

/// `true` when nothing is missing; otherwise the skip line, or a panic when CI requires it.
fn available(missing: &Option<String>) -> bool {
    let Some(why) = missing else {
        return true;
    };
    if std::env::var_os("UL_TEST_REQUIRE_EMULATOR").is_some_and(|v| v != "0" && !v.is_empty()) {
        panic!("{why}, and UL_TEST_REQUIRE_EMULATOR is set: run the tests with ./scripts/test");
    }
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test").to_owned();
    // One line per test (a property test asks once per case).
    static TOLD: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    if TOLD.lock().unwrap().insert(test.clone()) {
        // Straight to the stream: the harness captures only print!/eprint! output.
        let _ = writeln!(std::io::stderr(), "skipped {test}: {why}");
    }
    false
}

fn moto_missing() -> Option<String> {
    let Ok(url) = std::env::var("UL_TEST_MOTO_URL") else {
        return Some("UL_TEST_MOTO_URL is not set (./scripts/test starts moto)".into());
    };
    let answers = reqwest::Url::parse(&url)
        .ok()
        .and_then(|u| Some((u.host_str()?.to_owned(), u.port_or_known_default()?)))
        .and_then(|hp| hp.to_socket_addrs().ok()?.next())
        .is_some_and(|addr| TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok());
    (!answers).then(|| format!("nothing answers at UL_TEST_MOTO_URL={url}"))
}

fn python_missing() -> Option<String> {
    let python = python_exe();
    let ok = Command::new(&python)
        .args(["-c", "import moto, graphql, awscli, pyarrow.dataset"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    (!ok).then(|| {
        format!(
            "{python} lacks moto, graphql-core, awscli or pyarrow (./scripts/test installs them)"
        )
    })
}
