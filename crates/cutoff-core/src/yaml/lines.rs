//! Byte offset <-> (line, column) conversion.

/// Line starts of one file text. Lines end at `\n`, `\r\n` or a lone `\r` (as in YAML).
/// A leading BOM is not part of line 1's columns: `line_start(1)` is the offset after it.
///
/// `line_count()` counts the (possibly empty) line after a final line break too, so every
/// offset up to and including `text.len()` has a line.
///
/// The `text` passed to the conversion methods must be the text the index was built from.
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset of each line's start; `starts[0]` is 0, or 3 after a BOM. 32 bits: a text
    /// longer than 4 GiB is indexed up to there (such a file is never parsed).
    starts: Vec<u32>,
    len: usize,
}

impl Default for LineIndex {
    /// The index of an empty text.
    fn default() -> Self {
        LineIndex::new("")
    }
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let all = text.as_bytes();
        let b = &all[..all.len().min(u32::MAX as usize)];
        let first = if text.starts_with('\u{feff}') { 3 } else { 0 };
        // A first guess (manifests' lines are short), trimmed at the end.
        let mut starts = Vec::with_capacity(b.len() / 24 + 1);
        starts.push(first as u32);
        let mut i = first;
        while let Some(p) = memchr::memchr2(b'\n', b'\r', &b[i..]) {
            let at = i + p;
            let next = if b[at] == b'\r' && b.get(at + 1) == Some(&b'\n') {
                at + 2
            } else {
                at + 1
            };
            starts.push(next as u32);
            i = next;
        }
        starts.shrink_to_fit();
        LineIndex {
            starts,
            len: b.len(),
        }
    }

    /// 1-based line holding the byte `offset` (offsets past the end: the last line).
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| (s as usize) <= offset)
            .max(1)
    }

    /// Byte offset of the start of a 1-based line (`0` for line 0; the text's length past
    /// the last line).
    pub fn line_start(&self, line: usize) -> usize {
        match line {
            0 => 0,
            l if l <= self.starts.len() => self.starts[l - 1] as usize,
            _ => self.len,
        }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The line starts and the text's length, to be kept (by the cache) and given back to
    /// [`LineIndex::from_parts`].
    pub fn parts(&self) -> (&[u32], usize) {
        (&self.starts, self.len)
    }

    /// The index [`LineIndex::parts`] described; `None` unless the starts are increasing,
    /// begin at 0 and lie within `len`.
    pub fn from_parts(starts: Vec<u32>, len: usize) -> Option<LineIndex> {
        let ok = starts.first() == Some(&0)
            && starts.windows(2).all(|w| w[0] < w[1])
            && starts.last().is_some_and(|&l| l as usize <= len);
        ok.then_some(LineIndex { starts, len })
    }

    /// 1-based line and column of `offset` in an ASCII text of which only this index is
    /// at hand: bytes, chars and UTF-16 units are then the same.
    pub fn line_col_ascii(&self, offset: usize) -> (usize, usize) {
        let off = offset.min(self.len);
        let line = self.line_of(off);
        let start = self.line_start(line).min(off);
        (line, off - start + 1)
    }

    /// Start of the line and the clamped offset, both on char boundaries of `text`.
    fn bounds(&self, text: &str, offset: usize) -> (usize, usize, usize) {
        let mut off = offset.min(text.len());
        while !text.is_char_boundary(off) {
            off -= 1;
        }
        let line = self.line_of(off);
        let start = self.line_start(line).min(off);
        (line, start, off)
    }

    /// 1-based line and 1-based column counted in chars (Unicode scalar values).
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let (line, start, off) = self.bounds(text, offset);
        let chars = text.get(start..off).map_or(0, |s| s.chars().count());
        (line, chars + 1)
    }

    /// 1-based line and 1-based column counted in UTF-16 code units (SARIF, LSP).
    pub fn line_col_utf16(&self, text: &str, offset: usize) -> (usize, usize) {
        let (line, start, off) = self.bounds(text, offset);
        let units: usize = text
            .get(start..off)
            .map_or(0, |s| s.chars().map(char::len_utf16).sum());
        (line, units + 1)
    }

    /// Byte offset of a 1-based line and 1-based char column (clamped to the line's end,
    /// line break included).
    pub fn offset(&self, text: &str, line: usize, column: usize) -> usize {
        let line = line.max(1);
        let start = self.line_start(line).min(text.len());
        let end = self.line_start(line + 1).min(text.len()).max(start);
        let Some(line_text) = text.get(start..end) else {
            return start;
        };
        line_text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(end, |(i, _)| start + i)
    }
}
