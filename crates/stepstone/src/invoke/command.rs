//! Local Lambda functions: `--function NAME=COMMAND` runs COMMAND through `sh -c` with the
//! event JSON on stdin, for Tasks on a Lambda function ARN or on `arn:aws:states:::lambda:invoke`.

use crate::local::{ACCOUNT, REGION};
use expr::Value;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The resource of the optimised Lambda integration.
const LAMBDA_INVOKE: &str = "arn:aws:states:::lambda:invoke";

/// The local functions, by name.
#[derive(Debug, Default, Clone)]
pub struct Functions {
    functions: Vec<(String, String)>,
}

/// Which Lambda call a Task makes.
enum Call<'a> {
    /// `arn:aws:lambda:...:function:NAME`: the effective input is the event; the result is the
    /// function's result.
    Direct { name: &'a str },
    /// `arn:aws:states:::lambda:invoke`: `Parameters.FunctionName` and `Parameters.Payload`; the
    /// result is wrapped like Lambda's Invoke response.
    Invoke { name: &'a str },
}

impl Functions {
    /// Parses `NAME=COMMAND` specs.
    pub fn parse(specs: &[String]) -> Result<Functions, String> {
        let mut functions: Vec<(String, String)> = Vec::new();
        for spec in specs {
            let Some((name, command)) = spec.split_once('=') else {
                return Err(format!("--function {spec:?}: expected NAME=COMMAND"));
            };
            let name = name.trim();
            if name.is_empty() || name.contains(':') || command.trim().is_empty() {
                return Err(format!("--function {spec:?}: expected NAME=COMMAND with a plain function name"));
            }
            if functions.iter().any(|(n, _)| n == name) {
                return Err(format!("--function: '{name}' is given twice"));
            }
            functions.push((name.to_string(), command.to_string()));
        }
        Ok(Functions { functions })
    }

    pub fn is_empty(&self) -> bool {
        self.functions.is_empty()
    }

    /// Runs the Task when its resource is a Lambda call; None for other resources.
    pub fn invoke(&self, resource: &str, input: &Value) -> Option<Result<Value, (String, String)>> {
        let call = if resource == LAMBDA_INVOKE {
            Call::Invoke { name: function_name(input.get("FunctionName")?.as_str()?)? }
        } else if resource.starts_with("arn:") {
            Call::Direct { name: function_name(resource.strip_prefix("arn:aws:lambda:")?)? }
        } else {
            Call::Direct { name: self.functions.iter().find(|(n, _)| n == resource)?.0.as_str() }
        };
        let name = match call {
            Call::Direct { name } | Call::Invoke { name } => name,
        };
        let Some((_, command)) = self.functions.iter().find(|(n, _)| n == name) else {
            return Some(Err(not_found(name)));
        };
        Some(match call {
            Call::Direct { .. } => run(name, command, &expr::json::to_string(input)).map(|(value, _)| value),
            Call::Invoke { .. } => {
                let payload = match input.get("Payload") {
                    None | Some(Value::Null) => "{}".to_string(),
                    Some(Value::String(text)) => text.as_str().to_string(),
                    Some(other) => expr::json::to_string(other),
                };
                if let Err(e) = expr::json::from_str::<Value>(&payload) {
                    return Some(Err(bad_request(&payload, &e.to_string())));
                }
                run(name, command, &payload).map(|(value, body)| invoke_response(value, &body))
            }
        })
    }
}

/// The function name in `NAME`, `NAME:QUALIFIER`, `ACCOUNT:function:NAME[:QUALIFIER]` or a
/// full ARN (`arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`, also without `arn:aws:lambda:`).
fn function_name(text: &str) -> Option<&str> {
    let text = text.strip_prefix("arn:aws:lambda:").unwrap_or(text);
    let parts: Vec<&str> = text.split(':').collect();
    let name = match parts.iter().position(|p| *p == "function") {
        Some(i) => parts.get(i + 1)?,
        None => parts.first()?,
    };
    (!name.is_empty()).then_some(name)
}

/// Runs the command; the parsed result and its JSON text, or Lambda's error shape.
fn run(name: &str, command: &str, event: &str) -> Result<(Value, String), (String, String)> {
    let request_id = request_id();
    let child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_REGION", REGION)
        .env("STEPSTONE_REQUEST_ID", &request_id)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => return Err(("Lambda.Unknown".into(), format!("cannot start the function '{name}': {e}"))),
    };
    // Written from a thread so that a function that writes before reading cannot deadlock.
    let writer = child.stdin.take().map(|mut stdin| {
        let event = event.to_string();
        std::thread::spawn(move || {
            // A function that exits without reading its event is not an error.
            let _ = stdin.write_all(event.as_bytes());
        })
    });
    let output = child.wait_with_output();
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    let output =
        output.map_err(|e| ("Lambda.Unknown".to_string(), format!("the function '{name}' failed to run: {e}")))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stdout = stdout.trim();
    if !output.status.success() {
        return Err(function_error(name, stdout, String::from_utf8_lossy(&output.stderr).trim(), output.status));
    }
    if stdout.is_empty() {
        return Ok((Value::Null, "null".into()));
    }
    match expr::json::from_str::<Value>(stdout) {
        Ok(value) => Ok((value, stdout.to_string())),
        Err(e) => Err((
            "States.TaskFailed".into(),
            format!("The function '{name}' wrote a result that is not JSON ({e}): {}", clip(stdout)),
        )),
    }
}

/// A failed function: Lambda's `{"errorType", "errorMessage"}` gives the error and the cause;
/// anything else is an unhandled error (`Lambda.Unknown`).
fn function_error(name: &str, stdout: &str, stderr: &str, status: std::process::ExitStatus) -> (String, String) {
    if let Ok(Value::Object(object)) = expr::json::from_str::<Value>(stdout) {
        if let Some(error) = object.get("errorType").and_then(Value::as_str) {
            return (error.to_string(), stdout.to_string());
        }
    }
    let cause = if !stderr.is_empty() {
        clip(stderr)
    } else if !stdout.is_empty() {
        clip(stdout)
    } else {
        format!("The function '{name}' exited with {status}")
    };
    ("Lambda.Unknown".into(), cause)
}

/// Lambda's answer for a function that does not exist, as Step Functions reports it.
fn not_found(name: &str) -> (String, String) {
    (
        "Lambda.ResourceNotFoundException".into(),
        format!(
            "Function not found: arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}:$LATEST (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: {}; Proxy: null)",
            request_id()
        ),
    )
}

/// Lambda's answer for a payload that is not JSON.
fn bad_request(payload: &str, problem: &str) -> (String, String) {
    (
        "Lambda.InvalidRequestContentException".into(),
        format!(
            "Could not parse request body into json: {problem} ({}) (Service: AWSLambda; Status Code: 400; Error Code: InvalidRequestContentException; Request ID: {}; Proxy: null)",
            clip(payload),
            request_id()
        ),
    )
}

/// The result of `lambda:invoke`, shaped like the recorded AWS response.
fn invoke_response(payload: Value, body: &str) -> Value {
    let request_id = request_id();
    let date = http_date();
    let trace = format!("Root=1-{:08x}-{}", now_nanos() / 1_000_000_000, &request_id.replace('-', "")[..24]);
    let length = body.len().to_string();
    let list = |s: &str| Value::from(vec![Value::from(s)]);
    let all: expr::json::Map = [
        ("X-Amz-Executed-Version", list("$LATEST")),
        ("x-amzn-Remapped-Content-Length", list("0")),
        ("Connection", list("keep-alive")),
        ("x-amzn-RequestId", list(&request_id)),
        ("Content-Length", list(&length)),
        ("Date", list(&date)),
        ("X-Amzn-Trace-Id", list(&trace)),
        ("Content-Type", list("application/json")),
    ]
    .into_iter()
    .collect();
    let headers: expr::json::Map = [
        ("Connection", "keep-alive"),
        ("Content-Length", length.as_str()),
        ("Content-Type", "application/json"),
        ("Date", date.as_str()),
        ("X-Amz-Executed-Version", "$LATEST"),
        ("x-amzn-Remapped-Content-Length", "0"),
        ("x-amzn-RequestId", request_id.as_str()),
        ("X-Amzn-Trace-Id", trace.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k, Value::from(v)))
    .collect();
    let http: expr::json::Map = [
        ("AllHttpHeaders", Value::from(all)),
        ("HttpHeaders", Value::from(headers)),
        ("HttpStatusCode", Value::from(200)),
    ]
    .into_iter()
    .collect();
    let sdk: expr::json::Map = [("RequestId", Value::from(request_id.as_str()))].into_iter().collect();
    let response: expr::json::Map = [
        ("ExecutedVersion", Value::from("$LATEST")),
        ("Payload", payload),
        ("SdkHttpMetadata", Value::from(http)),
        ("SdkResponseMetadata", Value::from(sdk)),
        ("StatusCode", Value::from(200)),
    ]
    .into_iter()
    .collect();
    Value::from(response)
}

fn clip(text: &str) -> String {
    const MAX: usize = 32_768;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}

fn now_nanos() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

/// An RFC 7231 date (`Tue, 04 Nov 2025 12:31:47 GMT`).
fn http_date() -> String {
    let seconds = (now_nanos() / 1_000_000_000) as i64;
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|t| t.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .unwrap_or_default()
}

/// A fresh UUID v4 text for request ids (not reproducible: these are outside the engine).
fn request_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = (now_nanos() as u64) ^ COUNTER.fetch_add(1, Ordering::Relaxed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    expr::Rng::new(seed ^ u64::from(std::process::id())).uuid_v4()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_come_from_names_and_arns() {
        assert_eq!(function_name("f"), Some("f"));
        assert_eq!(function_name("f:prod"), Some("f"));
        assert_eq!(function_name("arn:aws:lambda:us-east-1:123456789012:function:f:prod"), Some("f"));
        assert_eq!(function_name("123456789012:function:f"), Some("f"));
        assert_eq!(function_name("arn:aws:lambda:us-east-1:123456789012:function:"), None);
    }

    #[test]
    fn specs_need_a_name_and_a_command() {
        assert!(Functions::parse(&["f=cat".into()]).is_ok());
        for bad in ["f", "=cat", "f=", "a:b=cat"] {
            assert!(Functions::parse(&[bad.into()]).is_err(), "{bad}");
        }
        assert!(Functions::parse(&["f=cat".into(), "f=cat".into()]).unwrap_err().contains("twice"));
    }

    #[test]
    fn other_resources_are_not_handled() {
        let functions = Functions::parse(&["f=cat".into()]).expect("valid");
        assert!(functions.invoke("arn:aws:states:::sqs:sendMessage", &Value::Null).is_none());
        assert!(functions.invoke("arn:aws:states:us-east-1:123456789012:activity:a", &Value::Null).is_none());
    }
}
