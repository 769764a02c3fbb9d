//! The core fields of a record the decoder has validated, read without a second validation: keys
//! are compared as they stand, strings are found with `memchr`, and the values nobody reads
//! (`requestParameters`, `responseElements`, ...) are passed over by their brackets. What this
//! reader does not handle the way serde would (an escape in a key or in a value it keeps, a field
//! given twice, anything that is not JSON) makes it give up, and the record is read by serde:
//! the result is always the one [`Event::parse`] gives.

use std::borrow::Cow;

use super::{Event, Identity, Lenient, OnBehalfOf, SessionContext, SessionIssuer, Text};

/// Read `json` (valid JSON, one object); `None` when serde must read it.
pub(super) fn parse(json: &str) -> Option<Event<'_>> {
    let mut r = Reader { s: json, i: 0 };
    r.ws();
    let mut ev = Event::default();
    let mut seen = 0u32;
    r.object(|r, key| {
        let (bit, slot) = match key {
            "eventTime" => (0, &mut ev.event_time),
            "@timestamp" => (1, &mut ev.at_timestamp),
            "awsRegion" => (2, &mut ev.aws_region),
            "eventSource" => (3, &mut ev.event_source),
            "eventName" => (4, &mut ev.event_name),
            "eventType" => (5, &mut ev.event_type),
            "eventID" => (6, &mut ev.event_id),
            "recipientAccountId" => (7, &mut ev.recipient_account_id),
            "errorCode" => (8, &mut ev.error_code),
            "sourceIPAddress" => (9, &mut ev.source_ip),
            "userAgent" => (10, &mut ev.user_agent),
            "readOnly" => (11, &mut ev.read_only),
            "userIdentity" => {
                once(&mut seen, 12)?;
                ev.user_identity = r.lenient(identity)?;
                return Some(());
            }
            _ => return r.skip(),
        };
        once(&mut seen, bit)?;
        *slot = r.text()?;
        Some(())
    })?;
    r.ws();
    (r.i == json.len()).then_some(ev)
}

fn identity<'a>(r: &mut Reader<'a>) -> Option<Identity<'a>> {
    let mut id = Identity::default();
    let mut seen = 0u32;
    r.object(|r, key| {
        let (bit, slot) = match key {
            "type" => (0, &mut id.kind),
            "arn" => (1, &mut id.arn),
            "principalId" => (2, &mut id.principal_id),
            "invokedBy" => (3, &mut id.invoked_by),
            "accountId" => (4, &mut id.account_id),
            "userName" => (5, &mut id.user_name),
            "onBehalfOf" => {
                once(&mut seen, 6)?;
                id.on_behalf_of = r.lenient(|r| {
                    let mut o = OnBehalfOf::default();
                    let mut seen = 0u32;
                    r.object(|r, key| match key {
                        "userId" => {
                            once(&mut seen, 0)?;
                            o.user_id = r.text()?;
                            Some(())
                        }
                        _ => r.skip(),
                    })?;
                    Some(o)
                })?;
                return Some(());
            }
            "sessionContext" => {
                once(&mut seen, 7)?;
                id.session_context = r.lenient(session_context)?;
                return Some(());
            }
            _ => return r.skip(),
        };
        once(&mut seen, bit)?;
        *slot = r.text()?;
        Some(())
    })?;
    Some(id)
}

fn session_context<'a>(r: &mut Reader<'a>) -> Option<SessionContext<'a>> {
    let mut c = SessionContext::default();
    let mut seen = 0u32;
    r.object(|r, key| match key {
        "sessionIssuer" => {
            once(&mut seen, 0)?;
            c.session_issuer = r.lenient(|r| {
                let mut issuer = SessionIssuer::default();
                let mut seen = 0u32;
                r.object(|r, key| match key {
                    "arn" => {
                        once(&mut seen, 0)?;
                        issuer.arn = r.text()?;
                        Some(())
                    }
                    _ => r.skip(),
                })?;
                Some(issuer)
            })?;
            Some(())
        }
        _ => r.skip(),
    })?;
    Some(c)
}

/// A field met twice: serde reports it as an error, so serde reads the record.
fn once(seen: &mut u32, bit: u32) -> Option<()> {
    let mask = 1 << bit;
    if *seen & mask != 0 {
        return None;
    }
    *seen |= mask;
    Some(())
}

struct Reader<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Reader<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.s.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn expect(&mut self, b: u8) -> Option<()> {
        self.ws();
        (self.peek()? == b).then(|| self.i += 1)
    }

    /// The members of the object at the cursor: `member` reads or skips each value.
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.expect(b'{')?;
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            self.ws();
            let key = self.plain_string()?;
            self.expect(b':')?;
            self.ws();
            member(self, key)?;
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A string without escapes at the cursor (`None` for one with escapes: serde unescapes).
    fn plain_string(&mut self) -> Option<&'a str> {
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
    fn text(&mut self) -> Option<Text<'a>> {
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
    fn lenient<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Lenient<T>> {
        match self.peek()? {
            b'{' => read(self).map(|t| Lenient(Some(t))),
            b'-' | b'0'..=b'9' => None,
            _ => self.skip().map(|()| Lenient(None)),
        }
    }

    /// Pass over the value at the cursor.
    fn skip(&mut self) -> Option<()> {
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
