//! AWS's shapes around a Lambda call as Step Functions reports them: the `lambda:invoke`
//! result envelope, a function error as `(errorType, payload)`, Lambda's service errors as
//! `Lambda.<Code>` with the SDK's cause text; request ids and HTTP dates.

use expr::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The answer of one Invoke, as Lambda's API gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// The response body: the function's result, or its error payload.
    pub payload: String,
    /// `X-Amz-Function-Error` (`Unhandled`, ...) when the function failed.
    pub function_error: Option<String>,
    pub request_id: String,
}

/// A failed Invoke call (not a function error): Lambda's HTTP status, error code and message.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl ServiceError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> ServiceError {
        ServiceError { status, code: code.into(), message: message.into() }
    }

    pub fn not_found(arn: &str) -> ServiceError {
        ServiceError::new(404, "ResourceNotFoundException", format!("Function not found: {arn}"))
    }

    /// Step Functions' error and cause for it: `Lambda.<Code>`, and the Java SDK's text.
    pub fn to_task_error(&self) -> (String, String) {
        (
            format!("Lambda.{}", self.code),
            format!(
                "{} (Service: AWSLambda; Status Code: {}; Error Code: {}; Request ID: {}; Proxy: null)",
                self.message,
                self.status,
                self.code,
                request_id()
            ),
        )
    }
}

/// Step Functions' error and cause for a function error: the payload's `errorType` and the
/// payload itself (as compact JSON when `compact`, else as Lambda returned it);
/// `Lambda.Unknown` when the payload names no error type.
pub fn function_error(payload: &str, compact: bool) -> (String, String) {
    if let Ok(Value::Object(object)) = expr::json::from_str::<Value>(payload) {
        if let Some(error) = object.get("errorType").and_then(Value::as_str) {
            let cause =
                if compact { expr::json::to_string(&Value::Object(object.clone())) } else { payload.to_string() };
            return (error.to_string(), cause);
        }
    }
    (
        "Lambda.Unknown".into(),
        format!(
            "The cause could not be determined because Lambda did not return an error type. Returned payload: {payload}"
        ),
    )
}

/// The function's result as a JSON value (an empty body is null); a result that is not JSON
/// is kept as its text.
pub fn result_value(payload: &str) -> Value {
    if payload.trim().is_empty() {
        return Value::Null;
    }
    expr::json::from_str::<Value>(payload).unwrap_or_else(|_| Value::from(payload))
}

/// The result of `lambda:invoke`, shaped like the recorded AWS response; `log_tail`
/// (`LogType: Tail`) adds `LogResult`, the base64 of the invocation's log lines.
pub fn invoke_response(invocation: &Invocation, log_tail: bool) -> Value {
    let request_id = invocation.request_id.as_str();
    let date = http_date();
    let hex = request_id.replace('-', "");
    let trace = format!("Root=1-{:08x}-{}", now_nanos() / 1_000_000_000, &hex[..hex.len().min(24)]);
    let length = invocation.payload.len().to_string();
    let list = |s: &str| Value::from(vec![Value::from(s)]);
    let log = log_tail.then(|| {
        use base64::Engine;
        let id = request_id;
        let text = format!("START RequestId: {id} Version: $LATEST\nEND RequestId: {id}\nREPORT RequestId: {id}\n");
        base64::engine::general_purpose::STANDARD.encode(text)
    });
    let mut all: expr::json::Map = log.iter().map(|l| ("X-Amz-Log-Result", list(l))).collect();
    all.extend([
        ("X-Amz-Executed-Version", list("$LATEST")),
        ("x-amzn-Remapped-Content-Length", list("0")),
        ("Connection", list("keep-alive")),
        ("x-amzn-RequestId", list(request_id)),
        ("Content-Length", list(&length)),
        ("Date", list(&date)),
        ("X-Amzn-Trace-Id", list(&trace)),
        ("Content-Type", list("application/json")),
    ]);
    let headers: expr::json::Map = [
        ("Connection", Some("keep-alive")),
        ("Content-Length", Some(length.as_str())),
        ("Content-Type", Some("application/json")),
        ("Date", Some(date.as_str())),
        ("X-Amz-Executed-Version", Some("$LATEST")),
        ("X-Amz-Log-Result", log.as_deref()),
        ("x-amzn-Remapped-Content-Length", Some("0")),
        ("x-amzn-RequestId", Some(request_id)),
        ("X-Amzn-Trace-Id", Some(trace.as_str())),
    ]
    .into_iter()
    .filter_map(|(k, v)| Some((k, Value::from(v?))))
    .collect();
    let http: expr::json::Map = [
        ("AllHttpHeaders", Value::from(all)),
        ("HttpHeaders", Value::from(headers)),
        ("HttpStatusCode", Value::from(200)),
    ]
    .into_iter()
    .collect();
    let sdk: expr::json::Map = [("RequestId", Value::from(request_id))].into_iter().collect();
    let mut response: expr::json::Map = [("ExecutedVersion", Value::from("$LATEST"))].into_iter().collect();
    if let Some(log) = log {
        response.insert("LogResult", Value::from(log));
    }
    response.extend([
        ("Payload", result_value(&invocation.payload)),
        ("SdkHttpMetadata", Value::from(http)),
        ("SdkResponseMetadata", Value::from(sdk)),
        ("StatusCode", Value::from(200)),
    ]);
    Value::from(response)
}

/// Lambda's answer for a payload that is not JSON.
pub fn bad_request(payload: &str, problem: &str) -> ServiceError {
    ServiceError::new(
        400,
        "InvalidRequestContentException",
        format!("Could not parse request body into json: {problem} ({})", clip(payload)),
    )
}

pub fn clip(text: &str) -> String {
    const MAX: usize = 32_768;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}

pub fn now_nanos() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

/// An RFC 7231 date (`Tue, 04 Nov 2025 12:31:47 GMT`).
pub fn http_date() -> String {
    let seconds = (now_nanos() / 1_000_000_000) as i64;
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|t| t.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .unwrap_or_default()
}

/// Now as Lambda's `LastModified` (`2024-01-01T12:00:00.000+0000`).
pub fn last_modified() -> String {
    let millis = (now_nanos() / 1_000_000) as i64;
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string())
        .unwrap_or_default()
}

/// Now as an ISO 8601 timestamp with milliseconds (`2024-01-01T12:00:00.000Z`).
pub fn iso_now() -> String {
    let millis = (now_nanos() / 1_000_000) as i64;
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

/// A fresh UUID v4 text for request ids (not reproducible: these are outside the engine).
pub fn request_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = (now_nanos() as u64) ^ COUNTER.fetch_add(1, Ordering::Relaxed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    expr::Rng::new(seed ^ u64::from(std::process::id())).uuid_v4()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_errors_take_the_error_type_or_are_unknown() {
        let payload = r#"{"errorMessage":"boom","errorType":"ValueError","requestId":"r","stackTrace":[]}"#;
        assert_eq!(function_error(payload, true), ("ValueError".to_string(), payload.to_string()));
        let spaced = r#"{"errorMessage": "boom", "errorType": "ValueError"}"#;
        assert_eq!(function_error(spaced, false).1, spaced);
        assert_eq!(function_error(spaced, true).1, r#"{"errorMessage":"boom","errorType":"ValueError"}"#);
        let (error, cause) = function_error(r#"{"errorMessage":"x Task timed out after 1.00 seconds"}"#, true);
        assert_eq!(error, "Lambda.Unknown");
        assert!(cause.ends_with(r#"Returned payload: {"errorMessage":"x Task timed out after 1.00 seconds"}"#));
    }

    #[test]
    fn results_are_json_or_text() {
        assert_eq!(result_value(""), Value::Null);
        assert_eq!(result_value("[1]"), expr::json!([1]));
        assert_eq!(result_value("aaa"), Value::from("aaa"));
    }
}
