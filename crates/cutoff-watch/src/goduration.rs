//! Go `time.Duration` parsing and formatting.
//!
//! Tekton writes its timeouts (`spec.timeouts.pipeline`, `spec.timeout`) with Go's
//! `time.ParseDuration` syntax and prints them with `Duration.String()`. This is a
//! port of both, written for this crate: the parser follows Go's algorithm
//! (including its float64 arithmetic for fractions and its overflow checks against
//! `1 << 63`), so that every input Go accepts gives the same nanosecond value and
//! every input Go rejects is rejected here too.

use std::fmt;
use std::time::Duration;

/// Why a duration did not parse. `Display` prints Go's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurationError {
    /// What went wrong, in Go's words.
    pub kind: DurationErrorKind,
    /// The whole input.
    pub input: String,
}

/// The three errors of Go's `time.ParseDuration`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DurationErrorKind {
    /// `time: invalid duration "X"`
    Invalid,
    /// `time: missing unit in duration "X"`
    MissingUnit,
    /// `time: unknown unit "u" in duration "X"`
    UnknownUnit(String),
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let input = quote(&self.input);
        match &self.kind {
            DurationErrorKind::Invalid => write!(f, "time: invalid duration {input}"),
            DurationErrorKind::MissingUnit => write!(f, "time: missing unit in duration {input}"),
            DurationErrorKind::UnknownUnit(u) => {
                write!(f, "time: unknown unit {} in duration {input}", quote(u))
            }
        }
    }
}

impl std::error::Error for DurationError {}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c.is_ascii() && c >= ' ' {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        }
    }
    out.push('"');
    out
}

const LIMIT: u64 = 1 << 63;

fn unit_nanos(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => 1,
        "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60 * 1_000_000_000,
        "h" => 3600 * 1_000_000_000,
        _ => return None,
    })
}

/// Parses a Go duration into signed nanoseconds, exactly as Go's `time.ParseDuration`.
pub fn parse_nanos(input: &str) -> Result<i64, DurationError> {
    let err = |kind| DurationError {
        kind,
        input: input.to_string(),
    };
    let mut s = input.as_bytes();
    let mut neg = false;
    if let Some(&c) = s.first() {
        if c == b'-' || c == b'+' {
            neg = c == b'-';
            s = &s[1..];
        }
    }
    if s == b"0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(err(DurationErrorKind::Invalid));
    }
    let mut d: u64 = 0;
    while !s.is_empty() {
        if !(s[0] == b'.' || s[0].is_ascii_digit()) {
            return Err(err(DurationErrorKind::Invalid));
        }
        // Leading integer.
        let before = s.len();
        let mut v: u64 = 0;
        let mut i = 0;
        while i < s.len() && s[i].is_ascii_digit() {
            if v > LIMIT / 10 {
                return Err(err(DurationErrorKind::Invalid));
            }
            v = v * 10 + u64::from(s[i] - b'0');
            if v > LIMIT {
                return Err(err(DurationErrorKind::Invalid));
            }
            i += 1;
        }
        s = &s[i..];
        let pre = before != s.len();
        // Fraction.
        let mut f: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut post = false;
        if s.first() == Some(&b'.') {
            s = &s[1..];
            let before = s.len();
            let mut overflow = false;
            let mut i = 0;
            while i < s.len() && s[i].is_ascii_digit() {
                if !overflow {
                    if f > (LIMIT - 1) / 10 {
                        overflow = true;
                    } else {
                        let y = f * 10 + u64::from(s[i] - b'0');
                        if y > LIMIT {
                            overflow = true;
                        } else {
                            f = y;
                            scale *= 10.0;
                        }
                    }
                }
                i += 1;
            }
            s = &s[i..];
            post = before != s.len();
        }
        if !pre && !post {
            return Err(err(DurationErrorKind::Invalid));
        }
        // Unit: everything up to the next '.' or digit.
        let mut i = 0;
        while i < s.len() && !(s[i] == b'.' || s[i].is_ascii_digit()) {
            i += 1;
        }
        if i == 0 {
            return Err(err(DurationErrorKind::MissingUnit));
        }
        // The unit ends before an ASCII byte, so it ends on a char boundary.
        let unit = String::from_utf8_lossy(&s[..i]).into_owned();
        s = &s[i..];
        let Some(unit_ns) = unit_nanos(&unit) else {
            return Err(err(DurationErrorKind::UnknownUnit(unit)));
        };
        if v > LIMIT / unit_ns {
            return Err(err(DurationErrorKind::Invalid));
        }
        v *= unit_ns;
        if f > 0 {
            // Go: v += uint64(float64(f) * (float64(unit) / scale))
            v += (f as f64 * (unit_ns as f64 / scale)) as u64;
            if v > LIMIT {
                return Err(err(DurationErrorKind::Invalid));
            }
        }
        d += v;
        if d > LIMIT {
            return Err(err(DurationErrorKind::Invalid));
        }
    }
    if neg {
        // d <= 1<<63 here, so -d fits (1<<63 becomes i64::MIN).
        return Ok((d as i64).wrapping_neg());
    }
    if d > LIMIT - 1 {
        return Err(err(DurationErrorKind::Invalid));
    }
    Ok(d as i64)
}

/// Parses a non-negative Go duration into a [`Duration`].
pub fn parse(input: &str) -> Result<Duration, String> {
    let n = parse_nanos(input.trim()).map_err(|e| e.to_string())?;
    if n < 0 {
        return Err(format!("negative duration {:?} is not allowed", input));
    }
    Ok(Duration::from_nanos(n as u64))
}

/// Formats nanoseconds as Go's `Duration.String()` does: `2h0m0s`, `1.5s`, `300ms`, `0s`.
pub fn format_nanos(n: i64) -> String {
    let neg = n < 0;
    let mut u = n.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        let (prec, unit) = match u {
            0 => return "0s".to_string(),
            1..=999 => (0, "ns"),
            1_000..=999_999 => (3, "\u{b5}s"),
            _ => (6, "ms"),
        };
        let (frac, int) = frac_part(u, prec);
        out.push_str(&int.to_string());
        out.push_str(&frac);
        out.push_str(unit);
    } else {
        let (frac, secs) = frac_part(u, 9);
        u = secs;
        let s = u % 60;
        u /= 60;
        if u > 0 {
            let m = u % 60;
            u /= 60;
            if u > 0 {
                out.push_str(&format!("{u}h"));
            }
            out.push_str(&format!("{m}m"));
        }
        out.push_str(&format!("{s}{frac}s"));
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// Splits `v` into its integer part and `.digits` (trailing zeros dropped) of `v / 10^prec`.
fn frac_part(v: u64, prec: u32) -> (String, u64) {
    if prec == 0 {
        return (String::new(), v);
    }
    let div = 10u64.pow(prec);
    let frac = v % div;
    if frac == 0 {
        return (String::new(), v / div);
    }
    let digits = format!("{frac:0width$}", width = prec as usize);
    (format!(".{}", digits.trim_end_matches('0')), v / div)
}

/// Formats a [`Duration`] the way Go prints it.
pub fn format(d: Duration) -> String {
    format_nanos(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_go_parses() {
        let cases: &[(&str, i64)] = &[
            ("0", 0),
            ("5s", 5_000_000_000),
            ("30s", 30_000_000_000),
            ("1478s", 1_478_000_000_000),
            ("-5s", -5_000_000_000),
            ("+5s", 5_000_000_000),
            ("-0", 0),
            ("+0", 0),
            ("5.0s", 5_000_000_000),
            ("5.6s", 5_600_000_000),
            ("5.s", 5_000_000_000),
            (".5s", 500_000_000),
            ("1.0s", 1_000_000_000),
            ("1.00s", 1_000_000_000),
            ("1.004s", 1_004_000_000),
            ("1.0040s", 1_004_000_000),
            ("100.00100s", 100_001_000_000),
            ("10ns", 10),
            ("11us", 11_000),
            ("12\u{b5}s", 12_000),
            ("12\u{3bc}s", 12_000),
            ("13ms", 13_000_000),
            ("14s", 14_000_000_000),
            ("15m", 900_000_000_000),
            ("16h", 57_600_000_000_000),
            ("3h30m", 12_600_000_000_000),
            ("10.5s4m", 250_500_000_000),
            ("-2m3.4s", -123_400_000_000),
            ("1h2m3s4ms5us6ns", 3_723_004_005_006),
            ("39h9m14.425s", 140_954_425_000_000),
            ("52763797000ns", 52_763_797_000),
            ("0.3333333333333333333h", 1_200_000_000_000),
            ("9007199254740993ns", 9_007_199_254_740_993),
            ("9223372036854775807ns", i64::MAX),
            ("9223372036854775.807us", i64::MAX),
            ("9223372036s854ms775us807ns", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
            ("-9223372036854775.808us", i64::MIN),
            ("0.100000000000000000000h", 360_000_000_000),
            ("0.830103483285477580700h", 2_988_372_539_827),
            ("1h0m0s", 3_600_000_000_000),
        ];
        for (input, want) in cases {
            assert_eq!(parse_nanos(input), Ok(*want), "input {input:?}");
        }
    }

    #[test]
    fn rejects_what_go_rejects() {
        let cases: &[(&str, &str)] = &[
            ("", r#"time: invalid duration """#),
            ("3", r#"time: missing unit in duration "3""#),
            ("-", r#"time: invalid duration "-""#),
            ("s", r#"time: invalid duration "s""#),
            (".", r#"time: invalid duration ".""#),
            ("-.", r#"time: invalid duration "-.""#),
            (".s", r#"time: invalid duration ".s""#),
            ("+.s", r#"time: invalid duration "+.s""#),
            ("1d", r#"time: unknown unit "d" in duration "1d""#),
            ("\u{b5}s", "time: invalid duration \"\\xc2\\xb5s\""),
            ("3000000h", r#"time: invalid duration "3000000h""#),
            (
                "9223372036854775808ns",
                r#"time: invalid duration "9223372036854775808ns""#,
            ),
            (
                "9223372036854775.808us",
                r#"time: invalid duration "9223372036854775.808us""#,
            ),
            (
                "9223372036854ms775us808ns",
                r#"time: invalid duration "9223372036854ms775us808ns""#,
            ),
            (" 1s", r#"time: invalid duration " 1s""#),
            ("1 s", r#"time: unknown unit " s" in duration "1 s""#),
        ];
        for (input, want) in cases {
            let got = parse_nanos(input).expect_err(input);
            assert_eq!(got.to_string(), *want, "input {input:?}");
        }
    }

    #[test]
    fn formats_like_go() {
        let cases: &[(i64, &str)] = &[
            (0, "0s"),
            (1, "1ns"),
            (1_100, "1.1\u{b5}s"),
            (2_200_000, "2.2ms"),
            (3_300_000_000, "3.3s"),
            (240_000_000_000, "4m0s"),
            (270_500_000_000, "4m30.5s"),
            (7_200_000_000_000, "2h0m0s"),
            (3_723_000_000_000, "1h2m3s"),
            (-3_723_000_000_000, "-1h2m3s"),
            (i64::MAX, "2562047h47m16.854775807s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
        ];
        for (n, want) in cases {
            assert_eq!(format_nanos(*n), *want);
        }
    }

    #[test]
    fn std_duration_helpers() {
        assert_eq!(parse("1m").unwrap(), Duration::from_secs(60));
        assert!(parse("-1m").unwrap_err().contains("negative"));
        assert_eq!(format(Duration::from_secs(7200)), "2h0m0s");
        assert_eq!(parse(" 30s ").unwrap(), Duration::from_secs(30));
    }
}
