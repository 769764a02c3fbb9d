//! Text helpers any stage may use. Values from the logs, rules and baselines can be megabytes
//! long; a message that quotes one quotes its start, never the whole value.

use std::borrow::Cow;

/// The longest value a message quotes, in characters.
pub const QUOTE_CHARS: usize = 200;

/// `s` cut to its first `max` characters, the cut said in words: a table cell stays readable
/// (and a table of attacker-sized values stays small); the JSON keeps the whole value.
pub fn clip(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some((end, _)) => Cow::Owned(format!("{}… (+{} bytes)", &s[..end], s.len() - end)),
    }
}

/// Format a count with thousands separators (`12,345`).
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The noun for `n` of it: `one` for 1, else `many`.
pub fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// `n` and the noun that goes with it, `n` grouped in thousands: "1 file", "2 files",
/// "12,345 events".
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), plural(n, one, many))
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_and_counts() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1000), "1,000");
        assert_eq!(super::thousands(1234567), "1,234,567");
        assert_eq!(super::count(0, "file", "files"), "0 files");
        assert_eq!(super::count(1, "file", "files"), "1 file");
        assert_eq!(super::count(12_345, "event", "events"), "12,345 events");
    }
}
