//! Pushing a segment's members to a webhook.
//!
//! Members go out as JSON batches, each POSTed on its own:
//! `{"segment", "version", "build_id", "batch", "batches", "members": [...]}`
//! with `X-Huaxiang-Signature: sha256=<hex HMAC-SHA256 of the body>` so the
//! receiver can check that the body came from someone holding the shared
//! secret and was not altered, and `X-Huaxiang-Delivery:
//! <segment>:<build_id>:<batch>` so it can ignore a batch it already has
//! (a retry after a lost response delivers twice).
//!
//! Server errors (5xx), 408, 429 and connection failures are retried with
//! exponential backoff, a bounded number of times; other 4xx answers mean the
//! request itself is wrong and are not retried. A batch that fails does not
//! stop the others: the report lists which batches were delivered and which
//! failed, so they can be sent again with `--only-batches`.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::error::{Error, Result};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Huaxiang-Signature";
/// The delivery-id header (segment:build:batch).
pub const DELIVERY_HEADER: &str = "X-Huaxiang-Delivery";

/// How to push.
#[derive(Debug, Clone)]
pub struct PushOptions {
    pub url: String,
    pub secret: Vec<u8>,
    pub batch_size: usize,
    /// Attempts per batch, first one included.
    pub max_attempts: u32,
    /// Delay before the first retry; doubled for each further one.
    pub base_delay: Duration,
    /// Longest delay between two attempts.
    pub max_delay: Duration,
    /// Time limit of one request.
    pub timeout: Duration,
    /// Send only these batches (1-based); all when `None`.
    pub only_batches: Option<Vec<usize>>,
}

impl PushOptions {
    pub fn new(url: &str, secret: &[u8]) -> PushOptions {
        PushOptions {
            url: url.to_string(),
            secret: secret.to_vec(),
            batch_size: 500,
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            timeout: Duration::from_secs(30),
            only_batches: None,
        }
    }
}

/// What happened to one batch.
#[derive(Debug, Clone, Serialize)]
pub struct BatchOutcome {
    pub batch: usize,
    pub members: usize,
    pub attempts: u32,
    pub delivered: bool,
    /// HTTP status of the last attempt, when there was an answer.
    pub status: Option<u16>,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// What a push did.
#[derive(Debug, Clone, Serialize)]
pub struct PushReport {
    pub segment: String,
    pub build_id: i64,
    pub members: usize,
    pub batches: usize,
    pub outcomes: Vec<BatchOutcome>,
}

impl PushReport {
    pub fn delivered(&self) -> Vec<usize> {
        self.outcomes.iter().filter(|o| o.delivered).map(|o| o.batch).collect()
    }
    pub fn failed(&self) -> Vec<usize> {
        self.outcomes.iter().filter(|o| !o.delivered).map(|o| o.batch).collect()
    }
}

/// `sha256=<hex HMAC-SHA256(secret, body)>`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks a signature header value in constant time.
pub fn verify(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(hex_part) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(expected) = hex::decode(hex_part) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// The delay before attempt `attempt + 1` (attempt ≥ 1).
fn backoff(opts: &PushOptions, attempt: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
    opts.base_delay.saturating_mul(factor).min(opts.max_delay)
}

/// Whether an HTTP status is worth retrying.
fn retryable(status: u16) -> bool {
    status >= 500 || status == 408 || status == 429
}

/// Checks the URL: http or https, with a host.
pub fn check_url(url: &str) -> Result<url::Url> {
    let u = url::Url::parse(url).map_err(|e| Error::Usage(format!("webhook URL `{url}` is not valid: {e}")))?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return Err(Error::Usage(format!(
            "webhook URL `{url}` must be http:// or https:// with a host"
        )));
    }
    Ok(u)
}

/// Posts `members` in batches; `progress` is called after each batch.
pub async fn push(
    segment: &str,
    version: i64,
    build_id: i64,
    members: &[serde_json::Value],
    opts: &PushOptions,
    mut progress: impl FnMut(&BatchOutcome),
) -> Result<PushReport> {
    let url = check_url(&opts.url)?;
    if opts.secret.is_empty() {
        return Err(Error::Usage("the webhook secret is empty".to_string()));
    }
    if opts.batch_size == 0 {
        return Err(Error::Usage("--batch-size must be at least 1".to_string()));
    }
    let mut builder = reqwest::Client::builder()
        .timeout(opts.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("huaxiang/", env!("CARGO_PKG_VERSION")));
    if huaxiang_core::net::is_loopback(&url) {
        // A proxy cannot reach this machine's own loopback interface.
        builder = builder.no_proxy();
    }
    let client = builder
        .build()
        .map_err(|e| Error::Webhook(format!("cannot create the HTTP client: {e}")))?;
    let chunks: Vec<&[serde_json::Value]> = members.chunks(opts.batch_size).collect();
    let batches = chunks.len();
    if let Some(only) = &opts.only_batches
        && let Some(bad) = only.iter().find(|b| **b == 0 || **b > batches)
    {
        return Err(Error::Usage(format!(
            "batch {bad} does not exist: this push has batches 1 to {batches}"
        )));
    }
    let mut outcomes = Vec::new();
    for (i, chunk) in chunks.iter().enumerate() {
        let batch = i + 1;
        if opts.only_batches.as_ref().is_some_and(|o| !o.contains(&batch)) {
            continue;
        }
        let body = serde_json::to_vec(&serde_json::json!({
            "segment": segment,
            "version": version,
            "build_id": build_id,
            "batch": batch,
            "batches": batches,
            "members": chunk,
        }))?;
        let outcome = send(&client, &url, &body, segment, build_id, batch, chunk.len(), opts).await;
        progress(&outcome);
        outcomes.push(outcome);
    }
    Ok(PushReport {
        segment: segment.to_string(),
        build_id,
        members: members.len(),
        batches,
        outcomes,
    })
}

/// Sends one batch, retrying as the module documentation says.
#[allow(clippy::too_many_arguments)]
async fn send(
    client: &reqwest::Client,
    url: &url::Url,
    body: &[u8],
    segment: &str,
    build_id: i64,
    batch: usize,
    members: usize,
    opts: &PushOptions,
) -> BatchOutcome {
    let sig = signature(&opts.secret, body);
    let delivery = format!("{segment}:{build_id}:{batch}");
    let mut outcome = BatchOutcome {
        batch,
        members,
        attempts: 0,
        delivered: false,
        status: None,
        error: None,
    };
    let attempts = opts.max_attempts.max(1);
    for attempt in 1..=attempts {
        outcome.attempts = attempt;
        let sent = client
            .post(url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, &sig)
            .header(DELIVERY_HEADER, &delivery)
            .body(body.to_vec())
            .send()
            .await;
        let retry = match sent {
            Ok(resp) => {
                let status = resp.status().as_u16();
                outcome.status = Some(status);
                if resp.status().is_success() {
                    outcome.delivered = true;
                    outcome.error = None;
                    return outcome;
                }
                let text = resp.text().await.unwrap_or_default();
                let text: String = text.chars().take(200).collect();
                outcome.error = Some(if (300..400).contains(&status) {
                    format!("HTTP {status}: the webhook redirects; give its final URL")
                } else {
                    format!("HTTP {status}: {}", text.trim())
                });
                retryable(status)
            }
            Err(e) => {
                outcome.status = None;
                outcome.error = Some(format!("request failed: {}", huaxiang_core::error::chain(&e)));
                true
            }
        };
        if !retry {
            break;
        }
        if attempt < attempts {
            tokio::time::sleep(backoff(opts, attempt)).await;
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    #[test]
    fn signature_matches_rfc_4231_test_case_2() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let s = signature(b"k", b"body");
        assert!(verify(b"k", b"body", &s));
        assert!(!verify(b"k", b"body!", &s));
        assert!(!verify(b"other", b"body", &s));
        assert!(!verify(b"k", b"body", "md5=00"));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let mut o = PushOptions::new("http://x", b"s");
        o.base_delay = Duration::from_millis(100);
        o.max_delay = Duration::from_millis(500);
        let d: Vec<u128> = (1..=5).map(|a| backoff(&o, a).as_millis()).collect();
        assert_eq!(d, [100, 200, 400, 500, 500]);
        assert!(retryable(503) && retryable(429) && !retryable(400) && !retryable(404));
    }

    #[test]
    fn urls() {
        assert!(check_url("https://hooks.example.com/x").is_ok());
        assert!(check_url("ftp://example.com").is_err());
        assert!(check_url("not a url").is_err());
        let loopback = |u: &str| huaxiang_core::net::is_loopback(&check_url(u).expect("url"));
        assert!(loopback("http://127.0.0.1:8080/x") && loopback("http://[::1]/x") && loopback("http://localhost/x"));
        assert!(!loopback("https://hooks.example.com/x"));
    }

    /// What the test server saw of one request: body, signature verified, delivery id.
    type Seen = Arc<Mutex<Vec<(Vec<u8>, bool, String)>>>;

    /// A minimal HTTP/1.1 server: answers each request with the next status of
    /// `script` (then 200), recording bodies and whether signatures verified.
    struct Server {
        url: String,
        seen: Seen,
    }

    async fn server(secret: &'static [u8], script: Vec<u16>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen2 = seen.clone();
        let script = Arc::new(Mutex::new(script.into_iter()));
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let mut buf = Vec::new();
                let mut tmp = [0u8; 4096];
                let (head_end, len) = loop {
                    let n = sock.read(&mut tmp).await.expect("read");
                    if n == 0 {
                        break (0, 0);
                    }
                    buf.extend_from_slice(&tmp[..n]);
                    if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..p]).to_lowercase();
                        let len = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        break (p + 4, len);
                    }
                };
                if head_end == 0 {
                    continue;
                }
                while buf.len() < head_end + len {
                    let n = sock.read(&mut tmp).await.expect("read body");
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&tmp[..n]);
                }
                let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                let body = buf[head_end..head_end + len].to_vec();
                let sig = head
                    .lines()
                    .find_map(|l| {
                        l.split_once(':')
                            .filter(|(k, _)| k.eq_ignore_ascii_case(SIGNATURE_HEADER))
                            .map(|(_, v)| v.trim().to_string())
                    })
                    .unwrap_or_default();
                let delivery = head
                    .lines()
                    .find_map(|l| {
                        l.split_once(':')
                            .filter(|(k, _)| k.eq_ignore_ascii_case(DELIVERY_HEADER))
                            .map(|(_, v)| v.trim().to_string())
                    })
                    .unwrap_or_default();
                let ok = verify(secret, &body, &sig);
                seen2.lock().expect("lock").push((body, ok, delivery));
                let status = script.lock().expect("lock").next().unwrap_or(200);
                let reply = format!("HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nno");
                let _ = sock.write_all(reply.as_bytes()).await;
                let _ = sock.shutdown().await;
            }
        });
        Server { url, seen }
    }

    fn members(n: usize) -> Vec<serde_json::Value> {
        (0..n)
            .map(|i| serde_json::json!({ "person_id": format!("P{i}") }))
            .collect()
    }

    fn fast(url: &str) -> PushOptions {
        let mut o = PushOptions::new(url, b"s3cret");
        o.base_delay = Duration::from_millis(10);
        o.batch_size = 2;
        o
    }

    #[tokio::test]
    async fn retries_server_errors_and_signs_every_batch() {
        let srv = server(b"s3cret", vec![503, 200, 502, 500]).await;
        let mut calls = 0;
        let report = push("vip", 2, 7, &members(5), &fast(&srv.url), |_| calls += 1)
            .await
            .expect("push");
        assert_eq!((report.batches, calls), (3, 3));
        assert_eq!(report.delivered(), [1, 2, 3]);
        let attempts: Vec<u32> = report.outcomes.iter().map(|o| o.attempts).collect();
        assert_eq!(attempts, [2, 3, 1]);
        let seen = srv.seen.lock().expect("lock");
        assert_eq!(seen.len(), 6);
        assert!(seen.iter().all(|(_, ok, _)| *ok), "every signature verifies");
        let last: serde_json::Value = serde_json::from_slice(&seen[5].0).expect("json");
        assert_eq!(last["segment"], "vip");
        assert_eq!(last["build_id"], 7);
        assert_eq!(last["batch"], 3);
        assert_eq!(last["members"].as_array().map(Vec::len), Some(1));
        assert_eq!(seen[5].2, "vip:7:3");
    }

    #[tokio::test]
    async fn client_errors_fail_one_batch_without_losing_the_rest() {
        let srv = server(b"s3cret", vec![200, 400]).await;
        let report = push("vip", 1, 1, &members(6), &fast(&srv.url), |_| {})
            .await
            .expect("push");
        assert_eq!(report.delivered(), [1, 3]);
        assert_eq!(report.failed(), [2]);
        let failed = &report.outcomes[1];
        assert_eq!((failed.attempts, failed.status), (1, Some(400)));
        assert!(failed.error.as_deref().unwrap_or("").contains("HTTP 400"), "{failed:?}");
    }

    #[tokio::test]
    async fn gives_up_after_the_attempt_limit_and_resends_chosen_batches() {
        let srv = server(b"s3cret", vec![503; 10]).await;
        let mut o = fast(&srv.url);
        o.max_attempts = 3;
        o.only_batches = Some(vec![2]);
        let report = push("vip", 1, 1, &members(6), &o, |_| {}).await.expect("push");
        assert_eq!(report.outcomes.len(), 1);
        assert_eq!((report.outcomes[0].batch, report.outcomes[0].attempts), (2, 3));
        assert_eq!(report.failed(), [2]);
        o.only_batches = Some(vec![4]);
        assert!(push("vip", 1, 1, &members(6), &o, |_| {}).await.is_err());
    }

    #[tokio::test]
    async fn connection_errors_are_retried_then_reported() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        drop(listener);
        let mut o = fast(&url);
        o.max_attempts = 2;
        let report = push("vip", 1, 1, &members(1), &o, |_| {}).await.expect("push");
        let out = &report.outcomes[0];
        assert_eq!((out.delivered, out.attempts, out.status), (false, 2, None));
        assert!(out.error.as_deref().unwrap_or("").contains("request failed"), "{out:?}");
    }
}
