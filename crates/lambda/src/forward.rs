//! Forwarding to a Lambda-compatible Invoke endpoint (`sam local start-lambda`, another
//! emulator, or real AWS Lambda over https): `POST /2015-03-31/functions/NAME/invocations`,
//! SigV4-signed when the function has AWS credentials (`sigv4.rs`), its `X-Amz-Function-Error`
//! header read as a function error and an error status as Lambda's service error.

use crate::shape::{request_id, Invocation, ServiceError};
use crate::sigv4::{self, AwsSigning};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

/// One client (rustls, webpki roots) shared by all forwarded functions.
fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        // Invoke is never redirected; a redirect would also lose the signature.
        let builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
        builder.build().unwrap_or_default()
    })
}

/// Calls Invoke on `endpoint` (`http://HOST:PORT` or `https://...`), signed with `signing`.
pub async fn invoke(
    endpoint: &str,
    signing: Option<&AwsSigning>,
    name: &str,
    payload: String,
    timeout: Duration,
) -> Result<Invocation, ServiceError> {
    let failed = |what: String| ServiceError::new(500, "SdkClientException", what);
    let url = format!("{}/2015-03-31/functions/{name}/invocations", endpoint.trim_end_matches('/'));
    let url = reqwest::Url::parse(&url).map_err(|e| failed(format!("the endpoint '{endpoint}' is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(failed(format!("the endpoint '{endpoint}' is not an http:// or https:// URL")));
    }
    let host = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        (None, _) => return Err(failed(format!("the endpoint '{endpoint}' has no host"))),
    };
    let mut headers = vec![
        ("host".to_string(), host),
        ("content-type".to_string(), "application/json".to_string()),
        ("x-amz-invocation-type".to_string(), "RequestResponse".to_string()),
    ];
    if let Some(signing) = signing {
        let signed: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let added = sigv4::sign(signing, "POST", url.as_str(), &signed, payload.as_bytes(), SystemTime::now())
            .map_err(failed)?;
        headers.extend(added);
    }
    let call = async {
        let mut request = client().post(url.clone()).timeout(timeout);
        for (name, value) in &headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let response = request.body(payload).send().await.map_err(|e| failed(unable(&e)))?;
        let status = response.status().as_u16();
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let function_error = header("x-amz-function-error");
        let id = header("x-amzn-requestid").unwrap_or_else(request_id);
        let error_type = header("x-amzn-errortype");
        let body = response.bytes().await.map_err(|e| failed(format!("Unable to read the response: {}", chain(&e))))?;
        let body = String::from_utf8_lossy(&body).into_owned();
        if (200..300).contains(&status) {
            return Ok(Invocation { payload: body, function_error, request_id: id });
        }
        Err(service_error(status, error_type, &body))
    };
    match tokio::time::timeout(timeout, call).await {
        Ok(result) => result,
        Err(_) => Err(failed(format!("Unable to execute HTTP request: Read timed out after {} s", timeout.as_secs()))),
    }
}

/// The SDK's message for a failed request, with the causes (connect, TLS) reqwest keeps inside.
fn unable(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "Unable to execute HTTP request: Read timed out".into();
    }
    format!("Unable to execute HTTP request: {}", chain(e))
}

/// An error and its sources, joined with `: `.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Lambda's error response: the code from `x-amzn-ErrorType` (before any `:`) or the body's
/// `__type`/`Type`, the message from `message`/`Message`.
fn service_error(status: u16, header: Option<String>, body: &str) -> ServiceError {
    let parsed: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let code = header
        .map(|h| h.split(':').next().unwrap_or_default().to_string())
        .or_else(|| {
            parsed.get("__type").and_then(|v| v.as_str()).map(|t| t.rsplit('#').next().unwrap_or(t).to_string())
        })
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| if status == 404 { "ResourceNotFoundException".into() } else { "ServiceException".into() });
    let message = ["message", "Message", "errorMessage"]
        .iter()
        .find_map(|k| parsed.get(*k).and_then(|v| v.as_str()))
        .map(str::to_string)
        .unwrap_or_else(|| body.to_string());
    ServiceError::new(status, &code, message)
}
