//! Forwarding to AWS Lambda with SigV4: a local axum server stands in for the Invoke endpoint,
//! records each request, and the test checks the `Authorization` header's shape and recomputes
//! its signature with `aws-sigv4` from what the server received. Also: https is really TLS.

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use axum::body::Bytes;
use axum::http::{HeaderMap, Uri};
use lambda::{AwsSigning, FunctionConfig, Lambda, Options, Source};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// What the stand-in endpoint received.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// An Invoke endpoint on loopback that records requests and answers `{"ok":true}`.
async fn recording_endpoint() -> (String, Arc<Mutex<Vec<Received>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let handler = move |uri: Uri, headers: HeaderMap, body: Bytes| {
        let log = log.clone();
        async move {
            let headers =
                headers.iter().map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string())).collect();
            log.lock().unwrap().push(Received { path: uri.path().to_string(), headers, body: body.to_vec() });
            "{\"ok\":true}"
        }
    };
    let router = axum::Router::new().route("/2015-03-31/functions/{name}/invocations", axum::routing::post(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (address.to_string(), seen)
}

fn lambda(dir: &std::path::Path) -> Lambda {
    let options = Options {
        region: "us-east-1".into(),
        account: "123456789012".into(),
        cache_dir: dir.join("cache"),
        data_dir: None,
    };
    Lambda::new(options).expect("lambda")
}

/// The `Authorization` header aws-sigv4 computes for the received request with `secret`.
fn recompute(received: &Received, address: &str, region: &str, secret: &str, token: Option<&str>) -> String {
    let date = received.header("x-amz-date").expect("x-amz-date");
    let time = chrono::NaiveDateTime::parse_from_str(date, "%Y%m%dT%H%M%SZ").expect("x-amz-date format").and_utc();
    let time = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(time.timestamp() as u64);
    let authorization = received.header("authorization").unwrap();
    let signed = authorization.split("SignedHeaders=").nth(1).unwrap().split(',').next().unwrap();
    // The signer adds x-amz-date and the token itself; the other signed headers are given.
    let headers: Vec<(&str, &str)> = signed
        .split(';')
        .filter(|h| !matches!(*h, "x-amz-date" | "x-amz-security-token"))
        .map(|h| (h, received.header(h).unwrap_or_else(|| panic!("signed header {h} was not received"))))
        .collect();
    let identity: Identity = Credentials::new("AKID", secret, token.map(str::to_string), None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("lambda")
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let url = format!("http://{address}{}", received.path);
    let request = SignableRequest::new("POST", url, headers.into_iter(), SignableBody::Bytes(&received.body)).unwrap();
    let (instructions, _) = sign(request, &params).unwrap().into_parts();
    let (_, value) = instructions.headers().find(|(k, _)| k.eq_ignore_ascii_case("authorization")).unwrap();
    value.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_invokes_are_signed_with_sigv4() {
    let dir = tempfile::tempdir().unwrap();
    let lambda = lambda(dir.path());
    let (address, seen) = recording_endpoint().await;
    let endpoint = format!("http://{address}");
    let signing = |token: Option<&str>| AwsSigning {
        region: "eu-west-1".into(),
        access_key_id: "AKID".into(),
        secret_access_key: "s3cr3t".into(),
        session_token: token.map(str::to_string),
    };
    for (name, signing) in [("plain", None), ("keyed", Some(signing(None))), ("session", Some(signing(Some("TOKEN"))))]
    {
        let mut config = FunctionConfig::new(Source::Endpoint(endpoint.clone()));
        config.signing = signing;
        lambda.add(name, config).unwrap();
    }
    for name in ["plain", "keyed", "session"] {
        let input = expr::json!({"FunctionName": name, "Payload": {"x": [1, "é"]}});
        let output = lambda.task("arn:aws:states:::lambda:invoke", &input).await.unwrap().expect("invoked");
        assert_eq!(output.get("Payload"), Some(&expr::json!({"ok": true})));
    }
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    // Unsigned when there are no credentials (SAM local).
    assert_eq!(seen[0].path, "/2015-03-31/functions/plain/invocations");
    assert!(seen[0].header("authorization").is_none() && seen[0].header("x-amz-date").is_none());
    for (received, token) in [(&seen[1], None), (&seen[2], Some("TOKEN"))] {
        let authorization = received.header("authorization").expect("signed");
        let date = received.header("x-amz-date").expect("x-amz-date");
        assert_eq!(date.len(), 16, "{date}");
        let prefix =
            format!("AWS4-HMAC-SHA256 Credential=AKID/{}/eu-west-1/lambda/aws4_request, SignedHeaders=", &date[..8]);
        assert!(authorization.starts_with(&prefix), "{authorization}");
        assert!(authorization.contains(", Signature="), "{authorization}");
        let signed = authorization[prefix.len()..].split(',').next().unwrap();
        for header in ["content-type", "host", "x-amz-date", "x-amz-invocation-type"] {
            assert!(signed.split(';').any(|h| h == header), "{header} is signed: {signed}");
        }
        assert_eq!(received.header("x-amz-security-token"), token);
        assert_eq!(signed.split(';').any(|h| h == "x-amz-security-token"), token.is_some(), "{signed}");
        let body: serde_json::Value = serde_json::from_slice(&received.body).unwrap();
        assert_eq!(body, serde_json::json!({"x": [1, "é"]}));
        assert_eq!(recompute(received, &address, "eu-west-1", "s3cr3t", token), authorization);
        // The comparison can fail: another secret or region gives another signature.
        assert_ne!(recompute(received, &address, "eu-west-1", "other", token), authorization);
        assert_ne!(recompute(received, &address, "us-east-1", "s3cr3t", token), authorization);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_endpoint_speaks_tls() {
    let dir = tempfile::tempdir().unwrap();
    let lambda = lambda(dir.path());
    // A plain-HTTP server behind an https:// URL: the TLS handshake fails and no HTTP
    // request reaches it (a self-signed certificate would not be trusted either).
    let (address, seen) = recording_endpoint().await;
    lambda.add("tls", FunctionConfig::new(Source::Endpoint(format!("https://{address}")))).unwrap();
    let resource = "arn:aws:lambda:us-east-1:123456789012:function:tls";
    let (error, cause) = lambda.task(resource, &expr::json!({})).await.unwrap().unwrap_err();
    assert_eq!(error, "Lambda.SdkClientException", "{cause}");
    assert!(cause.contains("Unable to execute HTTP request"), "{cause}");
    assert!(seen.lock().unwrap().is_empty());
}
