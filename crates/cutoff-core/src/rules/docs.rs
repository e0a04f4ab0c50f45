//! Documentation generated from the rules' metadata: the README's rules table and the
//! header line of every `rules/<CODE>.md`. A test fails when the checked-in files drift
//! from what these functions produce (`CUTOFF_BLESS=1 cargo test --test docs` rewrites them).

use super::Rule;

/// The line under a rule page's title: `Severity: warning · Fix: unsafe · Default: on`.
pub fn header_line(rule: &Rule) -> String {
    format!(
        "Severity: {} · Fix: {} · Default: {}",
        rule.severity,
        rule.fix.as_str(),
        if rule.enabled_by_default { "on" } else { "off" }
    )
}

/// The README's rules table (Markdown), one row per rule in code order.
pub fn readme_table(rules: &[&Rule]) -> String {
    let mut s = String::from(
        "| code | name | severity | fix | default | summary |\n|---|---|---|---|---|---|\n",
    );
    for r in rules {
        s.push_str(&format!(
            "| [{code}](rules/{code}.md) | {} | {} | {} | {} | {} |\n",
            r.name,
            r.severity,
            r.fix.as_str(),
            if r.enabled_by_default { "on" } else { "off" },
            r.summary.replace('|', "\\|"),
            code = r.code,
        ));
    }
    s
}
