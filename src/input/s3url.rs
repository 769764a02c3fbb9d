//! `s3://bucket/prefix` PATH arguments and S3 endpoints, parsed and checked without any network
//! (compiled with or without the `s3` feature, so a build without it can still say what an
//! `s3://` PATH is and that it cannot read it). Consumes the text the user wrote; produces an
//! [`S3Url`] or an [`S3UrlError`] quoting it. Keys are taken literally, as the AWS CLI takes them:
//! `%`, `?`, `#`, spaces and non-ASCII letters are part of the key, never URL escapes.

use std::fmt;
use std::path::Path;

/// The scheme of an S3 PATH.
pub const SCHEME: &str = "s3://";

/// An S3 location: a bucket and a key prefix (a folder, or one object).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct S3Url {
    pub bucket: String,
    /// The key prefix without leading or trailing `/` (empty: the whole bucket).
    pub prefix: String,
    /// The PATH ended with `/`: a folder, never one object.
    pub folder: bool,
}

/// Why a `s3://` PATH cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum S3UrlError {
    #[error("{url:?}: no bucket name (expected s3://bucket or s3://bucket/prefix)")]
    NoBucket { url: String },
    #[error("{url:?}: bucket name {bucket:?} {why}")]
    Bucket {
        url: String,
        bucket: String,
        why: &'static str,
    },
    #[error(
        "{url:?}: {why} in the key prefix (S3 allows it, but the client used here cannot name such keys)"
    )]
    Prefix { url: String, why: &'static str },
}

impl S3Url {
    /// Parse `s3://bucket`, `s3://bucket/`, `s3://bucket/prefix` or `s3://bucket/prefix/`.
    pub fn parse(text: &str) -> Result<S3Url, S3UrlError> {
        let url = text.to_string();
        let rest = strip_scheme(text).ok_or_else(|| S3UrlError::NoBucket { url: url.clone() })?;
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(S3UrlError::NoBucket { url });
        }
        if let Err(why) = check_bucket(bucket) {
            return Err(S3UrlError::Bucket {
                url,
                bucket: bucket.to_string(),
                why,
            });
        }
        let folder = key.is_empty() || key.ends_with('/');
        let prefix = key.strip_suffix('/').unwrap_or(key);
        if !prefix.is_empty() {
            for segment in prefix.split('/') {
                let why = match segment {
                    "" => Some("an empty segment (`//`)"),
                    "." | ".." => Some("a `.` or `..` segment"),
                    s if s.chars().any(|c| c.is_ascii_control()) => Some("a control character"),
                    _ => None,
                };
                if let Some(why) = why {
                    return Err(S3UrlError::Prefix { url, why });
                }
            }
        }
        Ok(S3Url {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
            folder,
        })
    }

    /// `s3://bucket/key`: how an object (or a prefix) is named in messages.
    #[cfg_attr(not(feature = "s3"), allow(dead_code))]
    pub fn name(bucket: &str, key: &str) -> String {
        format!("{SCHEME}{bucket}/{key}")
    }
}

impl fmt::Display for S3Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME}{}/{}", self.bucket, self.prefix)?;
        if self.folder && !self.prefix.is_empty() {
            f.write_str("/")?;
        }
        Ok(())
    }
}

/// The text after `s3://` (the scheme in any case, as the AWS CLI accepts it).
fn strip_scheme(text: &str) -> Option<&str> {
    let head = text.get(..SCHEME.len())?;
    head.eq_ignore_ascii_case(SCHEME)
        .then(|| &text[SCHEME.len()..])
}

/// Whether a PATH argument names an S3 location (`s3://...`), whatever follows.
pub fn is_s3(path: &Path) -> bool {
    path.to_str().is_some_and(|s| strip_scheme(s).is_some())
}

/// The S3 bucket naming rules (general purpose buckets): 3 to 63 characters of lower-case
/// letters, digits, `.` and `-`, beginning and ending with a letter or digit, no `..`, not an IP
/// address, none of the prefixes and suffixes S3 reserves. Buckets made in us-east-1 before
/// March 2018 may also hold upper-case letters and `_` and be up to 255 characters long: those
/// are accepted too.
fn check_bucket(name: &str) -> Result<(), &'static str> {
    let legacy = name.bytes().any(|b| b.is_ascii_uppercase() || b == b'_');
    let max = if legacy { 255 } else { 63 };
    if name.len() < 3 {
        return Err("is shorter than 3 characters");
    }
    if name.len() > max {
        return Err("is longer than 63 characters (255 for a legacy bucket)");
    }
    if let Some(_bad) = name
        .bytes()
        .find(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')))
    {
        return Err("holds a character other than letters, digits, `.`, `-` and `_`");
    }
    let edge = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
    if !edge(name.bytes().next()) || !edge(name.bytes().last()) {
        return Err("must begin and end with a letter or a digit");
    }
    if name.contains("..") {
        return Err("holds `..`");
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err("is an IP address");
    }
    if !legacy
        && (name.starts_with("xn--")
            || name.starts_with("sthree-")
            || name.ends_with("-s3alias")
            || name.ends_with("--ol-s3")
            || name.ends_with("--x-s3"))
    {
        return Err(
            "uses a prefix or suffix S3 reserves (xn--, sthree-, -s3alias, --ol-s3, --x-s3)",
        );
    }
    Ok(())
}

/// An S3 endpoint (`--endpoint-url`, `AWS_ENDPOINT_URL`) checked: `https://...`, or plain
/// `http://` only to a loopback address (a test server on this machine) or when `allow_http`
/// says so, since plain HTTP carries the signed requests and the logs unencrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    /// Plain HTTP: the client must be allowed to use it.
    pub http: bool,
}

/// Why an endpoint cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("{from} {url:?}: expected http://HOST[:PORT] or https://HOST[:PORT]")]
    Scheme { from: &'static str, url: String },
    #[error(
        "{from}: an endpoint URL with a user name or password in it ({scheme}://USER:PASSWORD@...) is refused: it would be printed in messages and logs; give the credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    )]
    Credentials {
        from: &'static str,
        scheme: &'static str,
    },
    #[error(
        "{from} {url:?}: plain http to a host that is not loopback sends the requests and the logs unencrypted; use https, or say --allow-http (or AWS_ALLOW_HTTP=true) if you mean it"
    )]
    Http { from: &'static str, url: String },
}

impl Endpoint {
    /// Check `url` (named `from` in errors: the flag or the variable it came from).
    pub fn check(
        from: &'static str,
        url: &str,
        allow_http: bool,
    ) -> Result<Endpoint, EndpointError> {
        let lower = url.to_ascii_lowercase();
        let (http, rest) = if let Some(rest) = lower.strip_prefix("https://") {
            (false, rest)
        } else if let Some(rest) = lower.strip_prefix("http://") {
            (true, rest)
        } else {
            return Err(EndpointError::Scheme {
                from,
                url: url.to_string(),
            });
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        // The URL itself is named in messages: it must not carry a secret. (Its text is not
        // quoted in this error.)
        if authority.contains('@') {
            return Err(EndpointError::Credentials {
                from,
                scheme: if http { "http" } else { "https" },
            });
        }
        let host = host_of(authority);
        if host.is_empty() {
            return Err(EndpointError::Scheme {
                from,
                url: url.to_string(),
            });
        }
        if http && !allow_http && !is_loopback(host) {
            return Err(EndpointError::Http {
                from,
                url: url.to_string(),
            });
        }
        Ok(Endpoint {
            url: url.trim_end_matches('/').to_string(),
            http,
        })
    }
}

/// The host of `user@host:port`, `[v6]:port`.
fn host_of(authority: &str) -> &str {
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(v6) = hostport.strip_prefix('[') {
        return v6.split(']').next().unwrap_or("");
    }
    hostport.split(':').next().unwrap_or("")
}

/// `localhost`, 127.0.0.0/8 or `::1`.
fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> (String, String, bool) {
        let u = S3Url::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        (u.bucket, u.prefix, u.folder)
    }

    fn err(text: &str) -> S3UrlError {
        S3Url::parse(text).expect_err(text)
    }

    #[test]
    fn bucket_alone_empty_prefix_and_trailing_slashes() {
        assert_eq!(ok("s3://my-bucket"), ("my-bucket".into(), "".into(), true));
        assert_eq!(ok("s3://my-bucket/"), ("my-bucket".into(), "".into(), true));
        assert_eq!(
            ok("s3://my-bucket/AWSLogs"),
            ("my-bucket".into(), "AWSLogs".into(), false)
        );
        assert_eq!(
            ok("s3://my-bucket/AWSLogs/"),
            ("my-bucket".into(), "AWSLogs".into(), true)
        );
        assert_eq!(
            ok("S3://b12/a/b/c.json.gz"),
            ("b12".into(), "a/b/c.json.gz".into(), false)
        );
        assert_eq!(
            S3Url::parse("s3://b12/x/y/").unwrap().to_string(),
            "s3://b12/x/y/"
        );
        assert_eq!(S3Url::parse("s3://b12").unwrap().to_string(), "s3://b12/");
    }

    #[test]
    fn keys_are_literal() {
        // Spaces, `%`, `?`, `#` and non-ASCII letters are part of the key, not escapes.
        assert_eq!(
            ok("s3://b12/logs 2025/ü%20x?#").1,
            "logs 2025/ü%20x?#".to_string()
        );
    }

    #[test]
    fn bucket_name_rules() {
        for good in [
            "abc",
            "a.b-c",
            "123",
            "my.bucket.name",
            &"a".repeat(63),
            "Legacy_Bucket",
        ] {
            ok(&format!("s3://{good}/x"));
        }
        for (bad, why) in [
            ("ab", "shorter"),
            (&"a".repeat(64) as &str, "longer"),
            ("-abc", "begin and end"),
            ("abc-", "begin and end"),
            ("a..b", "`..`"),
            ("192.168.5.4", "IP address"),
            ("xn--abc", "reserves"),
            ("abc-s3alias", "reserves"),
            ("ab*c", "character"),
            ("ab c", "character"),
        ] {
            let e = err(&format!("s3://{bad}/x"));
            assert!(
                matches!(&e, S3UrlError::Bucket { .. }) && e.to_string().contains(why),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn invalid_urls() {
        assert!(matches!(err("s3://"), S3UrlError::NoBucket { .. }));
        assert!(matches!(err("s3:///key"), S3UrlError::NoBucket { .. }));
        assert!(matches!(err("s3:/b/key"), S3UrlError::NoBucket { .. }));
        assert!(matches!(err("s3://b12//key"), S3UrlError::Prefix { .. }));
        assert!(matches!(err("s3://b12/a/../b"), S3UrlError::Prefix { .. }));
        assert!(matches!(err("s3://b12/a/./b"), S3UrlError::Prefix { .. }));
        assert!(matches!(err("s3://b12/a\nb"), S3UrlError::Prefix { .. }));
        assert!(is_s3(Path::new("s3://x")));
        assert!(is_s3(Path::new("S3://x")));
        assert!(!is_s3(Path::new("s3:/x")));
        assert!(!is_s3(Path::new("./s3://x")));
    }

    #[test]
    fn endpoints() {
        let e = Endpoint::check("--endpoint-url", "http://127.0.0.1:5000/", false).unwrap();
        assert_eq!((e.url.as_str(), e.http), ("http://127.0.0.1:5000", true));
        for loopback in [
            "http://localhost:9000",
            "http://127.3.4.5",
            "http://[::1]:9000",
        ] {
            Endpoint::check("f", loopback, false).unwrap();
        }
        // A secret in the URL would be printed with every message that names the endpoint.
        for with_secret in [
            "http://AKIAUSER:SuperSecret123@127.0.0.1:1",
            "https://u:TopSecretPw@s3.example.com",
            "http://user@127.0.0.1:1",
        ] {
            let e = Endpoint::check("--endpoint-url", with_secret, true).unwrap_err();
            assert!(matches!(e, EndpointError::Credentials { .. }), "{e}");
            assert!(!e.to_string().contains("Secret"), "{e}");
            assert!(!e.to_string().contains("TopSecretPw"), "{e}");
        }
        assert!(
            !Endpoint::check("f", "https://s3.example.com", false)
                .unwrap()
                .http
        );
        for remote in [
            "http://minio.internal:9000",
            "http://10.0.0.1",
            "http://127.0.0.1.example.com",
        ] {
            let e = Endpoint::check("--endpoint-url", remote, false).unwrap_err();
            assert!(e.to_string().contains("--allow-http"), "{e}");
            Endpoint::check("--endpoint-url", remote, true).unwrap();
        }
        for bad in ["ftp://x", "127.0.0.1:9000", "http://", "https:///x"] {
            assert!(matches!(
                Endpoint::check("f", bad, true),
                Err(EndpointError::Scheme { .. })
            ));
        }
    }
}
