//! Release versions that rules compare against (`targets.tekton`, `targets.pipelines-as-code`).

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    /// Newer than any release: what `latest` means.
    pub const LATEST: Version = Version {
        major: u32::MAX,
        minor: 0,
        patch: 0,
    };

    pub const fn new(major: u32, minor: u32, patch: u32) -> Version {
        Version {
            major,
            minor,
            patch,
        }
    }

    /// Parses `1`, `1.4`, `v1.4.0`, `0.59`, `latest`.
    pub fn parse(s: &str) -> Option<Version> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("latest") {
            return Some(Version::LATEST);
        }
        let s = s.strip_prefix('v').unwrap_or(s);
        let mut parts = s.split('.');
        let mut next = |required: bool| -> Option<u32> {
            match parts.next() {
                Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok(),
                Some(_) => None,
                None if required => None,
                None => Some(0),
            }
        };
        let major = next(true)?;
        let minor = next(false)?;
        let patch = next(false)?;
        if parts.next().is_some() {
            return None;
        }
        Some(Version::new(major, minor, patch))
    }

    pub fn is_latest(&self) -> bool {
        *self == Version::LATEST
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_latest() {
            f.write_str("latest")
        } else if self.patch == 0 {
            write!(f, "{}.{}", self.major, self.minor)
        } else {
            write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders() {
        assert_eq!(Version::parse("1.0"), Some(Version::new(1, 0, 0)));
        assert_eq!(Version::parse("v1.4.2"), Some(Version::new(1, 4, 2)));
        assert_eq!(Version::parse("0.59"), Some(Version::new(0, 59, 0)));
        assert_eq!(Version::parse("latest"), Some(Version::LATEST));
        assert_eq!(Version::parse("1.x"), None);
        assert_eq!(Version::parse(""), None);
        assert_eq!(Version::parse("1.2.3.4"), None);
        assert!(Version::parse("0.59").unwrap() < Version::parse("1.0").unwrap());
        assert!(Version::parse("1.10").unwrap() > Version::parse("1.4").unwrap());
        assert!(Version::LATEST > Version::new(99, 0, 0));
        assert_eq!(Version::new(1, 4, 0).to_string(), "1.4");
    }
}
