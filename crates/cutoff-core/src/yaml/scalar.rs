//! Writing string values back as YAML scalars.

use std::fmt::Write as _;

use super::ScalarStyle;

/// Writes `value` as a YAML scalar in `style`, for a replacement edit.
///
/// - `Plain` stays plain when [`plain_safe`], else falls back to double quotes;
/// - `SingleQuoted` doubles `'` (falls back to double quotes for values a single-quoted
///   scalar cannot hold: line breaks and other control characters);
/// - `DoubleQuoted` escapes `"`, `\` and non-printable characters;
/// - `Literal`/`Folded` are written double-quoted.
pub fn render_scalar(value: &str, style: ScalarStyle) -> String {
    match style {
        ScalarStyle::Plain if plain_safe(value) => value.to_owned(),
        ScalarStyle::SingleQuoted if !value.chars().any(needs_escape) => {
            let mut out = String::with_capacity(value.len() + 2);
            out.push('\'');
            for c in value.chars() {
                if c == '\'' {
                    out.push('\'');
                }
                out.push(c);
            }
            out.push('\'');
            out
        }
        _ => double_quoted(value),
    }
}

fn double_quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if needs_escape(c) => {
                let n = c as u32;
                // Writing to a String cannot fail.
                let _ = if n <= 0xFF {
                    write!(out, "\\x{n:02X}")
                } else {
                    write!(out, "\\u{n:04X}")
                };
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Characters that must be escaped (C0/C1 controls, DEL, BOM, line/paragraph separators;
/// tab is allowed in quoted scalars).
fn needs_escape(c: char) -> bool {
    (c < ' ' && c != '\t')
        || ('\u{7f}'..='\u{9f}').contains(&c)
        || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}')
}

/// Whether `value` written as a plain scalar reads back as a string equal to it, in any
/// context (block or flow) and under both YAML 1.2 and YAML 1.1 resolution (Kubernetes
/// tooling still uses 1.1 rules: `yes`, `on`, `0777`, `1:30`, timestamps).
///
/// Conservative: it may say "no" to some values that would in fact be safe.
pub fn plain_safe(value: &str) -> bool {
    let Some(first) = value.chars().next() else {
        return false;
    };
    if value.chars().any(|c| needs_escape(c) || c == '\t') {
        return false;
    }
    // Indicators that cannot start a plain scalar.
    if matches!(
        first,
        '[' | ']'
            | '{'
            | '}'
            | ','
            | '#'
            | '&'
            | '*'
            | '!'
            | '|'
            | '>'
            | '\''
            | '"'
            | '%'
            | '@'
            | '`'
            | '?'
            | ':'
            | ' '
    ) {
        return false;
    }
    if first == '-' && (value.len() == 1 || value[1..].starts_with([' ', '-'])) {
        return false;
    }
    if value.ends_with(' ') || value.ends_with(':') || value.starts_with("...") {
        return false;
    }
    // Flow indicators would end the scalar inside `{}`/`[]`; `: ` and ` #` end it anywhere.
    if value.contains([',', '[', ']', '{', '}']) || value.contains(": ") || value.contains(" #") {
        return false;
    }
    !resolves_to_non_string(value)
}

/// Whether a plain scalar with this text would be read as null, a bool, a number, a
/// timestamp or a special key (YAML 1.1 or 1.2; case-insensitive for words).
fn resolves_to_non_string(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf", "+.inf", "-.inf",
        ".nan", "=", "<<",
    ];
    if WORDS.iter().any(|w| w.eq_ignore_ascii_case(s)) {
        return true;
    }
    number_like(s) || timestamp_like(s)
}

/// Anything that starts like a number and uses only number characters (digits, hex digits,
/// `_ . : + -`, the `x`/`o` radix marks) - a superset of YAML 1.1 and 1.2 ints and floats,
/// sexagesimal numbers included. `1h`, `30m`, `1.5s` are not number-like.
fn number_like(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    let starts_numeric = match body {
        [d, ..] if d.is_ascii_digit() => true,
        [b'.', d, ..] if d.is_ascii_digit() => true,
        _ => false,
    };
    starts_numeric
        && body.iter().all(|&c| {
            c.is_ascii_hexdigit()
                || matches!(
                    c,
                    b'_' | b'.' | b':' | b'+' | b'-' | b'x' | b'X' | b'o' | b'O'
                )
        })
}

/// `YYYY-M...`: the start of a YAML 1.1 timestamp.
fn timestamp_like(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 5 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}
