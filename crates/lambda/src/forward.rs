//! Forwarding to a Lambda-compatible Invoke endpoint (`sam local start-lambda`, another
//! emulator): `POST /2015-03-31/functions/NAME/invocations`, its `X-Amz-Function-Error`
//! header read as a function error and an error status as Lambda's service error.
//! Requests are not signed (SigV4 for real AWS is not supported yet).

use crate::shape::{request_id, Invocation, ServiceError};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use std::time::Duration;

/// Calls Invoke on `endpoint` (`http://HOST:PORT`).
pub async fn invoke(endpoint: &str, name: &str, payload: String, timeout: Duration) -> Result<Invocation, ServiceError> {
    let failed = |what: String| ServiceError::new(500, "SdkClientException", what);
    let authority = endpoint
        .strip_prefix("http://")
        .ok_or_else(|| failed(format!("the endpoint '{endpoint}' is not an http:// URL (https is not supported)")))?
        .trim_end_matches('/');
    let (host, base) = match authority.split_once('/') {
        Some((host, base)) => (host, format!("/{base}")),
        None => (authority, String::new()),
    };
    let call = async {
        let stream = tokio::net::TcpStream::connect(host)
            .await
            .map_err(|e| failed(format!("Unable to execute HTTP request: Connect to {host} failed: {e}")))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| failed(format!("Unable to execute HTTP request: {e}")))?;
        tokio::spawn(connection);
        let request = hyper::Request::post(format!("{base}/2015-03-31/functions/{name}/invocations"))
            .header("host", host)
            .header("content-type", "application/json")
            .header("x-amz-invocation-type", "RequestResponse")
            .body(Full::new(Bytes::from(payload)))
            .map_err(|e| failed(format!("bad request: {e}")))?;
        let response =
            sender.send_request(request).await.map_err(|e| failed(format!("Unable to execute HTTP request: {e}")))?;
        let status = response.status().as_u16();
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let function_error = header("x-amz-function-error");
        let id = header("x-amzn-requestid").unwrap_or_else(request_id);
        let error_type = header("x-amzn-errortype");
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| failed(format!("Unable to read the response: {e}")))?
            .to_bytes();
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

/// Lambda's error response: the code from `x-amzn-ErrorType` (before any `:`) or the body's
/// `__type`/`Type`, the message from `message`/`Message`.
fn service_error(status: u16, header: Option<String>, body: &str) -> ServiceError {
    let parsed: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let code = header
        .map(|h| h.split(':').next().unwrap_or_default().to_string())
        .or_else(|| parsed.get("__type").and_then(|v| v.as_str()).map(|t| t.rsplit('#').next().unwrap_or(t).to_string()))
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| if status == 404 { "ResourceNotFoundException".into() } else { "ServiceException".into() });
    let message = ["message", "Message", "errorMessage"]
        .iter()
        .find_map(|k| parsed.get(*k).and_then(|v| v.as_str()))
        .map(str::to_string)
        .unwrap_or_else(|| body.to_string());
    ServiceError::new(status, &code, message)
}
