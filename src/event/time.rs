//! Event timestamps in the spellings real exports contain: RFC 3339 with `Z` or an offset, with
//! or without fractional seconds (up to nanoseconds), and the space-separated
//! `YYYY-MM-DD HH:MM:SS[.fff]` that Panther and some SIEM exports write (read as UTC).

use chrono::{DateTime, NaiveDateTime, Utc};

/// Parse an event time; `None` when the text is not a timestamp (e.g. `"redacted"`).
pub fn parse_event_time(text: &str) -> Option<DateTime<Utc>> {
    if let Some(t) = plain_utc(text) {
        return Some(t);
    }
    general(text)
}

/// Every spelling, through chrono.
fn general(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.fZ",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    None
}

/// `YYYY-MM-DDTHH:MM:SSZ`, as CloudTrail writes every eventTime, read without the general
/// parser; `None` for anything else (a leap second, fractions, offsets), left to it.
fn plain_utc(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || b[19] != b'Z' {
        return None;
    }
    let num = |at: usize, len: usize| -> Option<u32> {
        b[at..at + len].iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if second > 59 {
        return None;
    }
    let day = chrono::NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 2)?, num(8, 2)?)?;
    Some(day.and_hms_opt(hour, minute, second)?.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        let day = |s: &str| parse_event_time(s).map(|t| t.to_rfc3339());
        assert_eq!(
            day("2023-07-10T11:45:03Z").unwrap(),
            "2023-07-10T11:45:03+00:00"
        );
        assert_eq!(
            day("2023-07-10T11:45:03.123Z").unwrap(),
            "2023-07-10T11:45:03.123+00:00"
        );
        assert_eq!(
            day("2021-10-19 04:50:27").unwrap(),
            "2021-10-19T04:50:27+00:00"
        );
        assert_eq!(
            day("2021-10-19 04:50:27.123456789").unwrap(),
            "2021-10-19T04:50:27.123456789+00:00"
        );
        assert_eq!(
            day("2021-10-19T23:50:27-02:00").unwrap(),
            "2021-10-20T01:50:27+00:00"
        );
        assert_eq!(
            day("2021-10-19T04:50:27"),
            Some("2021-10-19T04:50:27+00:00".into())
        );
        assert_eq!(day("redacted"), None);
        assert_eq!(day(""), None);
    }

    /// The shortcut for CloudTrail's own spelling reads what chrono reads, and leaves the rest.
    #[test]
    fn plain_utc_agrees_with_chrono() {
        for text in [
            "2023-07-10T11:45:03Z",
            "1999-12-31T23:59:59Z",
            "2024-02-29T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2023-02-30T00:00:00Z",
            "2023-13-01T00:00:00Z",
            "2023-00-10T00:00:00Z",
            "2023-07-00T00:00:00Z",
            "2023-07-10T24:00:00Z",
            "2023-07-10T23:60:00Z",
            "2023-07-10T23:59:60Z",
            "2023-07-10T23:59:99Z",
            "2023-07-10t11:45:03z",
            "2023-07-10 11:45:03Z",
            "+023-07-10T11:45:03Z",
            "2023-07-1xT11:45:03Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "２023-07-10T11:45:0Z",
        ] {
            if let Some(fast) = plain_utc(text) {
                assert_eq!(Some(fast), general(text), "{text}");
            }
            assert_eq!(parse_event_time(text), general(text), "{text}");
        }
        assert!(plain_utc("2023-07-10T11:45:03Z").is_some());
        assert!(
            plain_utc("2023-07-10T23:59:60Z").is_none(),
            "a leap second goes to chrono"
        );
    }
}
