//! The simplest local function: a command run through `sh -c` once per event, the event JSON on
//! stdin and the result JSON on stdout (`stepstone run --function NAME=COMMAND`).

use crate::shape::{clip, request_id, Invocation};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// Runs the command once: its stdout is the result; a failing command is a function error,
/// with Lambda's `{"errorType", "errorMessage"}` taken from its stdout when it wrote one.
pub async fn run(
    name: &str,
    command: &str,
    environment: &BTreeMap<String, String>,
    timeout: Duration,
    event: String,
) -> Invocation {
    let request_id = request_id();
    let child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .envs(environment)
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("STEPSTONE_REQUEST_ID", &request_id)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let unhandled = |payload: String| Invocation {
        payload,
        function_error: Some("Unhandled".into()),
        request_id: request_id.clone(),
    };
    let message = |text: String| {
        let payload = serde_json::json!({"errorMessage": text, "errorType": "Runtime.ExitError"});
        payload.to_string()
    };
    let mut child = match child {
        Ok(child) => child,
        Err(e) => return unhandled(message(format!("cannot start the function '{name}': {e}"))),
    };
    if let Some(mut stdin) = child.stdin.take() {
        // Written from a task so that a function that writes before reading cannot deadlock;
        // a function that exits without reading its event is not an error.
        tokio::spawn(async move {
            let _ = stdin.write_all(event.as_bytes()).await;
        });
    }
    let output = match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(Ok(output)) => output,
        Ok(Err(e)) => return unhandled(message(format!("the function '{name}' failed to run: {e}"))),
        Err(_) => {
            return unhandled(format!(
                "{{\"errorMessage\":\"{} {request_id} Task timed out after {:.2} seconds\"}}",
                crate::shape::iso_now(),
                timeout.as_secs_f64()
            ))
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if output.status.success() {
        return Invocation { payload: stdout, function_error: None, request_id };
    }
    if let Ok(serde_json::Value::Object(object)) = serde_json::from_str::<serde_json::Value>(&stdout) {
        if object.get("errorType").is_some_and(serde_json::Value::is_string) {
            return unhandled(stdout);
        }
    }
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
    let text = if !stderr.is_empty() {
        clip(&stderr)
    } else if !stdout.is_empty() {
        clip(&stdout)
    } else {
        format!("The function '{name}' exited with {}", output.status)
    };
    unhandled(serde_json::json!({"errorMessage": text}).to_string())
}
