//! Event timestamps in the spellings real exports contain: RFC 3339 with `Z` or an offset, with
//! or without fractional seconds (up to nanoseconds), and the space-separated
//! `YYYY-MM-DD HH:MM:SS[.fff]` that Panther and some SIEM exports write (read as UTC).

use chrono::{DateTime, NaiveDateTime, Utc};

/// Parse an event time; `None` when the text is not a timestamp (e.g. `"redacted"`).
pub fn parse_event_time(text: &str) -> Option<DateTime<Utc>> {
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
}
