//! The input files of one run: their text, line index and parsed YAML stream, and a map
//! from the path shown to users to the file. Reporters and the fixer read files through
//! [`Sources`]; nothing here knows what a manifest is beyond the byte prefilter.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use crate::manifest;
use crate::yaml::{self, LineIndex, Stream};

/// Why a file was read but not parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// No marker of any kind cutoff reads (byte scan).
    Irrelevant,
    /// Larger than the size limit.
    TooLarge,
    /// Not UTF-8.
    NotUtf8,
}

/// One input file.
pub struct SourceFile {
    /// The path shown to users: relative to the current directory, with `/`.
    pub path: Arc<str>,
    /// Where it lives on disk; `None` for standard input.
    pub fs_path: Option<PathBuf>,
    /// Shared with the parsed documents, whose scalars point into it.
    pub text: Arc<str>,
    /// Where each line starts: built the first time a position is asked (most files of a
    /// large repository have no finding and never need it), or kept by the cache.
    lines: OnceLock<LineIndex>,
    pub stream: Stream,
    /// Findings in this file are reported (false for files read only to resolve references).
    pub report: bool,
    pub skip: Option<Skip>,
    /// Size on disk, for files skipped before reading.
    pub size: u64,
    /// The text was not read (it is empty here): the file is ASCII and its line index was
    /// kept by the cache, which is all positions need (see [`SourceFile::position`]).
    pub text_elided: bool,
}

impl SourceFile {
    pub fn new(path: Arc<str>, fs_path: Option<PathBuf>, text: String, report: bool) -> SourceFile {
        SourceFile::with_text(path, fs_path, text, report, true)
    }

    /// [`SourceFile::new`], or with `parse: false` a file read for its text only (its
    /// findings come from the cache): the same line index and skip reason, no parse.
    pub fn with_text(
        path: Arc<str>,
        fs_path: Option<PathBuf>,
        text: String,
        report: bool,
        parse: bool,
    ) -> SourceFile {
        let size = text.len() as u64;
        if text.len() > yaml::MAX_TEXT_LEN {
            return SourceFile::skipped(path, fs_path, Skip::TooLarge, size, report);
        }
        let relevant =
            manifest::may_be_relevant(text.as_bytes()) || manifest::is_kustomization_path(&path);
        let text: Arc<str> = Arc::from(text);
        let stream = if relevant && parse {
            yaml::parse_shared(&text)
        } else {
            Stream {
                documents: Vec::new(),
            }
        };
        SourceFile {
            path,
            fs_path,
            text,
            lines: OnceLock::new(),
            stream,
            report,
            skip: (!relevant).then_some(Skip::Irrelevant),
            size,
            text_elided: false,
        }
    }

    /// A file that could not be parsed at all.
    pub fn skipped(
        path: Arc<str>,
        fs_path: Option<PathBuf>,
        skip: Skip,
        size: u64,
        report: bool,
    ) -> SourceFile {
        SourceFile {
            path,
            fs_path,
            text: Arc::from(""),
            lines: OnceLock::new(),
            stream: Stream {
                documents: Vec::new(),
            },
            report,
            skip: Some(skip),
            size,
            text_elided: false,
        }
    }

    /// A file known only by the line index of its ASCII text (kept by the cache): enough to
    /// turn offsets into lines and columns, for reports that show no source text.
    pub fn positions_only(
        path: Arc<str>,
        fs_path: Option<PathBuf>,
        lines: LineIndex,
        report: bool,
    ) -> SourceFile {
        let size = lines.parts().1 as u64;
        SourceFile {
            path,
            fs_path,
            text: Arc::from(""),
            lines: OnceLock::from(lines),
            stream: Stream {
                documents: Vec::new(),
            },
            report,
            skip: None,
            size,
            text_elided: true,
        }
    }

    /// The line index of the whole text, built on first use.
    pub fn full_lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }

    /// 1-based line and column (in chars, or in UTF-16 units) of the byte `offset`.
    pub fn position(&self, offset: usize, utf16: bool) -> (usize, usize) {
        if self.text_elided {
            return self.full_lines().line_col_ascii(offset);
        }
        let lines = self.full_lines();
        if utf16 {
            lines.line_col_utf16(&self.text, offset)
        } else {
            lines.line_col(&self.text, offset)
        }
    }

    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        self.position(offset, false)
    }

    pub fn has_syntax_error(&self) -> bool {
        self.stream.documents.iter().any(|d| d.error.is_some())
    }
}

/// The files of a run, in order, with a lookup by shown path.
pub struct Sources {
    pub files: Vec<SourceFile>,
    by_path: HashMap<Arc<str>, usize>,
}

impl Sources {
    pub fn new(files: Vec<SourceFile>) -> Sources {
        let by_path = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.path.clone(), i))
            .collect();
        Sources { files, by_path }
    }

    /// The file shown as `path`.
    pub fn file(&self, path: &str) -> Option<&SourceFile> {
        self.index_of(path).map(|i| &self.files[i])
    }

    /// The position of the file shown as `path` in [`Sources::files`].
    pub fn index_of(&self, path: &str) -> Option<usize> {
        // Whether the file exists, and what it holds, is a dependency of the check asking.
        crate::deps::key(path);
        let i = self.by_path.get(path).copied();
        if let Some(i) = i {
            crate::deps::file(i);
        }
        i
    }

    /// Is the file shown as `path` one whose findings are reported (and which fixes may edit)?
    pub fn is_reported(&self, path: &str) -> bool {
        self.file(path).is_some_and(|f| f.report)
    }

    pub fn into_files(self) -> Vec<SourceFile> {
        self.files
    }
}
