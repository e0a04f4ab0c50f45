//! Checks `cutoff_core::duration` against Go itself on a few thousand pseudo-random
//! inputs, whenever `go` is installed (without it the test says so and passes; the stored
//! table in `tests/go_durations.rs` always runs).
//!
//! The inputs are deterministic (a fixed seed): mixtures of signs, digits, decimal points,
//! every Go unit (`µs` in both spellings), near-misses of units, spaces, numbers at and past
//! the 2^63 ns limit, sums that overflow, and garbage. Go answers through
//! `tests/data/go-durations.go` (the program that wrote the stored table), built in a
//! temporary directory with its own GOCACHE and GOPATH and no network. Every input must get
//! the same answer from both: the same nanoseconds and `String()` form, or an error from
//! both.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cutoff_core::duration::parse;

const GO_PROGRAM: &str = include_str!("data/go-durations.go");
const INPUTS: usize = 4000;

/// `go` on PATH, if any.
fn find_go() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("go"))
        .find(|p| p.is_file())
}

/// SplitMix64: small, deterministic, good enough to pick test inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn digits(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

const UNITS: &[&str] = &["ns", "us", "\u{b5}s", "\u{3bc}s", "ms", "s", "m", "h"];
const NOT_UNITS: &[&str] = &[
    "", "d", "w", "y", "H", "S", "M", "Ms", "NS", "hr", "min", "sec", "µ", "μ", "u", "n", "mu",
    "\u{b5}", "\u{3bc}", "\u{b5}S", "sm", "hh", "e", "E", "e3s", "_", "é", "∞",
];
/// Integers at the edges of Go's limits: 2^63 ns and its multiples in each unit.
const EDGES: &[&str] = &[
    "9223372036854775807",
    "9223372036854775808",
    "9223372036854775809",
    "922337203685477580",
    "922337203685477581",
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775",
    "9223372036854776",
    "9223372036854",
    "9223372036",
    "9223372037",
    "153722867",
    "153722868",
    "2562047",
    "2562048",
    "0000000000000000000000001",
];
const GARBAGE: &[char] = &[
    '0', '1', '5', '9', '.', '.', '+', '-', ' ', '\t', '\n', 'n', 's', 'u', 'm', 'h', 'µ', 'μ',
    'e', 'E', '_', ',', '"', '\\', '\0', 'é', '∞', 'H', 'd', 'x', '\u{7f}',
];

fn number(rng: &mut Rng) -> String {
    match rng.below(8) {
        0 | 1 => rng.below(1000).to_string(),
        2 => {
            let len = 1 + rng.below(25);
            rng.digits(len)
        }
        3 => rng.pick(EDGES).to_owned(),
        4 => {
            // A fraction, maybe without its integer or fractional digits, maybe long.
            let int = if rng.chance(25) {
                String::new()
            } else {
                let len = rng.below(6);
                rng.digits(len)
            };
            let frac_len = match rng.below(4) {
                0 => 0,
                1 => 1 + rng.below(3),
                2 => 1 + rng.below(12),
                _ => 15 + rng.below(20),
            };
            format!("{int}.{}", rng.digits(frac_len))
        }
        5 => format!("{}.{}", rng.pick(EDGES), {
            let len = 1 + rng.below(20);
            rng.digits(len)
        }),
        6 => ["0", "00", ".0", "0.", "."][rng.below(5)].to_owned(),
        _ => {
            let len = 1 + rng.below(9);
            rng.digits(len)
        }
    }
}

fn garbage(rng: &mut Rng, len: usize) -> String {
    (0..len)
        .map(|_| GARBAGE[rng.below(GARBAGE.len())])
        .collect()
}

fn input(rng: &mut Rng) -> String {
    if rng.chance(8) {
        let len = rng.below(10);
        return garbage(rng, len);
    }
    let mut s = String::new();
    s.push_str(match rng.below(10) {
        0 | 1 => "-",
        2 => "+",
        3 if rng.chance(30) => ["--", "+-", " ", "-+"][rng.below(4)],
        _ => "",
    });
    for i in 0..1 + rng.below(4) {
        if i > 0 && rng.chance(5) {
            s.push(' ');
        }
        s.push_str(&number(rng));
        s.push_str(if rng.chance(85) {
            rng.pick(UNITS)
        } else {
            rng.pick(NOT_UNITS)
        });
    }
    // Now and then one character inserted, replaced or removed, or a space around.
    if rng.chance(15) {
        let mut chars: Vec<char> = s.chars().collect();
        let at = rng.below(chars.len() + 1);
        let c = GARBAGE[rng.below(GARBAGE.len())];
        match rng.below(3) {
            0 => chars.insert(at, c),
            1 if at < chars.len() => chars[at] = c,
            _ if at < chars.len() => {
                chars.remove(at);
            }
            _ => chars.push(c),
        }
        s = chars.into_iter().collect();
    }
    if rng.chance(3) {
        s = if rng.chance(50) {
            format!(" {s}")
        } else {
            format!("{s} ")
        };
    }
    s
}

/// Quotes `s` for Go's `strconv.Unquote`: control characters as `\xNN`, the rest as is.
fn go_literal(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Runs the Go program over the inputs; one output row per input, in order.
fn ask_go(go: &Path, inputs: &[String]) -> Vec<String> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let program = dir.path().join("go-durations.go");
    std::fs::write(&program, GO_PROGRAM).expect("writing the Go program");
    let binary = dir.path().join("go-durations");
    let built = Command::new(go)
        .arg("build")
        .arg("-o")
        .arg(&binary)
        .arg(&program)
        .current_dir(dir.path())
        .env("GOCACHE", dir.path().join("cache"))
        .env("GOPATH", dir.path().join("gopath"))
        .env("GOFLAGS", "")
        .env("GO111MODULE", "off")
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("CGO_ENABLED", "0")
        .output()
        .expect("running go build");
    assert!(
        built.status.success(),
        "go build failed:\n{}",
        String::from_utf8_lossy(&built.stderr)
    );

    let mut child = Command::new(&binary)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running the Go program");
    let mut stdin = child.stdin.take().expect("its stdin");
    let lines: String = inputs.iter().map(|s| go_literal(s) + "\n").collect();
    let writer = std::thread::spawn(move || stdin.write_all(lines.as_bytes()));
    let out = child.wait_with_output().expect("its output");
    writer.join().unwrap().expect("writing the inputs");
    assert!(
        out.status.success(),
        "the Go program failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8 from Go")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn random_inputs_match_go() {
    let Some(go) = find_go() else {
        println!("skipped: go not installed");
        return;
    };
    let mut rng = Rng(0x5eed_0018_cafe_f00d);
    let mut inputs: Vec<String> = (0..INPUTS).map(|_| input(&mut rng)).collect();
    inputs.sort();
    inputs.dedup();
    let rows = ask_go(&go, &inputs);
    assert_eq!(rows.len(), inputs.len(), "one row per input from Go");

    let (mut valid, mut mismatches) = (0, Vec::new());
    for (s, row) in inputs.iter().zip(&rows) {
        let mut cols = row.split('\t').skip(1);
        let (nanos, string) = (cols.next().unwrap_or(""), cols.next().unwrap_or(""));
        let want = (nanos != "error").then(|| (nanos.parse::<i64>().expect("nanoseconds"), string));
        let got = parse(s).ok().map(|d| (d.nanos(), d.canonical()));
        match (&got, want) {
            (None, None) => {}
            (Some((n, c)), Some((wn, wc))) if *n == wn && c == wc => valid += 1,
            _ => mismatches.push(format!(
                "{}: ours {got:?}, Go {nanos} {string}",
                go_literal(s)
            )),
        }
    }
    println!(
        "{} random inputs compared with Go: {valid} valid, {} errors, {} mismatches",
        inputs.len(),
        inputs.len() - valid - mismatches.len(),
        mismatches.len()
    );
    assert!(
        valid > inputs.len() / 5,
        "too few valid durations ({valid}) to mean much"
    );
    assert!(
        mismatches.is_empty(),
        "disagreements with Go (as Go-quoted inputs):\n{}",
        mismatches.join("\n")
    );
}
