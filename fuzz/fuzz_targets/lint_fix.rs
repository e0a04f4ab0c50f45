//! A whole file linted and fixed: never panics; every span and edit lies inside its file
//! on char boundaries; the fixer's output parses when the input did, and fixing it again
//! changes nothing. The first line of the input names the file (it decides, say, whether
//! it is a Pipelines-as-Code run).
#![no_main]

use cutoff_core::config::Config;
use cutoff_core::lint::{fix_texts, lint_texts};
use cutoff_core::yaml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let (name, text) = input.split_once('\n').unwrap_or(("f.yaml", input));
    let path = match name.trim() {
        n if n.ends_with(".yaml") && n.len() < 80 && !n.contains('\0') => n,
        _ => ".tekton/f.yaml",
    };
    let mut config = Config::default();
    config.select = Some(vec!["ALL".to_string()]);
    let files = [(path, text)];
    let (_, diags) = lint_texts(&files, &config);
    let ok = |at: usize| at <= text.len() && text.is_char_boundary(at);
    for d in &diags {
        assert!(ok(d.span.start) && ok(d.span.end) && d.span.start <= d.span.end);
        for l in &d.labels {
            assert!(ok(l.span.start) && ok(l.span.end));
        }
        if let Some(f) = &d.fix {
            for e in &f.edits {
                assert!(ok(e.start) && ok(e.end) && e.start <= e.end);
            }
        }
    }
    let parsed = yaml::parse(text).first_error().is_none();
    let once = fix_texts(&files, &config, true);
    let fixed = once.project.files[0].text.to_string();
    if parsed {
        assert!(
            yaml::parse(&fixed).first_error().is_none(),
            "the fix broke:\n{text}\n---\n{fixed}"
        );
    }
    let twice = fix_texts(&[(path, fixed.as_str())], &config, true);
    assert_eq!(
        &*twice.project.files[0].text,
        fixed.as_str(),
        "fixing twice differs"
    );
});
