//! Checks `cutoff_core::duration` against a table produced by Go itself
//! (`time.ParseDuration` and `Duration.String()`), kept in `tests/data/go-durations.tsv`
//! (where it came from: `tests/data/README.md`).
//!
//! Format: a header line starting with `#`, then one row per input with three
//! tab-separated columns: the input as a Go-quoted string, the nanoseconds or
//! `error`, and Go's `String()` form (empty for errors).

use cutoff_core::duration::{parse, GoDuration};

const TABLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/go-durations.tsv");

/// Decodes a Go interpreted string literal (`strconv.Quote` output) into raw
/// bytes; `\xNN` and octal escapes may produce invalid UTF-8.
fn unquote_go(quoted: &str) -> Result<Vec<u8>, String> {
    let inner = quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .ok_or_else(|| format!("not a double-quoted string: {quoted}"))?;

    fn hex(chars: &mut std::str::Chars<'_>, n: usize) -> Result<u32, String> {
        let digits: String = chars.take(n).collect();
        if digits.len() != n {
            return Err(format!("short hex escape {digits:?}"));
        }
        u32::from_str_radix(&digits, 16).map_err(|e| format!("bad hex escape {digits:?}: {e}"))
    }

    let mut out = Vec::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let esc = chars.next().ok_or("trailing backslash")?;
        let simple = match esc {
            'a' => Some(0x07),
            'b' => Some(0x08),
            'f' => Some(0x0c),
            'n' => Some(b'\n'),
            'r' => Some(b'\r'),
            't' => Some(b'\t'),
            'v' => Some(0x0b),
            '\\' => Some(b'\\'),
            '"' => Some(b'"'),
            '\'' => Some(b'\''),
            _ => None,
        };
        if let Some(b) = simple {
            out.push(b);
            continue;
        }
        match esc {
            'x' => out.push(hex(&mut chars, 2)? as u8),
            'u' | 'U' => {
                let n = if esc == 'u' { 4 } else { 8 };
                let code = hex(&mut chars, n)?;
                let c = char::from_u32(code).ok_or_else(|| format!("bad code point {code:#x}"))?;
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
            '0'..='7' => {
                let rest: String = chars.by_ref().take(2).collect();
                let digits = format!("{esc}{rest}");
                let value = u32::from_str_radix(&digits, 8)
                    .ok()
                    .filter(|v| digits.len() == 3 && *v <= 0xff)
                    .ok_or_else(|| format!("bad octal escape \\{digits}"))?;
                out.push(value as u8);
            }
            other => return Err(format!("unknown escape \\{other}")),
        }
    }
    Ok(out)
}

#[test]
fn unquote_handles_go_escapes() {
    assert_eq!(unquote_go(r#""1h""#).unwrap(), b"1h");
    assert_eq!(unquote_go(r#""""#).unwrap(), b"");
    assert_eq!(
        unquote_go(r#""\"\\\t\n\r\a\b\f\v\'""#).unwrap(),
        b"\"\\\t\n\r\x07\x08\x0c\x0b'"
    );
    assert_eq!(unquote_go(r#""\xff1s""#).unwrap(), b"\xff1s");
    assert_eq!(unquote_go(r#""\377\000""#).unwrap(), b"\xff\x00");
    assert_eq!(unquote_go(r#""1\u00b5s""#).unwrap(), "1\u{b5}s".as_bytes());
    assert_eq!(
        unquote_go(r#""\U0001F600""#).unwrap(),
        "\u{1F600}".as_bytes()
    );
    assert_eq!(unquote_go("\"1\u{3bc}s\"").unwrap(), "1\u{3bc}s".as_bytes());
    assert!(unquote_go("1h").is_err());
    assert!(unquote_go(r#""\q""#).is_err());
}

#[test]
fn matches_go_table() {
    let table = std::fs::read_to_string(TABLE)
        .unwrap_or_else(|e| panic!("cannot read the Go duration table at {TABLE}: {e}"));

    let mut rows = 0usize;
    let mut valid = 0usize;
    let mut errors = 0usize;
    let mut non_utf8 = 0usize;
    let mut mismatches: Vec<String> = Vec::new();

    for (index, line) in table.lines().enumerate() {
        let line_no = index + 1;
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        rows += 1;
        let fields: Vec<&str> = line.split('\t').collect();
        let [quoted, nanos, canonical] = fields[..] else {
            mismatches.push(format!(
                "line {line_no}: expected 3 tab-separated columns, got {}: {line:?}",
                fields.len()
            ));
            continue;
        };
        let bytes = match unquote_go(quoted) {
            Ok(b) => b,
            Err(e) => {
                mismatches.push(format!("line {line_no}: cannot decode {quoted}: {e}"));
                continue;
            }
        };
        let expected: Result<(i64, &str), ()> = if nanos == "error" {
            Err(())
        } else {
            match nanos.parse::<i64>() {
                Ok(n) => Ok((n, canonical)),
                Err(e) => {
                    mismatches.push(format!("line {line_no}: bad nanoseconds {nanos:?}: {e}"));
                    continue;
                }
            }
        };

        let Ok(input) = String::from_utf8(bytes) else {
            // Our parser takes &str, so invalid UTF-8 cannot reach it; Go
            // must have rejected such an input (units are valid UTF-8).
            non_utf8 += 1;
            if expected.is_ok() {
                mismatches.push(format!(
                    "line {line_no}: {quoted} is not UTF-8 but Go accepted it as {nanos}"
                ));
            }
            continue;
        };

        match (parse(&input), expected) {
            (Ok(got), Ok((want_nanos, want_canonical))) => {
                valid += 1;
                if got != GoDuration(want_nanos) {
                    mismatches.push(format!(
                        "line {line_no}: {quoted}: got {}ns, Go says {want_nanos}ns",
                        got.nanos()
                    ));
                }
                let got_canonical = got.canonical();
                if got_canonical != want_canonical {
                    mismatches.push(format!(
                        "line {line_no}: {quoted}: canonical {got_canonical:?}, Go says {want_canonical:?}"
                    ));
                }
                // The canonical form must itself parse back to the same value.
                if parse(&got_canonical) != Ok(got) {
                    mismatches.push(format!(
                        "line {line_no}: {quoted}: canonical {got_canonical:?} does not round-trip"
                    ));
                }
            }
            (Err(e), Err(())) => {
                errors += 1;
                if !e.to_string().starts_with("time: ") {
                    mismatches.push(format!("line {line_no}: {quoted}: odd message {e}"));
                }
                if !canonical.is_empty() {
                    mismatches.push(format!(
                        "line {line_no}: {quoted}: error row has a canonical form {canonical:?}"
                    ));
                }
            }
            (Ok(got), Err(())) => mismatches.push(format!(
                "line {line_no}: {quoted}: parsed as {}ns ({}), Go says error",
                got.nanos(),
                got.canonical()
            )),
            (Err(e), Ok((want_nanos, _))) => mismatches.push(format!(
                "line {line_no}: {quoted}: {e}, Go says {want_nanos}ns"
            )),
        }
    }

    println!(
        "go-durations.tsv: {rows} rows: {valid} valid, {errors} errors, \
         {non_utf8} not UTF-8 (all errors in Go), {} mismatches",
        mismatches.len()
    );
    assert!(rows > 0, "{TABLE} has no data rows");
    if !mismatches.is_empty() {
        let shown: Vec<&str> = mismatches.iter().take(50).map(String::as_str).collect();
        panic!(
            "{} disagreements with Go over {rows} rows (first {} shown):\n{}",
            mismatches.len(),
            shown.len(),
            shown.join("\n")
        );
    }
}
