//! Go `time.Duration`: an exact port of `time.ParseDuration` and
//! `time.Duration.String()` (Go 1.19–1.26 semantics), plus a conservative
//! repair helper for common human mistakes used by autofix.
//!
//! The parser follows Go's algorithm step by step, including its float64
//! arithmetic for fractions and its overflow checks against `1 << 63`, so that
//! every input Go accepts is accepted here with the same nanosecond value and
//! every input Go rejects is rejected with the same error text.

use std::fmt;

/// A Go `time.Duration` in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoDuration(pub i64);

/// Which of Go's three `ParseDuration` errors occurred.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DurationErrorKind {
    /// `time: invalid duration "X"`
    Invalid,
    /// `time: missing unit in duration "X"`
    MissingUnit,
    /// `time: unknown unit "u" in duration "X"`; holds the unit as written.
    UnknownUnit(String),
}

/// A `ParseDuration` failure; `Display` prints Go's exact message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurationError {
    pub kind: DurationErrorKind,
    /// The whole input, as given to [`parse`].
    pub input: String,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let input = go_quote(&self.input);
        match &self.kind {
            DurationErrorKind::Invalid => write!(f, "time: invalid duration {input}"),
            DurationErrorKind::MissingUnit => {
                write!(f, "time: missing unit in duration {input}")
            }
            DurationErrorKind::UnknownUnit(unit) => write!(
                f,
                "time: unknown unit {} in duration {input}",
                go_quote(unit)
            ),
        }
    }
}

impl std::error::Error for DurationError {}

/// Quotes `s` the way Go's `time` package does in its error messages (its
/// private `quote`, not `strconv.Quote`): `"` and `\` are backslash-escaped,
/// and every byte of a control or non-ASCII character is written as `\xNN`.
fn go_quote(s: &str) -> String {
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

const NANOSECOND: u64 = 1;
const MICROSECOND: u64 = 1_000 * NANOSECOND;
const MILLISECOND: u64 = 1_000 * MICROSECOND;
const SECOND: u64 = 1_000 * MILLISECOND;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;

/// Magnitude bound used by all of Go's overflow checks: `1 << 63`, the
/// magnitude of `i64::MIN`.
const LIMIT: u64 = 1 << 63;

/// Go's `unitMap`.
fn unit_nanos(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => NANOSECOND,
        // U+00B5 MICRO SIGN and U+03BC GREEK SMALL LETTER MU.
        "us" | "\u{b5}s" | "\u{3bc}s" => MICROSECOND,
        "ms" => MILLISECOND,
        "s" => SECOND,
        "m" => MINUTE,
        "h" => HOUR,
        _ => return None,
    })
}

/// Go's `leadingInt`: consumes `[0-9]*`, returning the value and the number
/// of bytes consumed, or `None` when the value exceeds `1 << 63`.
fn leading_int(s: &[u8]) -> Option<(u64, usize)> {
    let mut x: u64 = 0;
    let mut i = 0;
    while let Some(&c) = s.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        if x > LIMIT / 10 {
            return None;
        }
        x = x * 10 + u64::from(c - b'0');
        if x > LIMIT {
            return None;
        }
        i += 1;
    }
    Some((x, i))
}

/// Go's `leadingFraction`: consumes `[0-9]*` after a decimal point. On
/// overflow it keeps consuming digits but stops accumulating precision.
/// Returns `(digits as integer, 10^accumulated digits, bytes consumed)`.
fn leading_fraction(s: &[u8]) -> (u64, f64, usize) {
    let mut x: u64 = 0;
    let mut scale = 1.0_f64;
    let mut overflow = false;
    let mut i = 0;
    while let Some(&c) = s.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        i += 1;
        if overflow {
            continue;
        }
        if x > (LIMIT - 1) / 10 {
            overflow = true;
            continue;
        }
        let y = x * 10 + u64::from(c - b'0');
        if y > LIMIT {
            overflow = true;
            continue;
        }
        x = y;
        scale *= 10.0;
    }
    (x, scale, i)
}

/// Parses a duration string exactly like Go's `time.ParseDuration`.
///
/// The grammar is `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, with the units `ns`,
/// `us`, `µs`, `μs`, `ms`, `s`, `m` and `h`; `"0"`, `"+0"` and `"-0"` are the
/// only values without a unit.
pub fn parse(s: &str) -> Result<GoDuration, DurationError> {
    let err = |kind| DurationError {
        kind,
        input: s.to_owned(),
    };
    let invalid = || err(DurationErrorKind::Invalid);

    let bytes = s.as_bytes();
    let (neg, mut pos) = match bytes.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    let body = &bytes[pos..];
    if body == b"0" {
        return Ok(GoDuration::ZERO);
    }
    if body.is_empty() {
        return Err(invalid());
    }

    let mut total: u64 = 0;
    while pos < bytes.len() {
        // The next character must be [0-9.].
        let first = bytes[pos];
        if !(first == b'.' || first.is_ascii_digit()) {
            return Err(invalid());
        }

        // [0-9]*
        let (mut value, int_len) = leading_int(&bytes[pos..]).ok_or_else(invalid)?;
        pos += int_len;

        // (\.[0-9]*)?
        let (mut frac, mut scale, mut frac_len) = (0u64, 1.0_f64, 0usize);
        if bytes.get(pos) == Some(&b'.') {
            pos += 1;
            (frac, scale, frac_len) = leading_fraction(&bytes[pos..]);
            pos += frac_len;
        }
        if int_len == 0 && frac_len == 0 {
            // No digits at all, e.g. ".s" or "-.s".
            return Err(invalid());
        }

        // The unit runs up to the next '.' or digit. Both are ASCII, so the
        // slice boundaries below always fall on char boundaries.
        let unit_len = bytes[pos..]
            .iter()
            .position(|&c| c == b'.' || c.is_ascii_digit())
            .unwrap_or(bytes.len() - pos);
        if unit_len == 0 {
            return Err(err(DurationErrorKind::MissingUnit));
        }
        let unit_str = &s[pos..pos + unit_len];
        pos += unit_len;
        let unit = unit_nanos(unit_str)
            .ok_or_else(|| err(DurationErrorKind::UnknownUnit(unit_str.to_owned())))?;

        if value > LIMIT / unit {
            return Err(invalid());
        }
        value *= unit;
        if frac > 0 {
            // Go does this in float64 to stay nanosecond-accurate for
            // fractions of hours; the product is at most 3.6e12, so the
            // truncating conversion cannot saturate.
            value += (frac as f64 * (unit as f64 / scale)) as u64;
            if value > LIMIT {
                return Err(invalid());
            }
        }
        // Go adds in uint64 and only then compares with 1<<63. Both operands
        // are at most 1<<63, so the sum wraps (to 0) only when both are
        // exactly 1<<63; Go accepts that case, and so do we.
        total = total.wrapping_add(value);
        if total > LIMIT {
            return Err(invalid());
        }
    }

    if neg {
        // Two's-complement negation of a magnitude <= 1<<63, as Go's
        // `-Duration(d)`: 1<<63 becomes i64::MIN.
        return Ok(GoDuration((total as i64).wrapping_neg()));
    }
    if total > LIMIT - 1 {
        return Err(invalid());
    }
    Ok(GoDuration(total as i64))
}

impl GoDuration {
    pub const ZERO: GoDuration = GoDuration(0);

    /// Exactly `n` nanoseconds.
    pub const fn from_nanos(n: i64) -> Self {
        GoDuration(n)
    }

    /// `s` seconds, saturating at the bounds of `i64` nanoseconds.
    pub fn from_secs(s: i64) -> Self {
        GoDuration(s.saturating_mul(SECOND as i64))
    }

    /// `m` minutes, saturating at the bounds of `i64` nanoseconds.
    pub fn from_mins(m: i64) -> Self {
        GoDuration(m.saturating_mul(MINUTE as i64))
    }

    /// `h` hours, saturating at the bounds of `i64` nanoseconds.
    pub fn from_hours(h: i64) -> Self {
        GoDuration(h.saturating_mul(HOUR as i64))
    }

    pub fn nanos(self) -> i64 {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Exactly Go's `Duration.String()`: `"1h0m0s"`, `"1h30m0s"`, `"0s"`,
    /// `"1.5s"`, `"500ms"`, `"1µs"` (U+00B5), `"-1h0m0s"`.
    pub fn canonical(self) -> String {
        // Written digit by digit: messages and fix titles ask for it a hundred thousand times
        // in a large repository, where `format!` cost 1.7 % of a lint's instructions.
        let mut out = String::with_capacity(16);
        if self.0 < 0 {
            out.push('-');
        }
        // unsigned_abs handles i64::MIN.
        let u = self.0.unsigned_abs();

        if u < SECOND {
            // Below one second, use the largest unit that keeps the leading
            // digit non-zero.
            let (prec, unit) = match u {
                0 => return "0s".to_owned(),
                _ if u < MICROSECOND => (0, "ns"),
                _ if u < MILLISECOND => (3, "\u{b5}s"),
                _ => (6, "ms"),
            };
            let div = 10u64.pow(prec);
            push_uint(&mut out, u / div);
            push_fraction(&mut out, u % div, prec as usize);
            out.push_str(unit);
            return out;
        }

        let secs = u / SECOND;
        let mins = secs / 60;
        let hours = mins / 60;
        // Stop at hours, because days can be different lengths.
        if hours > 0 {
            push_uint(&mut out, hours);
            out.push('h');
        }
        if mins > 0 {
            push_uint(&mut out, mins % 60);
            out.push('m');
        }
        push_uint(&mut out, secs % 60);
        push_fraction(&mut out, u % SECOND, 9);
        out.push('s');
        out
    }

    pub fn saturating_add(self, o: GoDuration) -> GoDuration {
        GoDuration(self.0.saturating_add(o.0))
    }

    pub fn checked_sub(self, o: GoDuration) -> Option<GoDuration> {
        self.0.checked_sub(o.0).map(GoDuration)
    }

    pub fn checked_mul(self, n: i64) -> Option<GoDuration> {
        self.0.checked_mul(n).map(GoDuration)
    }
}

/// Appends `n` in decimal.
fn push_uint(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

/// Go's `fmtFrac`: appends `.ddd` for a fraction of `prec` digits (at most 9), with
/// trailing zeros (and the point itself, for a zero fraction) omitted.
fn push_fraction(out: &mut String, frac: u64, prec: usize) {
    if frac == 0 {
        return;
    }
    let mut digits = [b'0'; 9];
    let mut n = frac;
    for d in digits[..prec].iter_mut().rev() {
        *d = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let last = digits[..prec]
        .iter()
        .rposition(|&d| d != b'0')
        .map_or(0, |i| i + 1);
    out.push('.');
    for &d in &digits[..last] {
        out.push(char::from(d));
    }
}

impl fmt::Display for GoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

/// What a unit as written by a human stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RepairUnit {
    /// A Go unit, written out as this token.
    Go(&'static str),
    /// A whole number of hours per unit (1 for `h`, 24 for days, 168 for
    /// weeks); Go has no unit above hours.
    Hours(u32),
}

/// Maps a unit as a human might write it to a Go unit, or `None` when it is
/// unknown or ambiguous (`M`: months or minutes?).
fn repair_unit(word: &str) -> Option<RepairUnit> {
    use RepairUnit::{Go, Hours};
    // Go's own units, case-sensitive; of the upper-case forms only `H` and
    // `S` are unambiguous.
    let unit = match word {
        "h" | "H" => Hours(1),
        "m" => Go("m"),
        "s" | "S" => Go("s"),
        "ms" => Go("ms"),
        "us" => Go("us"),
        "\u{b5}s" => Go("\u{b5}s"),
        "\u{3bc}s" => Go("\u{3bc}s"),
        "ns" => Go("ns"),
        _ => match word.to_ascii_lowercase().as_str() {
            "hour" | "hours" | "hr" | "hrs" => Hours(1),
            "minute" | "minutes" | "min" | "mins" => Go("m"),
            "second" | "seconds" | "sec" | "secs" => Go("s"),
            "millisecond" | "milliseconds" | "milli" | "millis" | "msec" | "msecs" => Go("ms"),
            "microsecond" | "microseconds" | "micro" | "micros" | "usec" | "usecs" => Go("us"),
            "nanosecond" | "nanoseconds" | "nano" | "nanos" | "nsec" | "nsecs" => Go("ns"),
            "d" | "day" | "days" => Hours(24),
            "w" | "wk" | "wks" | "week" | "weeks" => Hours(24 * 7),
            _ => return None,
        },
    };
    Some(unit)
}

/// An exact non-negative decimal: `mantissa / 10^scale`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Decimal {
    mantissa: u128,
    scale: u32,
}

impl Decimal {
    /// Parses Go's number syntax `[0-9]*(\.[0-9]*)?` (at least one digit).
    fn parse(s: &str) -> Option<Decimal> {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let digits = || int.bytes().chain(frac.bytes());
        if int.len() + frac.len() == 0 || !digits().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut mantissa: u128 = 0;
        for b in digits() {
            mantissa = mantissa
                .checked_mul(10)?
                .checked_add(u128::from(b - b'0'))?;
        }
        Some(Decimal {
            mantissa,
            scale: u32::try_from(frac.len()).ok()?,
        })
    }

    fn rescale(self, scale: u32) -> Option<Decimal> {
        let factor = 10u128.checked_pow(scale.checked_sub(self.scale)?)?;
        Some(Decimal {
            mantissa: self.mantissa.checked_mul(factor)?,
            scale,
        })
    }

    fn checked_add(self, o: Decimal) -> Option<Decimal> {
        let scale = self.scale.max(o.scale);
        let (a, b) = (self.rescale(scale)?, o.rescale(scale)?);
        Some(Decimal {
            mantissa: a.mantissa.checked_add(b.mantissa)?,
            scale,
        })
    }

    fn checked_mul_int(self, n: u32) -> Option<Decimal> {
        Some(Decimal {
            mantissa: self.mantissa.checked_mul(u128::from(n))?,
            scale: self.scale,
        })
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // With the digits as text, not `10^scale`: a fraction with many leading zeros
        // ("0.000…01d") has a scale past what `u128` can hold.
        let scale = self.scale as usize;
        let digits = format!("{:0>width$}", self.mantissa, width = scale + 1);
        let (int, frac) = digits.split_at(digits.len() - scale);
        f.write_str(int)?;
        let frac = frac.trim_end_matches('0');
        if !frac.is_empty() {
            write!(f, ".{frac}")?;
        }
        Ok(())
    }
}

/// A best-effort repair for common human mistakes, used by autofix. Returns
/// `Some(fixed)` only when the intent is unambiguous and `fixed` parses with
/// [`parse`]:
///
/// - whitespace around and between components: `"1h 30m"` → `"1h30m"`,
///   `"1 h"` → `"1h"`, `" 1h"` → `"1h"`;
/// - English unit words, case-insensitive, singular, plural or abbreviated:
///   `"2 hours"` → `"2h"`, `"1 hour 30 minutes"` → `"1h30m"`, `"30 mins"` →
///   `"30m"`, `"45 secs"` → `"45s"`, `"500 millis"` → `"500ms"`, `"2hrs"` →
///   `"2h"`;
/// - upper-case `H` and `S`: `"1H"` → `"1h"`, `"10S"` → `"10s"` (but `"30M"`
///   is ambiguous between months and minutes, so it gets `None`);
/// - days and weeks, folded into hours: `"1d"` → `"24h"`, `"2d12h"` → `"60h"`,
///   `"1w"` → `"168h"`.
///
/// Returns `None` for input that already parses, for bare numbers (`"90"`: the
/// unit is unknown), for empty input and for anything else.
pub fn repair(s: &str) -> Option<String> {
    if parse(s).is_ok() {
        return None;
    }
    let trimmed = s.trim();
    let (sign, mut rest) = match trimmed.as_bytes().first()? {
        b'-' => ("-", &trimmed[1..]),
        b'+' => ("+", &trimmed[1..]),
        _ => ("", trimmed),
    };
    rest = rest.trim_start();

    let mut components = Vec::new();
    while !rest.is_empty() {
        let num_len = rest
            .bytes()
            .take_while(|&b| b == b'.' || b.is_ascii_digit())
            .count();
        let number = &rest[..num_len];
        let value = Decimal::parse(number)?;
        rest = rest[num_len..].trim_start();

        let unit_len = rest
            .char_indices()
            .find(|&(_, c)| !c.is_alphabetic())
            .map_or(rest.len(), |(i, _)| i);
        if unit_len == 0 {
            // A number without a unit (or something that is no number).
            return None;
        }
        let unit = repair_unit(&rest[..unit_len])?;
        rest = rest[unit_len..].trim_start();
        components.push((number, value, unit));
    }

    let mut fixed = sign.to_owned();
    let has_long_units = components
        .iter()
        .any(|&(_, _, unit)| matches!(unit, RepairUnit::Hours(n) if n > 1));
    if has_long_units {
        // Fold days, weeks and hours into one exact number of hours up front;
        // the remaining components keep their order.
        let mut hours = Decimal {
            mantissa: 0,
            scale: 0,
        };
        for &(_, value, unit) in &components {
            if let RepairUnit::Hours(n) = unit {
                hours = hours.checked_add(value.checked_mul_int(n)?)?;
            }
        }
        fixed.push_str(&format!("{hours}h"));
        for &(number, _, unit) in &components {
            if let RepairUnit::Go(token) = unit {
                fixed.push_str(number);
                fixed.push_str(token);
            }
        }
    } else {
        for &(number, _, unit) in &components {
            fixed.push_str(number);
            fixed.push_str(match unit {
                RepairUnit::Go(token) => token,
                RepairUnit::Hours(_) => "h",
            });
        }
    }

    (fixed != s && parse(&fixed).is_ok()).then_some(fixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> i64 {
        match parse(s) {
            Ok(d) => d.nanos(),
            Err(e) => panic!("{s:?} should parse, got {e}"),
        }
    }

    fn err(s: &str) -> String {
        match parse(s) {
            Ok(d) => panic!("{s:?} should fail, got {}ns", d.nanos()),
            Err(e) => e.to_string(),
        }
    }

    const S: i64 = 1_000_000_000;
    const MIN: i64 = 60 * S;
    const H: i64 = 60 * MIN;

    #[test]
    fn parses_simple_values() {
        assert_eq!(ok("0"), 0);
        assert_eq!(ok("+0"), 0);
        assert_eq!(ok("-0"), 0);
        assert_eq!(ok("0s"), 0);
        assert_eq!(ok("5s"), 5 * S);
        assert_eq!(ok("30s"), 30 * S);
        assert_eq!(ok("1478s"), 1478 * S);
        assert_eq!(ok("-5s"), -5 * S);
        assert_eq!(ok("+5s"), 5 * S);
        assert_eq!(ok("-0s"), 0);
        assert_eq!(ok("+0s"), 0);
        assert_eq!(ok("1h"), H);
        assert_eq!(ok("1h30m"), H + 30 * MIN);
        assert_eq!(ok("90m"), 90 * MIN);
        assert_eq!(ok("00001s"), S);
    }

    #[test]
    fn parses_all_units() {
        assert_eq!(ok("11ns"), 11);
        assert_eq!(ok("11us"), 11_000);
        assert_eq!(ok("11\u{b5}s"), 11_000);
        assert_eq!(ok("11\u{3bc}s"), 11_000);
        assert_eq!(ok("11ms"), 11_000_000);
        assert_eq!(ok("11s"), 11 * S);
        assert_eq!(ok("11m"), 11 * MIN);
        assert_eq!(ok("11h"), 11 * H);
    }

    #[test]
    fn parses_fractions() {
        assert_eq!(ok("5.0s"), 5 * S);
        assert_eq!(ok("5.6s"), 5 * S + 600_000_000);
        assert_eq!(ok("5.s"), 5 * S);
        assert_eq!(ok(".5s"), S / 2);
        assert_eq!(ok("1.0s"), S);
        assert_eq!(ok("1.00s"), S);
        assert_eq!(ok("1.004s"), S + 4_000_000);
        assert_eq!(ok("1.0040s"), S + 4_000_000);
        assert_eq!(ok("100.00100s"), 100 * S + 1_000_000);
        assert_eq!(ok("1.5h"), 90 * MIN);
        assert_eq!(ok(".5h"), 30 * MIN);
        assert_eq!(ok("1.h"), H);
        assert_eq!(ok("0.5ns"), 0);
        assert_eq!(ok("1.0000000001ns"), 1);
        // float64 truncation, exactly as Go: 9999999999950 * (1000 / 1e13).
        assert_eq!(ok("123.9999999999950us"), 123_999);
        assert_eq!(ok("0.3333333333333333333h"), 20 * MIN);
        // Extra fraction digits past the precision limit are consumed and
        // ignored.
        assert_eq!(ok("0.100000000000000000000h"), 6 * MIN);
        assert_eq!(ok("0.830103483285477580700h"), 49 * MIN + 48_372_539_827);
    }

    #[test]
    fn parses_compound_values() {
        assert_eq!(ok("3h30m"), 3 * H + 30 * MIN);
        assert_eq!(ok("10.5s4m"), 4 * MIN + 10 * S + S / 2);
        assert_eq!(ok("-2m3.4s"), -(2 * MIN + 3 * S + 400_000_000));
        assert_eq!(ok("1h2m3s4ms5us6ns"), H + 2 * MIN + 3 * S + 4_005_006);
        assert_eq!(ok("39h9m14.425s"), 39 * H + 9 * MIN + 14 * S + 425_000_000);
        assert_eq!(ok("1ns1ns"), 2);
        assert_eq!(ok("15m1h"), H + 15 * MIN);
    }

    #[test]
    fn parses_extremes() {
        assert_eq!(ok("9223372036854775807ns"), i64::MAX);
        assert_eq!(ok("-9223372036854775808ns"), i64::MIN);
        assert_eq!(ok("9223372036854775.807us"), i64::MAX);
        assert_eq!(ok("9223372036s854ms775us807ns"), i64::MAX);
        assert_eq!(ok("2562047h47m16.854775807s"), i64::MAX);
        assert_eq!(ok("-2562047h47m16.854775808s"), i64::MIN);
        assert_eq!(ok("-9223372036854775.808us"), i64::MIN);
        assert_eq!(ok("2562047h"), 2_562_047 * H);
        // Large numbers of digits in the fraction are fine.
        assert_eq!(ok("0.9223372036854775807h"), 3_320_413_933_267);
        assert_eq!(ok("0.9223372036854775808h"), 3_320_413_933_267);
        assert_eq!(ok("0.9223372036854775809h"), 3_320_413_933_267);
    }

    #[test]
    fn overflow_is_invalid() {
        for s in [
            "9223372036854775808ns",
            "9223372036854775.808us",
            "9223372036854ms775us808ns",
            "2562048h",
            "2562047h47m16.854775808s",
            "-9223372036854775809ns",
            "99999999999999999999ns",
            "-99999999999999999999ns",
            "9223372036854775807ns1ns",
            "1ns9223372036854775807ns",
        ] {
            assert_eq!(err(s), format!("time: invalid duration \"{s}\""), "{s}");
        }
    }

    #[test]
    fn wraparound_quirk_matches_go() {
        // Go sums component magnitudes in uint64 and checks `> 1<<63` after
        // each step; two components of exactly 1<<63 wrap to 0 and pass.
        assert_eq!(ok("9223372036854775808ns9223372036854775808ns"), 0);
        assert_eq!(ok("-9223372036854775808ns9223372036854775808ns"), 0);
        assert_eq!(ok("9223372036854775808ns9223372036854775808ns5s"), 5 * S);
        // A single 1<<63 is only valid when negative.
        assert_eq!(ok("-9223372036854775808ns"), i64::MIN);
        err("9223372036854775808ns");
    }

    #[test]
    fn error_messages_match_go() {
        assert_eq!(err(""), r#"time: invalid duration """#);
        assert_eq!(err("3"), r#"time: missing unit in duration "3""#);
        assert_eq!(err("-"), r#"time: invalid duration "-""#);
        assert_eq!(err("+"), r#"time: invalid duration "+""#);
        assert_eq!(err("s"), r#"time: invalid duration "s""#);
        assert_eq!(err("."), r#"time: invalid duration ".""#);
        assert_eq!(err("-."), r#"time: invalid duration "-.""#);
        assert_eq!(err(".s"), r#"time: invalid duration ".s""#);
        assert_eq!(err("+.s"), r#"time: invalid duration "+.s""#);
        assert_eq!(err("1d"), r#"time: unknown unit "d" in duration "1d""#);
        assert_eq!(err("1.5"), r#"time: missing unit in duration "1.5""#);
        assert_eq!(err("1m1"), r#"time: missing unit in duration "1m1""#);
        assert_eq!(err("1h "), r#"time: unknown unit "h " in duration "1h ""#);
        assert_eq!(err(" 1h"), r#"time: invalid duration " 1h""#);
        assert_eq!(
            err("1 hour"),
            r#"time: unknown unit " hour" in duration "1 hour""#
        );
        assert_eq!(err("1H"), r#"time: unknown unit "H" in duration "1H""#);
        assert_eq!(err("1e3s"), r#"time: unknown unit "e" in duration "1e3s""#);
        assert_eq!(err("1hh"), r#"time: unknown unit "hh" in duration "1hh""#);
        assert_eq!(err("1..s"), r#"time: missing unit in duration "1..s""#);
        assert_eq!(err("--1s"), r#"time: invalid duration "--1s""#);
        assert_eq!(
            err("1_000s"),
            r#"time: unknown unit "_" in duration "1_000s""#
        );
    }

    #[test]
    fn error_kinds() {
        let e = parse("1x").unwrap_err();
        assert_eq!(e.kind, DurationErrorKind::UnknownUnit("x".into()));
        assert_eq!(e.input, "1x");
        assert_eq!(
            parse("90").unwrap_err().kind,
            DurationErrorKind::MissingUnit
        );
        assert_eq!(parse("x").unwrap_err().kind, DurationErrorKind::Invalid);
        let boxed: Box<dyn std::error::Error> = Box::new(e);
        assert_eq!(
            boxed.to_string(),
            r#"time: unknown unit "x" in duration "1x""#
        );
    }

    #[test]
    fn error_messages_quote_like_go() {
        // Go's time.quote escapes each byte of non-ASCII or control
        // characters, and backslash-escapes quotes and backslashes.
        assert_eq!(
            err("3\u{b5}x"),
            r#"time: unknown unit "\xc2\xb5x" in duration "3\xc2\xb5x""#
        );
        assert_eq!(
            err("\u{ff11}h"),
            r#"time: invalid duration "\xef\xbc\x91h""#
        );
        assert_eq!(
            err("1\"s"),
            r#"time: unknown unit "\"s" in duration "1\"s""#
        );
        assert_eq!(
            err("1\\s"),
            r#"time: unknown unit "\\s" in duration "1\\s""#
        );
        assert_eq!(
            err("1\ts"),
            r#"time: unknown unit "\x09s" in duration "1\x09s""#
        );
        assert_eq!(
            err("1\u{7f}"),
            "time: unknown unit \"\u{7f}\" in duration \"1\u{7f}\""
        );
        assert_eq!(
            err("1\u{fffd}"),
            r#"time: unknown unit "\xef\xbf\xbd" in duration "1\xef\xbf\xbd""#
        );
    }

    #[test]
    fn canonical_matches_go_string() {
        let cases: &[(i64, &str)] = &[
            (0, "0s"),
            (1, "1ns"),
            (1_100, "1.1\u{b5}s"),
            (1_000, "1\u{b5}s"),
            (2_200_000, "2.2ms"),
            (500_000_000, "500ms"),
            (3_300 * 1_000_000, "3.3s"),
            (S + S / 2, "1.5s"),
            (4 * MIN + 5 * S, "4m5s"),
            (4 * MIN + 5_001 * 1_000_000, "4m5.001s"),
            (5 * H + 6 * MIN + 7_001 * 1_000_000, "5h6m7.001s"),
            (8 * MIN + 1, "8m0.000000001s"),
            (H, "1h0m0s"),
            (H + 30 * MIN, "1h30m0s"),
            (-H, "-1h0m0s"),
            (-1, "-1ns"),
            (-1_500, "-1.5\u{b5}s"),
            (999_999_999, "999.999999ms"),
            (999_999, "999.999\u{b5}s"),
            (999, "999ns"),
            (S, "1s"),
            (MIN, "1m0s"),
            (i64::MAX, "2562047h47m16.854775807s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
            (i64::MIN + 1, "-2562047h47m16.854775807s"),
        ];
        for &(nanos, want) in cases {
            assert_eq!(GoDuration(nanos).canonical(), want, "{nanos}");
            assert_eq!(GoDuration(nanos).to_string(), want, "{nanos}");
        }
    }

    #[test]
    fn canonical_round_trips() {
        for nanos in [
            0,
            1,
            -1,
            999,
            1_000,
            123_456_789,
            61 * S,
            25 * H + 1,
            i64::MAX,
            i64::MIN,
        ] {
            let d = GoDuration(nanos);
            assert_eq!(parse(&d.canonical()), Ok(d), "{nanos}");
        }
    }

    #[test]
    fn helpers() {
        assert_eq!(GoDuration::ZERO, GoDuration(0));
        assert!(GoDuration::ZERO.is_zero());
        assert!(!GoDuration(1).is_zero());
        assert!(GoDuration(-1).is_negative());
        assert!(!GoDuration::ZERO.is_negative());
        assert_eq!(GoDuration::from_secs(90), GoDuration(90 * S));
        assert_eq!(GoDuration::from_mins(90), GoDuration(90 * MIN));
        assert_eq!(GoDuration::from_hours(-2), GoDuration(-2 * H));
        assert_eq!(GoDuration::from_hours(i64::MAX), GoDuration(i64::MAX));
        assert_eq!(GoDuration::from_secs(i64::MIN), GoDuration(i64::MIN));
        assert_eq!(GoDuration(7).nanos(), 7);
        assert_eq!(
            GoDuration(i64::MAX).saturating_add(GoDuration(1)),
            GoDuration(i64::MAX)
        );
        assert_eq!(GoDuration(2).saturating_add(GoDuration(3)), GoDuration(5));
        assert_eq!(
            GoDuration(2).checked_sub(GoDuration(3)),
            Some(GoDuration(-1))
        );
        assert_eq!(GoDuration(i64::MIN).checked_sub(GoDuration(1)), None);
        assert_eq!(GoDuration(H).checked_mul(3), Some(GoDuration(3 * H)));
        assert_eq!(GoDuration(H).checked_mul(i64::MAX), None);
        assert!(GoDuration(MIN) < GoDuration(H));
        assert_eq!(GoDuration::from_hours(1).canonical(), "1h0m0s");
    }

    fn fixed(s: &str) -> Option<String> {
        let out = repair(s);
        if let Some(f) = &out {
            assert!(parse(f).is_ok(), "repair({s:?}) = {f:?} does not parse");
        }
        out
    }

    #[test]
    fn repair_whitespace() {
        assert_eq!(fixed("1h 30m").as_deref(), Some("1h30m"));
        assert_eq!(fixed("1 h").as_deref(), Some("1h"));
        assert_eq!(fixed(" 1h").as_deref(), Some("1h"));
        assert_eq!(fixed("1h ").as_deref(), Some("1h"));
        assert_eq!(fixed("\t1h\n").as_deref(), Some("1h"));
        assert_eq!(fixed("- 1h 30m").as_deref(), Some("-1h30m"));
        assert_eq!(fixed("+1 h").as_deref(), Some("+1h"));
        assert_eq!(fixed("1.5 s").as_deref(), Some("1.5s"));
        assert_eq!(fixed("500 \u{b5}s").as_deref(), Some("500\u{b5}s"));
    }

    #[test]
    fn repair_words() {
        assert_eq!(fixed("2 hours").as_deref(), Some("2h"));
        assert_eq!(fixed("1 hour").as_deref(), Some("1h"));
        assert_eq!(fixed("1 hour 30 minutes").as_deref(), Some("1h30m"));
        assert_eq!(fixed("30 mins").as_deref(), Some("30m"));
        assert_eq!(fixed("1min").as_deref(), Some("1m"));
        assert_eq!(fixed("45 sec").as_deref(), Some("45s"));
        assert_eq!(fixed("45 seconds").as_deref(), Some("45s"));
        assert_eq!(fixed("45 secs").as_deref(), Some("45s"));
        assert_eq!(fixed("1sec").as_deref(), Some("1s"));
        assert_eq!(fixed("500 millis").as_deref(), Some("500ms"));
        assert_eq!(fixed("500 milliseconds").as_deref(), Some("500ms"));
        assert_eq!(fixed("10 microseconds").as_deref(), Some("10us"));
        assert_eq!(fixed("10 nanoseconds").as_deref(), Some("10ns"));
        assert_eq!(fixed("1hr").as_deref(), Some("1h"));
        assert_eq!(fixed("2hrs").as_deref(), Some("2h"));
        assert_eq!(fixed("1hour").as_deref(), Some("1h"));
        assert_eq!(fixed("2 Hours").as_deref(), Some("2h"));
        assert_eq!(fixed("2 HOURS 5 MINUTES").as_deref(), Some("2h5m"));
        assert_eq!(fixed("1.5 hours").as_deref(), Some("1.5h"));
    }

    #[test]
    fn repair_upper_case() {
        assert_eq!(fixed("1H").as_deref(), Some("1h"));
        assert_eq!(fixed("10S").as_deref(), Some("10s"));
        assert_eq!(fixed("1H30m").as_deref(), Some("1h30m"));
        assert_eq!(fixed("30M"), None);
        assert_eq!(fixed("1H30M"), None);
        assert_eq!(fixed("500MS"), None);
        assert_eq!(fixed("1Ms"), None);
    }

    #[test]
    fn repair_days_and_weeks() {
        assert_eq!(fixed("1d").as_deref(), Some("24h"));
        assert_eq!(fixed("2d12h").as_deref(), Some("60h"));
        assert_eq!(fixed("1w").as_deref(), Some("168h"));
        assert_eq!(fixed("1w2d").as_deref(), Some("216h"));
        assert_eq!(fixed("1.5d").as_deref(), Some("36h"));
        assert_eq!(fixed("0.1d").as_deref(), Some("2.4h"));
        assert_eq!(fixed("2 days").as_deref(), Some("48h"));
        assert_eq!(fixed("1 week").as_deref(), Some("168h"));
        assert_eq!(fixed("1d30m").as_deref(), Some("24h30m"));
        assert_eq!(fixed("30m1d").as_deref(), Some("24h30m"));
        assert_eq!(fixed("-1d").as_deref(), Some("-24h"));
        assert_eq!(fixed("0d").as_deref(), Some("0h"));
        // Too large for a Go duration.
        assert_eq!(fixed("1000000d"), None);
        // Found by fuzzing (fuzz/ target `duration`, first the input below): a fraction of
        // more than 38 digits made 10^digits overflow u128 while the hours were written out.
        let found = "0.0000000000000000000000000000000000222h000000000.\
                     0000000000000000000000000000000000000000000000000000000000000w";
        let hours = format!("0.{}222h", "0".repeat(34));
        assert_eq!(fixed(found), Some(hours));
        // Too fine to be added to the other hours exactly (10^scale past u128): no repair,
        // and no panic.
        assert_eq!(fixed(&format!("0.{}w", "0".repeat(39))), None);
        assert_eq!(fixed(&format!("0.{}1d", "0".repeat(45))), None);
    }

    #[test]
    fn repair_refuses_the_rest() {
        for s in [
            "",
            " ",
            "90",
            "60",
            " 90 ",
            "1h30",
            "1h 30",
            "abc",
            "1x",
            "1 month",
            "1y",
            "1mo",
            "1,5h",
            "1_000s",
            "1e3s",
            "\u{ff11}h",
            "h",
            "1..5h",
            "-",
            "--1h",
            "1h-30m",
            "1 hour and 30 minutes",
            "1h, 30m",
        ] {
            assert_eq!(repair(s), None, "{s:?}");
        }
    }

    #[test]
    fn repair_leaves_valid_input_alone() {
        for s in ["1h", "1h30m", "0", "-0", "+5s", "1.5h", "300ms", "2562047h"] {
            assert_eq!(repair(s), None, "{s:?}");
        }
    }
}
