//! The core fields of a record the decoder has validated, read with [`Skim`] (no second
//! validation; `requestParameters`, `responseElements` and the like are passed over by their
//! brackets). A field given twice also makes it give up (serde reports it as an error): the result
//! is always the one [`Event::parse`] gives.

use super::{Event, Identity, OnBehalfOf, SessionContext, SessionIssuer};
use crate::input::Skim;

/// Read `json` (valid JSON, one object); `None` when serde must read it.
pub(super) fn parse(json: &str) -> Option<Event<'_>> {
    let mut r = Skim::new(json);
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
    r.at_end().then_some(ev)
}

fn identity<'a>(r: &mut Skim<'a>) -> Option<Identity<'a>> {
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

fn session_context<'a>(r: &mut Skim<'a>) -> Option<SessionContext<'a>> {
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
