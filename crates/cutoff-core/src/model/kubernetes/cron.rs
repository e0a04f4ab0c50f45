//! CronJob schedules, read exactly as the API server reads them (`cron.ParseStandard` of
//! robfig/cron v3, docs/kubernetes-timeouts.md): five fields (minute, hour, day of month,
//! month, day of week) with `*`, `?`, lists, ranges, steps and month/day names; the
//! descriptors `@yearly`/`@annually`, `@monthly`, `@weekly`, `@daily`/`@midnight`,
//! `@hourly` and `@every <Go duration>`; an optional `TZ=`/`CRON_TZ=` prefix (which the
//! API server then rejects: CRON004). And the shortest interval between two runs.

use crate::duration;

/// Bit 63 marks a field written as `*` or `?` (it changes how day of month and day of week
/// combine).
const STAR: u64 = 1 << 63;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Bounds {
    min: u32,
    max: u32,
    names: &'static [(&'static str, u32)],
}

const MINUTES: Bounds = Bounds {
    min: 0,
    max: 59,
    names: &[],
};
const HOURS: Bounds = Bounds {
    min: 0,
    max: 23,
    names: &[],
};
const DOM: Bounds = Bounds {
    min: 1,
    max: 31,
    names: &[],
};
const MONTHS: Bounds = Bounds {
    min: 1,
    max: 12,
    names: &[
        ("jan", 1),
        ("feb", 2),
        ("mar", 3),
        ("apr", 4),
        ("may", 5),
        ("jun", 6),
        ("jul", 7),
        ("aug", 8),
        ("sep", 9),
        ("oct", 10),
        ("nov", 11),
        ("dec", 12),
    ],
};
const DOW: Bounds = Bounds {
    min: 0,
    max: 6,
    names: &[
        ("sun", 0),
        ("mon", 1),
        ("tue", 2),
        ("wed", 3),
        ("thu", 4),
        ("fri", 5),
        ("sat", 6),
    ],
};

/// A parsed schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// Five fields (descriptors other than `@every` are five fields too), as bit sets.
    Fields {
        minute: u64,
        hour: u64,
        dom: u64,
        month: u64,
        dow: u64,
    },
    /// `@every <duration>`: a fixed delay, in whole seconds (at least 1).
    Every(u64),
}

/// Why a schedule does not parse (robfig/cron's wording).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CronError(pub String);

impl std::fmt::Display for CronError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(s: impl Into<String>) -> Result<T, CronError> {
    Err(CronError(s.into()))
}

/// Splits a `TZ=Zone ` / `CRON_TZ=Zone ` prefix off: (zone, rest).
pub fn tz_prefix(spec: &str) -> Option<(&str, &str)> {
    if !(spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=")) {
        return None;
    }
    let space = spec.find(' ')?;
    let eq = spec.find('=')?;
    Some((&spec[eq + 1..space], spec[space..].trim()))
}

/// Parses a schedule as `cron.ParseStandard` does.
pub fn parse(spec: &str) -> Result<Schedule, CronError> {
    if spec.is_empty() {
        return err("empty spec string");
    }
    let mut spec = spec;
    if spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=") {
        match tz_prefix(spec) {
            Some((_, rest)) => spec = rest,
            None => return err(format!("no schedule after the time zone in {spec:?}")),
        }
    }
    if spec.starts_with('@') {
        return descriptor(spec);
    }
    let fields: Vec<&str> = spec.split_whitespace().collect();
    if fields.len() != 5 {
        return err(format!(
            "expected exactly 5 fields, found {}: [{}]",
            fields.len(),
            fields.join(" ")
        ));
    }
    Ok(Schedule::Fields {
        minute: field(fields[0], MINUTES)?,
        hour: field(fields[1], HOURS)?,
        dom: field(fields[2], DOM)?,
        month: field(fields[3], MONTHS)?,
        dow: field(fields[4], DOW)?,
    })
}

fn all(b: Bounds) -> u64 {
    bits(b.min, b.max, 1) | STAR
}

fn descriptor(spec: &str) -> Result<Schedule, CronError> {
    let one = |b: Bounds| 1u64 << b.min;
    let (minute, hour) = (one(MINUTES), one(HOURS));
    let f = |hour, dom, month, dow| Schedule::Fields {
        minute,
        hour,
        dom,
        month,
        dow,
    };
    Ok(match spec {
        "@yearly" | "@annually" => f(hour, one(DOM), one(MONTHS), all(DOW)),
        "@monthly" => f(hour, one(DOM), all(MONTHS), all(DOW)),
        "@weekly" => f(hour, all(DOM), all(MONTHS), one(DOW)),
        "@daily" | "@midnight" => f(hour, all(DOM), all(MONTHS), all(DOW)),
        "@hourly" => f(all(HOURS), all(DOM), all(MONTHS), all(DOW)),
        _ => {
            let Some(d) = spec.strip_prefix("@every ") else {
                return err(format!("unrecognized descriptor: {spec}"));
            };
            let d = duration::parse(d)
                .map_err(|e| CronError(format!("failed to parse duration {spec}: {e}")))?;
            // robfig/cron's Every: at least one second, truncated to whole seconds.
            let secs = d.nanos().div_euclid(1_000_000_000);
            Schedule::Every(secs.max(1) as u64)
        }
    })
}

fn field(text: &str, b: Bounds) -> Result<u64, CronError> {
    let mut out = 0;
    for expr in text.split(',').filter(|e| !e.is_empty()) {
        out |= range(expr, b)?;
    }
    Ok(out)
}

fn number(expr: &str) -> Result<u32, CronError> {
    // Go's strconv.Atoi: an optional sign, then decimal digits.
    let digits = expr.strip_prefix(['+', '-']).unwrap_or(expr);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return err(format!(
            "failed to parse int from {expr}: strconv.Atoi: parsing {expr:?}: invalid syntax"
        ));
    }
    let n: i64 = expr
        .parse()
        .map_err(|_| CronError(format!("failed to parse int from {expr}: out of range")))?;
    if n < 0 {
        return err(format!("negative number ({n}) not allowed: {expr}"));
    }
    u32::try_from(n).map_err(|_| CronError(format!("number out of range: {expr}")))
}

fn number_or_name(expr: &str, b: Bounds) -> Result<u32, CronError> {
    let lower = expr.to_ascii_lowercase();
    if let Some((_, n)) = b.names.iter().find(|(name, _)| *name == lower) {
        return Ok(*n);
    }
    number(expr)
}

fn range(expr: &str, b: Bounds) -> Result<u64, CronError> {
    let range_and_step: Vec<&str> = expr.split('/').collect();
    let low_high: Vec<&str> = range_and_step[0].split('-').collect();
    let single = low_high.len() == 1;
    let (start, mut end, mut extra);
    if low_high[0] == "*" || low_high[0] == "?" {
        start = b.min;
        end = b.max;
        extra = STAR;
    } else {
        start = number_or_name(low_high[0], b)?;
        end = match low_high.len() {
            1 => start,
            2 => number_or_name(low_high[1], b)?,
            _ => return err(format!("too many hyphens: {expr}")),
        };
        extra = 0;
    }
    let step = match range_and_step.len() {
        1 => 1,
        2 => {
            let step = number(range_and_step[1])?;
            // `N/step` means `N-max/step`.
            if single {
                end = b.max;
            }
            if step > 1 {
                extra = 0;
            }
            step
        }
        _ => return err(format!("too many slashes: {expr}")),
    };
    if start < b.min {
        return err(format!(
            "beginning of range ({start}) below minimum ({}): {expr}",
            b.min
        ));
    }
    if end > b.max {
        return err(format!(
            "end of range ({end}) above maximum ({}): {expr}",
            b.max
        ));
    }
    if start > end {
        return err(format!(
            "beginning of range ({start}) beyond end of range ({end}): {expr}"
        ));
    }
    if step == 0 {
        return err(format!("step of range should be a positive number: {expr}"));
    }
    Ok(bits(start, end, step) | extra)
}

fn bits(min: u32, max: u32, step: u32) -> u64 {
    let mut out = 0;
    let mut i = min;
    while i <= max {
        out |= 1 << i;
        // A step near u32::MAX must end the loop, not wrap back to the start.
        let Some(next) = i.checked_add(step) else {
            break;
        };
        i = next;
    }
    out
}

/// (year, month 1–12, day 1–31) of the day `z` days after 1970-01-01 (proleptic Gregorian).
fn civil(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days in a full Gregorian cycle: dates and weekdays repeat after it.
const CYCLE_DAYS: i64 = 146_097;
/// 2000-01-01, a Saturday, as days since 1970-01-01.
const CYCLE_START: i64 = 10_957;

impl Schedule {
    /// Does the schedule run on this day (robfig/cron's `dayMatches`: day of month and day
    /// of week must both match when either is `*`, else either may)?
    fn runs_on(&self, day: i64) -> bool {
        let Schedule::Fields {
            dom, month, dow, ..
        } = *self
        else {
            return true;
        };
        let (_, m, d) = civil(day);
        let weekday = (day + 4).rem_euclid(7) as u32; // 1970-01-01 was a Thursday
        if month & (1 << m) == 0 {
            return false;
        }
        let dom_match = dom & (1 << d) != 0;
        let dow_match = dow & (1 << weekday) != 0;
        if dom & STAR != 0 || dow & STAR != 0 {
            dom_match && dow_match
        } else {
            dom_match || dow_match
        }
    }

    /// Does the schedule run on every day (no day, month or weekday restriction)?
    fn every_day(&self) -> bool {
        let Schedule::Fields {
            dom, month, dow, ..
        } = *self
        else {
            return true;
        };
        let all_dom = bits(DOM.min, DOM.max, 1);
        let all_months = bits(MONTHS.min, MONTHS.max, 1);
        let all_dow = bits(DOW.min, DOW.max, 1);
        month & all_months == all_months && dom & all_dom == all_dom && dow & all_dow == all_dow
    }

    /// The shortest time between two consecutive runs, in seconds, on a clock without
    /// daylight-saving shifts; `None` when the schedule never runs (`0 0 30 2 *`).
    pub fn shortest_interval(&self) -> Option<u64> {
        let Schedule::Fields { minute, hour, .. } = *self else {
            let Schedule::Every(s) = *self else {
                unreachable!()
            };
            return Some(s);
        };
        let mut times: Vec<i64> = Vec::new();
        for h in 0..24 {
            if hour & (1 << h) == 0 {
                continue;
            }
            for m in 0..60 {
                if minute & (1 << m) != 0 {
                    times.push(h * 60 + m);
                }
            }
        }
        let (first, last) = (*times.first()?, *times.last()?);
        let mut best = times.windows(2).map(|w| w[1] - w[0]).min();
        if self.every_day() {
            let next_day = 1440 + first - last;
            return Some(best.map_or(next_day, |b| b.min(next_day)) as u64 * 60);
        }
        let mut first_day: Option<i64> = None;
        let mut prev_day: Option<i64> = None;
        for day in CYCLE_START..CYCLE_START + CYCLE_DAYS {
            if !self.runs_on(day) {
                continue;
            }
            if let Some(p) = prev_day {
                let gap = (day - p) * 1440 + first - last;
                best = Some(best.map_or(gap, |b| b.min(gap)));
            }
            first_day.get_or_insert(day);
            prev_day = Some(day);
        }
        let (f, p) = (first_day?, prev_day?);
        // From the last run of the cycle to the first of the next one.
        let wrap = (f + CYCLE_DAYS - p) * 1440 + first - last;
        let best = best.map_or(wrap, |b| b.min(wrap));
        Some(best as u64 * 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interval(s: &str) -> Option<u64> {
        parse(s).unwrap().shortest_interval()
    }

    #[test]
    fn intervals() {
        assert_eq!(interval("*/5 * * * *"), Some(300));
        assert_eq!(interval("* * * * *"), Some(60));
        assert_eq!(interval("0 2 * * *"), Some(86_400));
        assert_eq!(interval("15,45 * * * *"), Some(1800));
        assert_eq!(interval("* */3 * * *"), Some(60));
        assert_eq!(interval("0 */6 * * *"), Some(6 * 3600));
        assert_eq!(interval("0 1,13 * * *"), Some(12 * 3600));
        assert_eq!(interval("0 0,4 * * *"), Some(4 * 3600));
        assert_eq!(interval("30 11 * * 1"), Some(7 * 86_400));
        assert_eq!(interval("0 9 * * MON-FRI"), Some(86_400));
        assert_eq!(interval("0 0 1 * *"), Some(28 * 86_400));
        assert_eq!(interval("0 0 29 2 *"), Some(1461 * 86_400));
        assert_eq!(interval("0 0 30 2 *"), None);
        // Neither day field is `*`: either may match (the 31st, then Monday the 1st).
        assert_eq!(interval("0 0 31 * 1"), Some(86_400));
        // `*/1` keeps the star; `1-31/1` does not, but covers every day.
        assert_eq!(interval("0 0 */2 * *"), Some(86_400));
        assert_eq!(interval("0 0 1-31/2 * 0"), Some(86_400));
        assert_eq!(interval("5-10/5 * * * *"), Some(300));
        assert_eq!(interval("0/1 * * * *"), Some(60));
        assert_eq!(interval("59 23 31 DEC ?"), Some(365 * 86_400));
        // A step so large that adding it to the start overflowed u32: a panic in debug
        // builds, an endless loop in release ones. As in robfig/cron, only the start is set.
        assert_eq!(interval("1/4294967295 * * * *"), Some(3600));
        assert_eq!(interval("0 23/4294967290 * * *"), Some(86_400));
    }

    #[test]
    fn descriptors() {
        assert_eq!(interval("@hourly"), Some(3600));
        assert_eq!(interval("@daily"), Some(86_400));
        assert_eq!(interval("@midnight"), Some(86_400));
        assert_eq!(interval("@weekly"), Some(7 * 86_400));
        assert_eq!(interval("@monthly"), Some(28 * 86_400));
        assert_eq!(interval("@yearly"), Some(365 * 86_400));
        assert_eq!(interval("@annually"), Some(365 * 86_400));
        assert_eq!(interval("@every 90m"), Some(5400));
        assert_eq!(interval("@every 1500ms"), Some(1));
        assert_eq!(interval("@every 10ms"), Some(1));
        assert!(parse("@every 1 hour").is_err());
        assert!(parse("@reboot").is_err());
        assert!(parse("@daily ").is_err());
    }

    #[test]
    fn rejections() {
        for bad in [
            "",
            "* * * *",
            "* * * * * *",
            "60 * * * *",
            "* 24 * * *",
            "* * 0 * *",
            "* * * 13 *",
            "* * * * 7",
            "*/0 * * * *",
            "5-1 * * * *",
            "1-2-3 * * * *",
            "1/2/3 * * * *",
            "a * * * *",
            "* * * * MONDAY",
            "L * * * *",
            "TZ=UTC",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
        assert_eq!(
            parse("* * * * * *").unwrap_err().0,
            "expected exactly 5 fields, found 6: [* * * * * *]"
        );
        assert_eq!(
            parse("* * * * 7").unwrap_err().0,
            "end of range (7) above maximum (6): 7"
        );
    }

    #[test]
    fn time_zone_prefix() {
        assert_eq!(
            tz_prefix("CRON_TZ=Europe/Paris 0 2 * * *"),
            Some(("Europe/Paris", "0 2 * * *"))
        );
        assert_eq!(interval("TZ=UTC 0 2 * * *"), Some(86_400));
        assert_eq!(tz_prefix("0 2 * * *"), None);
    }

    #[test]
    fn calendar() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(CYCLE_START), (2000, 1, 1));
        assert_eq!(civil(CYCLE_START + 59), (2000, 2, 29));
        assert_eq!((CYCLE_START + 4).rem_euclid(7), 6); // Saturday
    }
}
