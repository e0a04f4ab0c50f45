//! How a timeout value reads: a valid duration, a template, a number, or garbage.

use crate::duration::{self, DurationError, GoDuration};
use crate::yaml::{NodeKind, NodeRef, ScalarStyle};

/// What kind of placeholder a templated value holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Templating {
    /// `{{ … }}`: Helm, Pipelines-as-Code, Argo.
    Braces,
    /// `${{ … }}`: GitHub Actions expressions.
    GithubExpr,
    /// `$(tt.params.x)`: substituted by Tekton Triggers when the template is used.
    TriggerParam,
    /// `$(params.x)`, `$(context.x)`, `$(tasks.x…)`: Tekton never substitutes these in a timeout.
    TektonVariable,
    /// A YAML alias (`*name`): cutoff does not expand aliases, so the value is unknown.
    Alias,
}

/// A timeout field's value, classified.
#[derive(Clone, Debug, PartialEq)]
pub enum DurationValue {
    /// A YAML string that Go's `time.ParseDuration` accepts.
    Valid(GoDuration),
    /// A placeholder filled in later; its value is unknown.
    Templated(Templating),
    /// An unquoted YAML number (`0`, `60`, `1.5`): rejected, the field must be a string.
    Number(String),
    /// A YAML string Go rejects.
    Invalid(DurationError),
    /// `~`, `null` or an empty value: the field is unset.
    Null,
    /// A mapping, sequence, boolean or alias: not a duration at all.
    NotAScalar,
}

impl DurationValue {
    pub fn valid(&self) -> Option<GoDuration> {
        match self {
            DurationValue::Valid(d) => Some(*d),
            _ => None,
        }
    }

    pub fn is_templated(&self) -> bool {
        matches!(self, DurationValue::Templated(_))
    }
}

/// Finds a template placeholder in a value's source text.
pub fn templating(raw: &str) -> Option<Templating> {
    if raw.contains("${{") {
        return Some(Templating::GithubExpr);
    }
    if raw.contains("{{") {
        return Some(Templating::Braces);
    }
    if let Some(i) = raw.find("$(") {
        let rest = &raw[i + 2..];
        return Some(if rest.starts_with("tt.params.") {
            Templating::TriggerParam
        } else {
            Templating::TektonVariable
        });
    }
    None
}

/// Plain scalars that YAML 1.2's core schema reads as numbers.
pub fn looks_like_yaml_number(s: &str) -> bool {
    let t = s.strip_prefix(['+', '-']).unwrap_or(s);
    if t.is_empty() {
        return false;
    }
    if let Some(hex) = t.strip_prefix("0x") {
        return !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    if let Some(oct) = t.strip_prefix("0o") {
        return !oct.is_empty() && oct.bytes().all(|b| (b'0'..=b'7').contains(&b));
    }
    if matches!(t, ".inf" | ".Inf" | ".INF") || matches!(s, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    // [0-9]*(\.[0-9]*)?([eE][-+]?[0-9]+)?, with at least one digit before the exponent
    let (mant, exp) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let (int, frac) = match mant.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (mant, None),
    };
    let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !frac.is_none_or(digits) {
        return false;
    }
    if int.is_empty() && frac.is_none_or(str::is_empty) {
        return false;
    }
    match exp {
        None => true,
        Some(e) => {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            !e.is_empty() && digits(e)
        }
    }
}

fn is_yaml_bool(s: &str) -> bool {
    matches!(s, "true" | "True" | "TRUE" | "false" | "False" | "FALSE")
}

/// Classifies a timeout value node. `src` is the whole file text (to see placeholders as written).
pub fn classify(node: NodeRef<'_>, src: &str) -> DurationValue {
    match node.kind() {
        NodeKind::Scalar { value, style, .. } => {
            let raw = src.get(node.span().range()).unwrap_or(value);
            if let Some(t) = templating(raw) {
                return DurationValue::Templated(t);
            }
            if style == ScalarStyle::Plain {
                if node.is_null() {
                    return DurationValue::Null;
                }
                if looks_like_yaml_number(value) {
                    return DurationValue::Number(value.to_string());
                }
                if is_yaml_bool(value) {
                    return DurationValue::NotAScalar;
                }
            }
            match duration::parse(value) {
                Ok(d) => DurationValue::Valid(d),
                Err(e) => DurationValue::Invalid(e),
            }
        }
        NodeKind::Mapping { .. } | NodeKind::Sequence { .. } => {
            // `timeout: {{ x }}` parses as a flow mapping: still a template.
            let raw = src.get(node.span().range()).unwrap_or("");
            match templating(raw) {
                Some(t) => DurationValue::Templated(t),
                None => DurationValue::NotAScalar,
            }
        }
        NodeKind::Alias { .. } => DurationValue::Templated(Templating::Alias),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        for s in [
            "0", "60", "-1", "1.5", ".5", "1e3", "0x1F", "0o17", "+3", ".inf",
        ] {
            assert!(looks_like_yaml_number(s), "{s}");
        }
        for s in ["1h", "0s", "", ".", "1e", "e3", "0x", "1.2.3", "1_000"] {
            assert!(!looks_like_yaml_number(s), "{s}");
        }
    }

    #[test]
    fn templates() {
        assert_eq!(templating("\"{{ timeout }}\""), Some(Templating::Braces));
        assert_eq!(templating("${{ inputs.t }}"), Some(Templating::GithubExpr));
        assert_eq!(templating("$(tt.params.t)"), Some(Templating::TriggerParam));
        assert_eq!(templating("$(params.t)"), Some(Templating::TektonVariable));
        assert_eq!(templating("1h"), None);
    }
}
