//! The instants `--from` / `--to` take.

use anyhow::Result;
use unleashlive_auth::Error;

/// Unix milliseconds, or RFC 3339 (`2024-05-01T10:00:00Z`, `...+10:00`, fractions), or a bare
/// date (midnight UTC).
pub(super) fn parse_time(text: &str, flag: &str) -> Result<i64> {
    let bad = || Error::Config {
        setting: flag.into(),
        reason: format!(
            "{text:?} is neither Unix milliseconds nor RFC 3339 (e.g. 2024-05-01T00:00:00Z)"
        ),
    };
    let t = text.trim();
    if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) {
        return t.parse().map_err(|_| bad().into());
    }
    unleashlive_auth::clock::parse_rfc3339_ms(t).ok_or_else(|| bad().into())
}

#[cfg(test)]
mod tests {
    use super::parse_time;

    #[test]
    fn times_are_rfc3339_dates_or_milliseconds() {
        assert_eq!(
            parse_time("1597644726430", "--from").unwrap(),
            1_597_644_726_430
        );
        assert_eq!(parse_time("1970-01-01", "--from").unwrap(), 0);
        assert_eq!(
            parse_time("2020-08-17T06:16:45.000Z", "--from").unwrap(),
            1_597_645_005_000
        );
        assert_eq!(
            parse_time("2020-08-17T16:16:45.5+10:00", "--from").unwrap(),
            1_597_645_005_500
        );
        assert!(parse_time("yesterday", "--from").is_err());
        assert!(parse_time("2020-13-01", "--from").is_err());
    }
}
