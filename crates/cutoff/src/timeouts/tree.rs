//! The tree `cutoff timeouts` prints: one node per budget, task, step or Job field, with
//! the findings that concern it marked by code.

use cutoff_core::diagnostic::Diagnostic;
use cutoff_core::model::Loc;
use cutoff_core::project::Project;

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
    pub fn mark<'d>(
        &mut self,
        project: &Project,
        diags: &'d [Diagnostic],
        found: &mut Vec<(String, &'d Diagnostic)>,
    ) {
        for d in diags {
            let line = project.file(&d.path).map(|f| f.line_col(d.span.start).0);
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
            c.mark(project, diags, found);
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
