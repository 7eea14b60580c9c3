//! [`Count`]: a sum of the `count` column that stays an integer while every count is one.

use std::fmt;

use serde::{Serialize, Serializer};

/// A sum of counts: an integer while every count added was one, a float from the first
/// fractional count (or an integer sum past `i64`) on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Count {
    /// Only integer counts so far.
    Int(i64),
    /// At least one fractional count.
    Float(f64),
}

impl Default for Count {
    fn default() -> Self {
        Count::Int(0)
    }
}

impl Count {
    /// The value as a float (for scaling).
    pub fn as_f64(self) -> f64 {
        match self {
            Count::Int(n) => n as f64,
            Count::Float(x) => x,
        }
    }

    /// `self + other`, an integer while both are and the sum fits.
    pub fn plus(self, other: Count) -> Count {
        match (self, other) {
            (Count::Int(a), Count::Int(b)) => match a.checked_add(b) {
                Some(sum) => Count::Int(sum),
                None => Count::Float(a as f64 + b as f64),
            },
            (a, b) => Count::Float(a.as_f64() + b.as_f64()),
        }
    }

    /// The same value as a float, for a class whose numbers are all shown as floats once one
    /// of them is.
    pub fn to_float(self) -> Count {
        Count::Float(self.as_f64())
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Count::Int(n) => write!(f, "{n}"),
            Count::Float(x) => write!(f, "{x}"),
        }
    }
}

impl Serialize for Count {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Count::Int(n) => s.serialize_i64(n),
            Count::Float(x) => s.serialize_f64(x),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Count;

    #[test]
    fn sums_stay_integers_until_a_fraction_or_an_overflow() {
        assert_eq!(Count::Int(2).plus(Count::Int(3)), Count::Int(5));
        assert_eq!(Count::Int(2).plus(Count::Float(0.5)), Count::Float(2.5));
        assert!(matches!(
            Count::Int(i64::MAX).plus(Count::Int(1)),
            Count::Float(_)
        ));
        assert_eq!(serde_json::to_string(&Count::Float(3.0)).unwrap(), "3.0");
        assert_eq!(serde_json::to_string(&Count::Int(3)).unwrap(), "3");
    }
}
