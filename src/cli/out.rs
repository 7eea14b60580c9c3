//! Writing for people and pipes: one line on stdout, durations and expiries as text, and the
//! async runtime every command blocks on. It imports no other cli module.

use std::io::Write;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use unleashlive_auth::clock::{self, Clock, SystemClock};

pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// One line on stdout. A closed pipe (`| head`) is not an error.
pub fn write_stdout(line: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{line}").and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

pub fn human_duration(d: Duration) -> String {
    let mins = d.as_secs() / 60;
    if mins >= 120 {
        format!("{} h {} min left", mins / 60, mins % 60)
    } else if d.as_secs() < 60 {
        format!("{} s left", d.as_secs())
    } else {
        format!("{mins} min left")
    }
}

/// "2026-11-30T12:00:00Z (6 d 23 h left)", "never", or "expired at ...".
pub fn expiry_text(at: Option<SystemTime>) -> String {
    let Some(at) = at else {
        return "never".into();
    };
    let now = SystemClock.now();
    match at.duration_since(now) {
        Ok(left) if left.as_secs() >= 48 * 3600 => format!(
            "{} ({} d {} h left)",
            clock::rfc3339(at),
            left.as_secs() / 86_400,
            left.as_secs() % 86_400 / 3600
        ),
        Ok(left) => format!("{} ({})", clock::rfc3339(at), human_duration(left)),
        Err(_) => format!("expired at {}", clock::rfc3339(at)),
    }
}

/// Who a session is for, as `login` and `status` print it in JSON.
pub fn session_json(session: &unleashlive_auth::Session) -> serde_json::Value {
    let c = session.claims();
    serde_json::json!({
        "username": session.username(),
        "sub": c.sub,
        "email": c.email,
        "identityId": c.identity_id,
        "companyId": c.company_id,
        "teamId": c.team_id,
        "expiresAt": clock::rfc3339(session.expires_at()),
    })
}
