//! Reading a JSON text the decoder has already validated (a record handed over as a
//! [`RawValue`](serde_json::value::RawValue)) without validating it again: keys are compared as
//! they stand, strings are found with `memchr`, and values nobody reads are passed over by their
//! brackets. A [`Skim`] handles the plain case only: an escape in a key or in a string it returns,
//! a number where a text is read, anything not JSON, and it gives up (`None`); the caller then
//! reads the record with serde, so the result is always serde's.

use std::borrow::Cow;

use crate::event::{Lenient, Text};

/// A cursor over one JSON text the decoder has validated (see the module docs).
pub(crate) struct Skim<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Skim<'a> {
    /// A cursor at the start of `json`.
    pub(crate) fn new(json: &'a str) -> Self {
        Skim { s: json, i: 0 }
    }

    /// Only whitespace is left.
    pub(crate) fn at_end(&mut self) -> bool {
        self.ws();
        self.i == self.s.len()
    }

    fn bytes(&self) -> &'a [u8] {
        self.s.as_bytes()
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes().get(self.i).copied()
    }

    pub(crate) fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn expect(&mut self, b: u8) -> Option<()> {
        self.ws();
        (self.peek()? == b).then(|| self.i += 1)
    }

    /// The members of the object at the cursor: `member` reads or skips each value.
    pub(crate) fn object(
        &mut self,
        mut member: impl FnMut(&mut Self, &'a str) -> Option<()>,
    ) -> Option<()> {
        self.items(b'{', b'}', |r| {
            let key = r.plain_string()?;
            r.expect(b':')?;
            r.ws();
            member(r, key)
        })
    }

    /// The elements of the array at the cursor: `element` reads or skips each one.
    pub(crate) fn array(&mut self, element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.items(b'[', b']', element)
    }

    /// The comma-separated items between `open` and `close` at the cursor, each read by `item`.
    fn items(
        &mut self,
        open: u8,
        close: u8,
        mut item: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        self.expect(open)?;
        self.ws();
        if self.peek()? == close {
            self.i += 1;
            return Some(());
        }
        loop {
            self.ws();
            item(self)?;
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b if b == close => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// The value at the cursor, parsed by serde from its own text (`None` if serde refuses it).
    pub(crate) fn value(&mut self) -> Option<serde_json::Value> {
        let start = self.i;
        self.skip()?;
        serde_json::from_str(self.s.get(start..self.i)?).ok()
    }

    /// A string without escapes at the cursor (`None` for one with escapes: serde unescapes).
    pub(crate) fn plain_string(&mut self) -> Option<&'a str> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.i + 1;
        let len = quote_or_escape(&self.bytes()[start..])?;
        if self.bytes()[start + len] != b'"' {
            return None;
        }
        self.i = start + len + 1;
        self.s.get(start..start + len)
    }

    /// A [`Text`] field: a string, `true`/`false` as text, anything else absent.
    pub(crate) fn text(&mut self) -> Option<Text<'a>> {
        match self.peek()? {
            b'"' => Some(Text(Some(Cow::Borrowed(self.plain_string()?)))),
            b't' => self
                .literal("true")
                .map(|()| Text(Some(Cow::Borrowed("true")))),
            b'f' => self
                .literal("false")
                .map(|()| Text(Some(Cow::Borrowed("false")))),
            // serde reads a number to tell its type, and fails on one past f64's range.
            b'-' | b'0'..=b'9' => None,
            _ => self.skip().map(|()| Text(None)),
        }
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        let end = self.i + word.len();
        (self.s.get(self.i..end)? == word).then(|| self.i = end)
    }

    /// A [`Lenient`] field: an object read by `read`, anything else absent.
    pub(crate) fn lenient<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Option<T>,
    ) -> Option<Lenient<T>> {
        match self.peek()? {
            b'{' => read(self).map(|t| Lenient(Some(t))),
            // serde decodes a string to tell its type, and fails on a bad escape in it.
            b'"' => self.plain_string().map(|_| Lenient(None)),
            b'-' | b'0'..=b'9' => None,
            _ => self.skip().map(|()| Lenient(None)),
        }
    }

    /// Pass over the value at the cursor, giving up on any escape in it: what serde would decode
    /// (and refuse, for a lone surrogate `\\ud800`) when it builds the value instead of
    /// ignoring it.
    pub(crate) fn skip_plain(&mut self) -> Option<()> {
        let start = self.i;
        self.skip()?;
        memchr::memchr(b'\\', &self.bytes()[start..self.i])
            .is_none()
            .then_some(())
    }

    /// Pass over the value at the cursor, as serde ignores one: escapes are not decoded.
    pub(crate) fn skip(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => {
                self.i += 1;
                self.skip_string_body()
            }
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.i += 1;
                            self.skip_string_body()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.i += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.i += 1;
                }
            }
            _ => {
                // A number or a literal: up to the next delimiter.
                let start = self.i;
                while !matches!(
                    self.peek(),
                    None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                ) {
                    self.i += 1;
                }
                (self.i > start).then_some(())
            }
        }
    }

    /// Past the closing quote of the string whose opening quote was just passed.
    fn skip_string_body(&mut self) -> Option<()> {
        loop {
            let at = quote_or_escape(&self.bytes()[self.i..])?;
            if self.bytes()[self.i + at] == b'"' {
                self.i += at + 1;
                return Some(());
            }
            self.i += at + 2;
            if self.i > self.s.len() {
                return None;
            }
        }
    }
}

/// The first `"` or `\\` in `bytes`.
#[inline]
fn quote_or_escape(bytes: &[u8]) -> Option<usize> {
    memchr::memchr2(b'"', b'\\', bytes)
}
