//! The tree `cutoff timeouts` prints: one node per budget, task, step or Job field, with
//! the findings that concern it marked by code.

use std::collections::HashMap;

use cutoff_core::diagnostic::Diagnostic;
use cutoff_core::model::Loc;
use cutoff_core::project::Project;

/// The findings of a run by file, each with its position in the run's list and the line
/// it starts on: built once, so that marking a tree looks only at the findings of its own
/// files (a repository of 40,000 Jobs has tens of thousands of findings).
pub struct Findings<'d> {
    by_path: HashMap<&'d str, Vec<Finding<'d>>>,
}

/// A finding's position in the run's list, the finding, and the line it starts on.
type Finding<'d> = (usize, &'d Diagnostic, Option<usize>);

impl<'d> Findings<'d> {
    pub fn new(project: &Project, diags: &'d [Diagnostic]) -> Findings<'d> {
        let mut by_path: HashMap<&'d str, Vec<_>> = HashMap::new();
        for (i, d) in diags.iter().enumerate() {
            let line = project.file(&d.path).map(|f| f.line_col(d.span.start).0);
            by_path.entry(&*d.path).or_default().push((i, d, line));
        }
        Findings { by_path }
    }

    fn in_file(&self, path: &str) -> &[Finding<'d>] {
        self.by_path.get(path).map_or(&[], Vec::as_slice)
    }
}

/// One line of the tree.
pub struct Node {
    /// Stable id for JSON findings: `run`, `budget:tasks`, `task:build`, `step:build/compile`.
    pub id: String,
    pub text: String,
    /// Places this node stands for; a finding whose primary span falls in one is marked here.
    pub locs: Vec<Loc>,
    pub marks: Vec<&'static str>,
    pub children: Vec<Node>,
}

impl Node {
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Node {
        Node {
            id: id.into(),
            text: text.into(),
            locs: Vec::new(),
            marks: Vec::new(),
            children: Vec::new(),
        }
    }

    pub fn at(mut self, loc: Option<&Loc>) -> Node {
        if let Some(l) = loc {
            self.locs.push(l.clone());
        }
        self
    }

    pub fn child(mut self, c: Node) -> Node {
        self.children.push(c);
        self
    }

    /// Marks findings; returns (node id, diagnostic) pairs for JSON.
    /// A finding belongs to a node when its primary span overlaps one of the node's places
    /// or starts on the same line (a key and its value).
    pub fn mark<'d>(&mut self, findings: &Findings<'d>, found: &mut Vec<(String, &'d Diagnostic)>) {
        // Only the findings in the files of the node's places can belong to it; looked at
        // in their order, as the marks and `found` list them.
        let mut candidates: Vec<&Finding<'d>> = Vec::new();
        let mut paths: Vec<&str> = Vec::new();
        for l in &self.locs {
            if !paths.contains(&&*l.path) {
                paths.push(&l.path);
                candidates.extend(findings.in_file(&l.path));
            }
        }
        if paths.len() > 1 {
            candidates.sort_by_key(|(i, _, _)| *i);
        }
        for &&(_, d, line) in &candidates {
            let hit = self.locs.iter().any(|l| {
                *l.path == *d.path
                    && (l.span == d.span
                        || l.span.contains(d.span)
                        || d.span.contains(l.span)
                        || Some(l.line) == line)
            });
            if hit && !self.marks.contains(&d.code) {
                self.marks.push(d.code);
                found.push((self.id.clone(), d));
            }
        }
        for c in &mut self.children {
            c.mark(findings, found);
        }
    }

    pub fn write(&self, prefix: &str, last: bool, root: bool, out: &mut String) {
        let marks = if self.marks.is_empty() {
            String::new()
        } else {
            format!("  [{}]", self.marks.join(", "))
        };
        if root {
            out.push_str(&format!("{}{marks}\n", self.text));
        } else {
            out.push_str(&format!(
                "{prefix}{}{}{marks}\n",
                if last { "└─ " } else { "├─ " },
                self.text
            ));
        }
        let child_prefix = if root {
            String::new()
        } else {
            format!("{prefix}{}", if last { "   " } else { "│  " })
        };
        for (i, c) in self.children.iter().enumerate() {
            c.write(&child_prefix, i + 1 == self.children.len(), false, out);
        }
    }
}
