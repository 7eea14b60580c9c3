//! UTC days and the two timestamp forms analytics rows carry: ISO-8601 text
//! (`2020-08-17T06:16:45.000Z`, an offset such as `+10:00`, or a bare date) and Unix
//! milliseconds.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::clock::Civil;

const MS_PER_DAY: i64 = 86_400_000;

/// A UTC calendar day, shown as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(i64);

impl Day {
    /// The UTC day holding the instant `ms` (Unix milliseconds).
    pub fn from_unix_ms(ms: i64) -> Self {
        Day(ms.div_euclid(MS_PER_DAY))
    }

    /// Days since 1970-01-01 (negative before it).
    pub fn days_since_epoch(self) -> i64 {
        self.0
    }

    /// The day `n` days later (earlier when negative).
    pub fn plus(self, n: i64) -> Self {
        Day(self.0 + n)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = Civil::from_unix(self.0 * 86_400);
        write!(f, "{:04}-{:02}-{:02}", c.year, c.month, c.day)
    }
}

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Unix milliseconds of ISO-8601 / RFC 3339 text: `2020-08-17T06:16:45.000Z`, with `Z` or an
/// offset (`+10:00`, `+1000`), a space instead of `T`, any fraction, or a bare date (midnight
/// UTC). Text without a zone is taken as UTC. `None` when it is none of these.
pub fn iso8601_ms(text: &str) -> Option<i64> {
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
    let mut ms = days_from_civil(y, m, day) * MS_PER_DAY;
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
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
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
            iso8601_ms("2020-08-17T06:16:45.000Z"),
            Some(1_597_645_005_000)
        );
        assert_eq!(
            iso8601_ms("2020-08-17T16:16:45.5+10:00"),
            Some(1_597_645_005_500)
        );
        assert_eq!(
            iso8601_ms("2020-08-17 02:46:45.123456-0330"),
            Some(1_597_645_005_123)
        );
        assert_eq!(iso8601_ms("2020-08-17T06:16:45"), Some(1_597_645_005_000));
        assert_eq!(iso8601_ms("1970-01-01"), Some(0));
        for bad in [
            "",
            "yesterday",
            "2020-13-01",
            "2020-08-17T25:00:00Z",
            "2020-8-17",
            "12",
        ] {
            assert_eq!(iso8601_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn days_are_utc_and_print_as_dates() {
        assert_eq!(Day::from_unix_ms(0).to_string(), "1970-01-01");
        assert_eq!(Day::from_unix_ms(-1).to_string(), "1969-12-31");
        assert_eq!(Day::from_unix_ms(951_782_400_000).to_string(), "2000-02-29");
        let last_ms = 951_782_400_000 + 86_399_999;
        assert_eq!(Day::from_unix_ms(last_ms).plus(1).to_string(), "2000-03-01");
    }
}
