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
