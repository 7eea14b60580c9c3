//! When to renew temporary credentials: ahead of expiry by a margin that fits their lifetime.

use std::time::Duration;

/// The most [`IdentityCredentials`](crate::aws::IdentityCredentials) renews ahead of expiry;
/// shorter-lived credentials are renewed when a third of their lifetime is left.
pub const DEFAULT_MAX_MARGIN: Duration = Duration::from_secs(5 * 60);

/// How long before expiry credentials of this lifetime are renewed: a third of the lifetime,
/// at most `max`. Hour-long credentials are renewed 5 minutes early; moto's 90-second ones
/// after 60 seconds (a fixed 5 minutes would renew those on every call).
pub fn refresh_margin(lifetime: Duration, max: Duration) -> Duration {
    max.min(lifetime / 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_margin_is_a_third_of_short_lifetimes_and_five_minutes_of_long_ones() {
        let max = DEFAULT_MAX_MARGIN;
        assert_eq!(
            refresh_margin(Duration::from_secs(90), max),
            Duration::from_secs(30)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(3600), max),
            Duration::from_secs(300)
        );
        assert_eq!(refresh_margin(Duration::ZERO, max), Duration::ZERO);
    }
}
