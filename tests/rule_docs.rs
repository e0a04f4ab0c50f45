//! Every registered rule has a page in `rules/`, in the fixed shape, and each page's
//! examples do what they say: every `yaml bad` block triggers the rule, every
//! `yaml good` block does not.

use cutoff_core::config::Config;
use cutoff_core::lint::lint_texts;
use cutoff_core::rules;

struct Block {
    kind: String,
    path: Option<String>,
    text: String,
    line: usize,
}

fn blocks(page: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut cur: Option<Block> = None;
    for (i, line) in page.lines().enumerate() {
        if let Some(b) = cur.as_mut() {
            if line.trim_start().starts_with("```") {
                out.push(cur.take().unwrap());
            } else {
                b.text.push_str(line);
                b.text.push('\n');
            }
            continue;
        }
        if let Some(info) = line.trim_start().strip_prefix("```") {
            let mut words = info.split_whitespace();
            let lang = words.next().unwrap_or("");
            let kind = words.next().unwrap_or("").to_string();
            let path = words
                .find_map(|w| w.strip_prefix("path="))
                .map(String::from);
            let kind = if lang == "yaml" { kind } else { String::new() };
            cur = Some(Block {
                kind,
                path,
                text: String::new(),
                line: i + 1,
            });
        }
    }
    out
}

#[test]
fn every_rule_has_a_page_in_shape() {
    for rule in rules::all() {
        let first = rule.doc.lines().next().unwrap_or("");
        assert_eq!(
            first,
            format!("# {} {}", rule.code, rule.name),
            "rules/{}.md must start with `# CODE name`",
            rule.code
        );
        for section in [
            "## What it does",
            "## Why it matters",
            "## Example",
            "## Fix",
        ] {
            assert!(
                rule.doc.contains(section),
                "rules/{}.md lacks the section {section:?}",
                rule.code
            );
        }
        let bs = blocks(rule.doc);
        if rule.code != "CUT002" {
            assert!(
                bs.iter().any(|b| b.kind == "bad"),
                "rules/{}.md has no `yaml bad` example",
                rule.code
            );
            assert!(
                bs.iter().any(|b| b.kind == "good"),
                "rules/{}.md has no `yaml good` example",
                rule.code
            );
        }
    }
}

#[test]
fn page_examples_trigger_or_stay_silent() {
    let mut failures = Vec::new();
    for rule in rules::all() {
        let bs = blocks(rule.doc);
        let mut config = match bs.iter().find(|b| b.kind == "config") {
            Some(b) => Config::parse(&b.text, "page config")
                .unwrap_or_else(|e| panic!("rules/{}.md config: {e}", rule.code)),
            None => Config::default(),
        };
        config.extend_select.push(rule.code.to_string());
        for b in bs.iter().filter(|b| b.kind == "bad" || b.kind == "good") {
            let path = b.path.clone().unwrap_or_else(|| "example.yaml".into());
            let (_, diags) = lint_texts(&[(&path, &b.text)], &config);
            let fired = diags.iter().any(|d| d.code == rule.code);
            if (b.kind == "bad") != fired {
                failures.push(format!(
                    "rules/{}.md:{}: `yaml {}` example {} (found: {:?})",
                    rule.code,
                    b.line,
                    b.kind,
                    if fired {
                        "triggers the rule"
                    } else {
                        "does not trigger the rule"
                    },
                    diags
                        .iter()
                        .map(|d| format!("{} {}", d.code, d.message))
                        .collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
