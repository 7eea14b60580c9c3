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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_utc_and_print_as_dates() {
        assert_eq!(Day::from_unix_ms(0).to_string(), "1970-01-01");
        assert_eq!(Day::from_unix_ms(-1).to_string(), "1969-12-31");
        assert_eq!(Day::from_unix_ms(951_782_400_000).to_string(), "2000-02-29");
        let last_ms = 951_782_400_000 + 86_399_999;
        assert_eq!(Day::from_unix_ms(last_ms).plus(1).to_string(), "2000-03-01");
    }
}
