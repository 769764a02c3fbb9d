//! Text from the logs made safe for a terminal. CloudTrail values (`awsRegion`, `userAgent`,
//! `eventID`, ARNs, principals, event sources) and the names of the files they came from are
//! chosen by whoever wrote the records; printed raw, an ESC or OSC sequence could move the
//! cursor, erase a line (a hit) or retitle the window, a line break could forge a table row, and
//! a bidi override could make `1-tsae-su` read as `us-east-1`. Every table cell and every
//! stderr line that carries such a value goes through [`escape`] (or [`Safe`]), which spells
//! those characters out instead. JSON and NDJSON are left exact (serde escapes control
//! characters itself); CSV cells are neutralised against formulas instead (`csv`).
//!
//! The rule: `\n`, `\r` and `\t` are written as those two-character escapes; every other C0
//! control and DEL as `\xHH` (`\x1b`); C1 controls, the bidi controls (U+061C, U+200E, U+200F,
//! U+202A..U+202E, U+2066..U+2069), the line and paragraph separators (U+2028, U+2029) and the
//! invisible format characters (U+00AD, U+180E, U+200B..U+200D, U+2060..U+2064, U+206A..U+206F,
//! U+FEFF, U+FFF9..U+FFFB) as `\u{HHHH}` (`\u{202e}`). Everything else, backslashes included,
//! is printed as it is: the table is for reading, the JSON is the exact record.

use std::borrow::Cow;
use std::fmt;

/// Whether `c` must not reach a terminal raw.
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{ad}'
                | '\u{61c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// `s` with every control, bidi and invisible format character spelled out (see the module
/// documentation); borrowed when there is nothing to escape.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    // Writing to a String cannot fail.
    let _ = write_escaped(&mut out, s);
    Cow::Owned(out)
}

/// `text` escaped line by line: its line breaks (`\n`) and tabs are kept, everything else as
/// [`escape`] writes it. For multi-line text of our own making that quotes values from the input
/// (a diff of a rule).
pub fn escape_lines(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c != '\n' && c != '\t' && unsafe_char(c))
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for part in line.split_inclusive('\t') {
            let (body, tab) = match part.strip_suffix('\t') {
                Some(body) => (body, "\t"),
                None => (part, ""),
            };
            let _ = write_escaped(&mut out, body);
            out.push_str(tab);
        }
    }
    Cow::Owned(out)
}

fn write_escaped(out: &mut impl fmt::Write, s: &str) -> fmt::Result {
    for c in s.chars() {
        if !unsafe_char(c) {
            out.write_char(c)?;
            continue;
        }
        match c {
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            c if (c as u32) < 0x80 => write!(out, "\\x{:02x}", c as u32)?,
            c => write!(out, "\\u{{{:x}}}", c as u32)?,
        }
    }
    Ok(())
}

pub use crate::text::clip;

/// A value shown through [`escape`] when formatted: `format!("{}", Safe(&region))`.
#[derive(Debug, Clone, Copy)]
pub struct Safe<'a>(pub &'a str);

impl fmt::Display for Safe<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_escaped(f, self.0)
    }
}

/// A list of values from the input, each escaped, joined by `sep`.
pub fn join<S: AsRef<str>>(items: &[S], sep: &str) -> String {
    let parts: Vec<Cow<'_, str>> = items.iter().map(|s| escape(s.as_ref())).collect();
    parts.join(sep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipped_text_says_how_much_was_cut() {
        assert_eq!(clip("us-east-1", 9), "us-east-1");
        assert_eq!(clip("us-east-1", 2), "us… (+7 bytes)");
        // Cut on a character, never inside one.
        assert_eq!(clip("東京東京", 1), "東… (+9 bytes)");
        assert!(matches!(clip("abc", 3), Cow::Borrowed(_)));
    }

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        for s in ["us-east-1", "arn:aws:iam::1:user/a\\b", "é ü 東京", ""] {
            assert!(matches!(escape(s), Cow::Borrowed(x) if x == s), "{s:?}");
        }
    }

    #[test]
    fn controls_bidi_and_invisibles_are_spelled_out() {
        let cases = [
            ("a\nb", "a\\nb"),
            ("a\r\tb", "a\\r\\tb"),
            ("\x1b[2K\x1b]0;t\x07", "\\x1b[2K\\x1b]0;t\\x07"),
            ("\0\x7f", "\\x00\\x7f"),
            ("\u{9b}31m", "\\u{9b}31m"),
            ("\u{202e}1-tsae-su", "\\u{202e}1-tsae-su"),
            ("a\u{2066}b\u{2069}", "a\\u{2066}b\\u{2069}"),
            ("us-east-1\u{200b}", "us-east-1\\u{200b}"),
            ("\u{feff}x\u{2028}", "\\u{feff}x\\u{2028}"),
        ];
        for (raw, shown) in cases {
            assert_eq!(escape(raw), shown, "{raw:?}");
            assert_eq!(Safe(raw).to_string(), shown, "{raw:?}");
        }
    }

    #[test]
    fn escaped_text_has_no_control_left() {
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        let shown = escape(&all);
        assert!(!shown.chars().any(unsafe_char));
    }

    #[test]
    fn lines_keep_their_breaks_and_tabs() {
        assert_eq!(escape_lines("a\n\tb\n"), "a\n\tb\n");
        assert_eq!(
            escape_lines("-  - 'x\x1b[1A'\r\n+ \u{202e}y\tz\n"),
            "-  - 'x\\x1b[1A'\\r\n+ \\u{202e}y\tz\n"
        );
    }

    #[test]
    fn join_escapes_each_item() {
        assert_eq!(join(&["a\n", "b"], ", "), "a\\n, b");
    }
}
