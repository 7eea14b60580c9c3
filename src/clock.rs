//! Time as the library sees it: an injectable clock and the two date formats Cognito needs.
//!
//! `SystemTime::now` is called in exactly one place ([`SystemClock`]); everything else takes a
//! [`Clock`], so expiry, refresh and SRP timestamps are deterministic in tests.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one sanctioned call
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A shared clock handle.
pub type SharedClock = Arc<dyn Clock>;

/// The real clock as a [`SharedClock`].
pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

/// Seconds since the Unix epoch (negative times clamp to 0).
pub fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(_) => 0,
    }
}

/// The `SystemTime` for a Unix timestamp in seconds (negative values clamp to the epoch).
pub fn from_unix_seconds(secs: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).unwrap_or(0))
}

/// A UTC calendar date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    /// Year, e.g. 2026.
    pub year: i64,
    /// Month, 1..=12.
    pub month: u32,
    /// Day of month, 1..=31.
    pub day: u32,
    /// Day of week, 0 = Sunday .. 6 = Saturday.
    pub weekday: u32,
    /// Hour, 0..=23.
    pub hour: u32,
    /// Minute, 0..=59.
    pub minute: u32,
    /// Second, 0..=59.
    pub second: u32,
}

impl Civil {
    /// The UTC calendar fields of a Unix timestamp (Howard Hinnant's days-from-civil inverse).
    pub fn from_unix(secs: i64) -> Self {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        // 1970-01-01 was a Thursday.
        let weekday = (days + 4).rem_euclid(7) as u32;
        Civil {
            year,
            month,
            day,
            weekday,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
            second: (rem % 60) as u32,
        }
    }
}

/// RFC 3339 in UTC with second precision, e.g. `2026-11-23T17:04:05Z`.
pub fn rfc3339(t: SystemTime) -> String {
    let c = Civil::from_unix(unix_seconds(t));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// Unix milliseconds of ISO-8601 / RFC 3339 text: `2020-08-17T06:16:45.000Z`, with `Z` or an
/// offset (`+10:00`, `+1000`), a space instead of `T`, any fraction, or a bare date (midnight
/// UTC). Text without a zone is taken as UTC. `None` when it is none of these.
pub fn parse_rfc3339_ms(text: &str) -> Option<i64> {
    let t = text.trim();
    let (date, time) = match t.find(['T', 't', ' ']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let mut d = date.splitn(3, '-');
    let (y, m, day) = (digits(d.next()?)?, digits(d.next()?)?, digits(d.next()?)?);
    if date.len() != 10 || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let mut ms = days_from_civil(y, m, day) * 86_400_000;
    if let Some(time) = time {
        let (clock, offset_ms) = split_offset(time)?;
        let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
        let mut parts = hms.splitn(3, ':');
        let (h, mi) = (digits(parts.next()?)?, digits(parts.next()?)?);
        let s = parts.next().map_or(Some(0), digits)?;
        if h > 23 || mi > 59 || s > 60 {
            return None;
        }
        let frac_ms = if frac.is_empty() {
            0
        } else {
            digits(frac)?;
            let first3: String = frac.chars().chain("000".chars()).take(3).collect();
            digits(&first3)?
        };
        ms += ((h * 60 + mi) * 60 + s) * 1000 + frac_ms - offset_ms;
    }
    Some(ms)
}

/// The clock part and the offset in ms of `06:16:45Z`, `06:16:45+10:00`, `06:16:45-0330` or
/// `06:16:45` (UTC).
fn split_offset(time: &str) -> Option<(&str, i64)> {
    if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        return Some((clock, 0));
    }
    let Some(i) = time.rfind(['+', '-']) else {
        return Some((time, 0));
    };
    let (clock, off) = time.split_at(i);
    let sign = if off.starts_with('-') { -1 } else { 1 };
    let off = &off[1..];
    let (oh, om) = match off.split_once(':') {
        Some((h, m)) => (h, m),
        None if off.len() == 4 => off.split_at(2),
        None if off.len() == 2 => (off, "00"),
        None => return None,
    };
    let (oh, om) = (digits(oh)?, digits(om)?);
    (oh <= 23 && om <= 59).then_some((clock, sign * (oh * 60 + om) * 60_000))
}

fn digits(s: &str) -> Option<i64> {
    (!s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())?
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_text_with_zones_fractions_and_bare_dates() {
        assert_eq!(
            parse_rfc3339_ms("2020-08-17T06:16:45.000Z"),
            Some(1_597_645_005_000)
        );
        assert_eq!(
            parse_rfc3339_ms("2020-08-17T16:16:45.5+10:00"),
            Some(1_597_645_005_500)
        );
        assert_eq!(
            parse_rfc3339_ms("2020-08-17 02:46:45.123456-0330"),
            Some(1_597_645_005_123)
        );
        assert_eq!(
            parse_rfc3339_ms("2020-08-17T06:16:45"),
            Some(1_597_645_005_000)
        );
        assert_eq!(parse_rfc3339_ms("1970-01-01"), Some(0));
        for bad in [
            "",
            "yesterday",
            "2020-13-01",
            "2020-08-17T25:00:00Z",
            "2020-8-17",
            "12",
        ] {
            assert_eq!(parse_rfc3339_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn civil_matches_known_dates() {
        assert_eq!(rfc3339(from_unix_seconds(0)), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(from_unix_seconds(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(
            rfc3339(from_unix_seconds(1_762_106_847)),
            "2025-11-02T18:07:27Z"
        );
        // 2025-11-02 is a Sunday.
        assert_eq!(Civil::from_unix(1_762_106_847).weekday, 0);
        assert_eq!(Civil::from_unix(0).weekday, 4);
    }
}
