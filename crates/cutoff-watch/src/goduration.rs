//! Go durations for watch: a thin adapter over `cutoff_core::duration` (the exact port of
//! Go's `time.ParseDuration` and `Duration.String()` the linter uses), to and from
//! [`std::time::Duration`].

use std::time::Duration;

use cutoff_core::duration::{self, GoDuration};

/// Parses a Go duration into nanoseconds (negative allowed), as Go does.
pub fn parse_nanos(input: &str) -> Result<i64, duration::DurationError> {
    duration::parse(input).map(GoDuration::nanos)
}

/// Parses a non-negative Go duration into a [`Duration`].
pub fn parse(input: &str) -> Result<Duration, String> {
    let n = parse_nanos(input.trim()).map_err(|e| e.to_string())?;
    if n < 0 {
        return Err(format!("negative duration {input:?} is not allowed"));
    }
    Ok(Duration::from_nanos(n as u64))
}

/// Formats nanoseconds as Go's `Duration.String()` does: `2h0m0s`, `1.5s`, `300ms`, `0s`.
pub fn format_nanos(n: i64) -> String {
    GoDuration::from_nanos(n).canonical()
}

/// Formats a [`Duration`] the way Go prints it.
pub fn format(d: Duration) -> String {
    format_nanos(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(parse("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(format(Duration::from_secs(7200)), "2h0m0s");
        assert_eq!(format(Duration::from_millis(1500)), "1.5s");
        assert!(parse("-1h").is_err());
        assert!(parse("1 hour").is_err());
        assert_eq!(parse_nanos("-1h").unwrap(), -3_600_000_000_000);
    }
}
