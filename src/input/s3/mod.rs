//! Reading CloudTrail straight from S3 (the `s3` cargo feature). Consumes `s3://bucket/prefix`
//! PATHs and the [`S3Options`]; produces [`Source`](super::Source)s whose bytes come over HTTP
//! and are decoded by exactly the decoder local files go through. Three parts:
//!
//! * here, the client: one `object_store` S3 client per bucket, from the usual AWS environment
//!   (`AmazonS3Builder::from_env`) plus the flags, on one process-wide tokio runtime; the
//!   credentials are checked once before any listing, so "no credentials" is one clear error,
//!   not a problem per object;
//! * [`walk`]: delimiter listings that follow the CloudTrail layout and list only the date
//!   folders the window needs;
//! * [`fetch`]: downloads ahead of the decoding workers, within a byte budget.
//!
//! Nothing here decodes, interprets or prints.

pub(crate) mod fetch;
pub(crate) mod walk;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::{ClientConfigKey, RetryConfig};

use super::s3url::S3Url;
use super::{RemoteError, S3Options};

pub(crate) use fetch::{Body, Prefetch, prefetch};

/// Requests retried at most this often (throttling, 5xx, timeouts), within [`RETRY_TIMEOUT`].
const MAX_RETRIES: usize = 5;
/// No retry is started this long after the first attempt: a dead endpoint fails in about a
/// minute, not the client's default three.
const RETRY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the credential check may take (the instance metadata service, an STS call).
const CREDENTIALS_TIMEOUT: Duration = Duration::from_secs(15);

/// The runtime every S3 request runs on: two threads (HTTP and TLS cost little next to
/// decoding, which stays on the rayon workers).
pub(crate) fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("trailtune-s3")
            .enable_all()
            .build()
            .expect("the S3 runtime starts")
    })
}

/// One bucket's client.
#[derive(Debug)]
pub(crate) struct Bucket {
    pub name: String,
    pub store: AmazonS3,
}

/// The clients of one run, one per bucket, built on first use with the run's options.
#[derive(Debug)]
pub(crate) struct Clients {
    options: S3Options,
    buckets: Mutex<HashMap<String, Arc<Bucket>>>,
}

impl Clients {
    pub fn new(options: &S3Options) -> Clients {
        Clients {
            options: options.clone(),
            buckets: Mutex::default(),
        }
    }

    /// The client of `url`'s bucket, its credentials checked.
    pub fn bucket(&self, url: &S3Url) -> Result<Arc<Bucket>, RemoteError> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bucket) = buckets.get(&url.bucket) {
            return Ok(Arc::clone(bucket));
        }
        let bucket = Arc::new(build(&self.options, url)?);
        buckets.insert(url.bucket.clone(), Arc::clone(&bucket));
        Ok(bucket)
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn env_true(name: &str) -> bool {
    env(name).is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// Where credentials come from, when the environment says.
fn credentials_in_env() -> Option<&'static str> {
    if env("AWS_ACCESS_KEY_ID").is_some() || env("AWS_SECRET_ACCESS_KEY").is_some() {
        Some("AWS_ACCESS_KEY_ID")
    } else if env("AWS_WEB_IDENTITY_TOKEN_FILE").is_some() && env("AWS_ROLE_ARN").is_some() {
        Some("web identity")
    } else if env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some()
        || env("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some()
    {
        Some("container credentials")
    } else {
        None
    }
}

/// What the user may have meant to use instead, for the "no credentials" message.
fn profile_hint() -> String {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let has_files = home.is_some_and(|h| h.join(".aws").is_dir());
    match env("AWS_PROFILE") {
        Some(p) => format!(
            " (AWS_PROFILE={p} is set, but profiles are not read: eval \"$(aws configure export-credentials --profile {p} --format env)\")"
        ),
        None if has_files => " (~/.aws holds profiles, which are not read: eval \"$(aws configure export-credentials --format env)\")".to_string(),
        None => String::new(),
    }
}

fn build(options: &S3Options, url: &S3Url) -> Result<Bucket, RemoteError> {
    let client_error = |detail: String| RemoteError::Client {
        url: url.to_string(),
        detail,
    };
    let mut builder = AmazonS3Builder::from_env()
        .with_bucket_name(&url.bucket)
        .with_retry(RetryConfig {
            max_retries: MAX_RETRIES,
            retry_timeout: RETRY_TIMEOUT,
            ..RetryConfig::default()
        });
    // The endpoint: the flag, else the environment (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL,
    // AWS_ENDPOINT, which `from_env` read), each held to the same http rule.
    let allow_http = options.allow_http || env_true("AWS_ALLOW_HTTP");
    let endpoint = match &options.endpoint {
        Some(e) => Some(e.clone()),
        None => [
            ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_S3"),
            ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL"),
            ("AWS_ENDPOINT", "AWS_ENDPOINT"),
        ]
        .into_iter()
        .find_map(|(var, from)| env(var).map(|v| (from, v)))
        .map(|(from, v)| {
            super::s3url::Endpoint::check(from, &v, allow_http)
                .map_err(|e| client_error(e.to_string()))
        })
        .transpose()?,
    };
    if let Some(endpoint) = &endpoint {
        builder = builder
            .with_endpoint(&endpoint.url)
            .with_config(AmazonS3ConfigKey::S3Endpoint, &endpoint.url)
            .with_allow_http(endpoint.http);
    }
    if options.no_sign_request {
        builder = builder.with_skip_signature(true);
    }
    // object_store's defaults: connect 5 s, request 30 s (AWS_CONNECT_TIMEOUT, AWS_TIMEOUT).
    if env("AWS_CONNECT_TIMEOUT").is_none() {
        builder = builder.with_config(
            AmazonS3ConfigKey::Client(ClientConfigKey::ConnectTimeout),
            "5s",
        );
    }
    let from_env = credentials_in_env();
    if !options.no_sign_request && from_env.is_none() && env_true("AWS_EC2_METADATA_DISABLED") {
        return Err(RemoteError::NoCredentials {
            url: url.to_string(),
            detail: format!(
                " (none in the environment, and AWS_EC2_METADATA_DISABLED forbids asking the instance metadata service){}",
                profile_hint()
            ),
        });
    }
    let store = builder.build().map_err(|e| client_error(e.to_string()))?;
    if !options.no_sign_request {
        // Once, before any listing: a missing or refused credential is one clear error.
        let provider = Arc::clone(store.credentials());
        let checked = runtime().block_on(async move {
            tokio::time::timeout(CREDENTIALS_TIMEOUT, provider.get_credential()).await
        });
        let why = match checked {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => Some(e.to_string()),
            Err(_) => Some(format!(
                "no answer within {} s",
                CREDENTIALS_TIMEOUT.as_secs()
            )),
        };
        if let Some(why) = why {
            let source = from_env.unwrap_or("the instance metadata service (EC2)");
            return Err(RemoteError::NoCredentials {
                url: url.to_string(),
                detail: format!(" ({source}: {why}){}", profile_hint()),
            });
        }
    }
    Ok(Bucket {
        name: url.bucket.clone(),
        store,
    })
}

/// An object store error in words: for an S3 error answer, what to check and S3's own code and
/// message; else the client's text (which says how often the request was retried).
pub(crate) fn describe(err: &object_store::Error) -> String {
    let mut text = err.to_string();
    // The deepest cause ("operation timed out", "connection refused") when the text hides it.
    let mut cause: &dyn std::error::Error = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let root = cause.to_string();
    if !text.contains(&root) {
        text = format!("{text} ({root})");
    }
    let Some((code, message)) = s3_error(&text) else {
        return text;
    };
    let hint = match code {
        "NoSuchBucket" => "no such bucket",
        "NoSuchKey" => "no such object (deleted after it was listed?)",
        "AccessDenied" | "AllAccessDisabled" => {
            "access denied: the credentials lack s3:ListBucket or s3:GetObject here, or a bucket policy refuses them"
        }
        "InvalidAccessKeyId"
        | "SignatureDoesNotMatch"
        | "ExpiredToken"
        | "InvalidToken"
        | "TokenRefreshRequired" => {
            "the credentials were refused (wrong or expired keys, or a session token missing)"
        }
        "PermanentRedirect"
        | "AuthorizationHeaderMalformed"
        | "IllegalLocationConstraintException" => {
            "the bucket is in another region: set AWS_REGION to its region"
        }
        "SlowDown" | "ServiceUnavailable" | "InternalError" | "RequestTimeout" => {
            "S3 kept failing after the retries (throttled or unavailable): try again later"
        }
        _ => return text,
    };
    let tries = text
        .find(", after ")
        .map(|at| {
            let rest = &text[at + 2..];
            rest.split(", max_retries")
                .next()
                .unwrap_or(rest)
                .to_string()
        })
        .map(|s| format!(", {s}"))
        .unwrap_or_default();
    format!("{hint} ({code}: {message}{tries})")
}

/// The `<Code>` and `<Message>` of an S3 error answer quoted in `text`.
fn s3_error(text: &str) -> Option<(&str, &str)> {
    let between = |open: &str, close: &str| {
        let start = text.find(open)? + open.len();
        let end = start + text[start..].find(close)?;
        Some(&text[start..end])
    };
    let code = between("<Code>", "</Code>")?;
    Some((code, between("<Message>", "</Message>").unwrap_or("")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_errors_are_put_in_words() {
        let err = |text: &str| object_store::Error::Generic {
            store: "S3",
            source: text.into(),
        };
        let text = describe(&err(
            "Error performing GET http://x/b in 9ms, after 5 retries, max_retries: 5, retry_timeout: 60s - 503: <?xml?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
        ));
        assert_eq!(
            text,
            "S3 kept failing after the retries (throttled or unavailable): try again later (SlowDown: Please reduce your request rate., after 5 retries)"
        );
        let text = describe(&err(
            "404 Not Found: <Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>",
        ));
        assert_eq!(
            text,
            "no such bucket (NoSuchBucket: The specified bucket does not exist)"
        );
        assert_eq!(
            describe(&err("connection refused")),
            "Generic S3 error: connection refused"
        );
    }
}
