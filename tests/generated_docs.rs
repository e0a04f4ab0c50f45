//! The documentation generated from the rules' metadata is what is checked in: the README's
//! rules table (between the `rules-table` markers) and the line under the title of every
//! `rules/<CODE>.md`. When a rule's metadata changes, run
//! `CUTOFF_BLESS=1 cargo test --test generated_docs` to rewrite them, and commit the result.

use std::path::PathBuf;

use cutoff_core::rules::{self, docs};

const BEGIN: &str = "<!-- rules-table:begin (generated from the rules' metadata; see tests/generated_docs.rs) -->\n";
const END: &str = "<!-- rules-table:end -->\n";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bless() -> bool {
    std::env::var_os("CUTOFF_BLESS").is_some()
}

#[test]
fn readme_rules_table_is_generated() {
    let path = root().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (Some(b), Some(e)) = (readme.find(BEGIN), readme.find(END)) else {
        panic!("README.md lacks the rules-table markers:\n{BEGIN}{END}");
    };
    let want = docs::readme_table(rules::all());
    let have = &readme[b + BEGIN.len()..e];
    if have != want {
        if bless() {
            let new = format!("{}{BEGIN}{want}{}", &readme[..b], &readme[e..]);
            std::fs::write(&path, new).unwrap();
            return;
        }
        panic!(
            "README.md's rules table is out of date; run `CUTOFF_BLESS=1 cargo test --test generated_docs`.\nwant:\n{want}\nhave:\n{have}"
        );
    }
}

#[test]
fn rule_page_headers_are_generated() {
    let mut stale = Vec::new();
    for rule in rules::all() {
        let path = root().join("rules").join(format!("{}.md", rule.code));
        let page = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<&str> = page.split('\n').collect();
        let want = docs::header_line(rule);
        // `# CODE name`, an empty line, then the generated line.
        assert!(
            lines.len() > 2 && lines[1].is_empty(),
            "rules/{}.md: the header line must be the third line",
            rule.code
        );
        if lines[2] != want {
            if bless() {
                lines[2] = &want;
                std::fs::write(&path, lines.join("\n")).unwrap();
            } else {
                stale.push(format!(
                    "rules/{}.md: want `{want}`, have `{}`",
                    rule.code, lines[2]
                ));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "run `CUTOFF_BLESS=1 cargo test --test generated_docs`:\n{}",
        stale.join("\n")
    );
}
