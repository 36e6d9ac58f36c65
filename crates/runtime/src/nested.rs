//! Nested executions: the built-in `arn:aws:states:::states:startExecution` integration, in
//! its request-response, `.sync`, `.sync:2` and `.waitForTaskToken` forms.
//!
//! The child is started through this runtime (so it is durable like any execution). Its
//! start response goes back to the parent as `TaskSubmitted` for the patterns that wait;
//! `.sync` then waits for the child to close: woken at once when this node closes it, and
//! re-reading the store every `poll_ms` for a child closed by another node. After a restart
//! the parent's task is run again with the response it was submitted with (a fed event), so
//! it only waits for the child named there and never starts a second one. A child started
//! without a `Name` gets one derived from the parent's task ([`engine::task_uuid`]), so a
//! start repeated after a crash (before `TaskSubmitted` was recorded) finds the same child.
//! A child whose input carries `AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID` (a string) is
//! stored with that ARN as its `parent_arn`, as AWS associates it with its parent; nothing is
//! injected into the input, and a child started without the field has no parent.

use crate::{now_millis, Error, Shared, StartRequest, TaskCall, TaskResult};
use engine::Event;
use expr::{Map, Value};
use std::sync::Arc;
use std::time::Duration;
use store::{ExecutionStatus, Store};
use tokio::sync::{mpsc, Notify};

const RESOURCE: &str = "arn:aws:states:::states:startExecution";

/// The field of a child's input that names the execution which started it.
const STARTED_BY: &str = "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID";

/// How a `startExecution` task waits.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Pattern {
    RequestResponse,
    /// `.sync`: the child's description, `Input` and `Output` as JSON text.
    Sync,
    /// `.sync:2`: the same with `Input` and `Output` parsed.
    Sync2,
    Callback,
}

fn pattern(resource: &str) -> Option<Pattern> {
    match resource.strip_prefix(RESOURCE)? {
        "" => Some(Pattern::RequestResponse),
        ".sync" => Some(Pattern::Sync),
        ".sync:2" => Some(Pattern::Sync2),
        ".waitForTaskToken" => Some(Pattern::Callback),
        _ => None,
    }
}

/// Whether the runtime itself carries out tasks of this resource.
pub(crate) fn is_nested(resource: &str) -> bool {
    resource.starts_with(RESOURCE)
}

/// Whether a task of this resource, once submitted, still waits for a child to close.
pub(crate) fn waits_for_child(resource: &str) -> bool {
    matches!(pattern(resource), Some(Pattern::Sync | Pattern::Sync2))
}

/// The execution closed: whoever waits for it as a child looks again.
pub(crate) fn notify_closed<S>(shared: &Shared<S>, execution_arn: &str) {
    let notify = shared.closed.lock().unwrap_or_else(|e| e.into_inner()).remove(execution_arn);
    if let Some(notify) = notify {
        notify.notify_waiters();
    }
}

fn closed_notify<S>(shared: &Shared<S>, execution_arn: &str) -> Arc<Notify> {
    let mut closed = shared.closed.lock().unwrap_or_else(|e| e.into_inner());
    Arc::clone(closed.entry(execution_arn.to_string()).or_default())
}

/// Runs one `startExecution` task and sends its events (`TaskSubmitted`, then the result)
/// to the parent's driver. `submitted` is the start response already recorded (a restart):
/// the child is then not started again. `default_name` names a child the request names not.
pub(crate) async fn run<S: Store>(
    shared: Arc<Shared<S>>,
    call: TaskCall,
    default_name: String,
    submitted: Option<Value>,
    tx: mpsc::UnboundedSender<Event>,
) {
    let task = call.task;
    let send = |result: Result<Value, (String, String)>| {
        let event = match result {
            Ok(output) => Event::TaskSucceeded { task, output },
            Err((error, cause)) => Event::TaskFailed { task, error, cause },
        };
        let _ = tx.send(event);
    };
    let Some(pattern) = pattern(&call.resource) else {
        let cause = format!("Unsupported resource: '{}'", call.resource);
        return send(Err(("States.Runtime".to_string(), cause)));
    };
    let child_arn = match submitted.as_ref().and_then(|s| s.get("ExecutionArn")).and_then(Value::as_str) {
        Some(arn) => arn.to_string(),
        None => {
            let response = match start(&shared, &call, default_name).await {
                Ok(response) => response,
                Err(failure) => return send(Err(failure)),
            };
            let arn = response.get("ExecutionArn").and_then(Value::as_str).unwrap_or_default().to_string();
            if pattern == Pattern::RequestResponse {
                return send(Ok(response));
            }
            let _ = tx.send(Event::TaskSubmitted { task, output: response });
            arn
        }
    };
    if pattern == Pattern::Callback {
        return; // SendTaskSuccess or SendTaskFailure ends the task.
    }
    match wait_closed(&shared, &child_arn).await {
        Ok(child) => send(describe(&child, pattern == Pattern::Sync2)),
        Err(e) => send(Err(("States.TaskFailed".to_string(), e.to_string()))),
    }
}

/// Runs one `startExecution` task of an EXPRESS execution: only request-response exists
/// there (validation rejects `.sync` and `.waitForTaskToken` in EXPRESS machines). A child
/// started without a `Name` gets a fresh one: nothing of an EXPRESS execution is replayed.
pub(crate) async fn start_from_express<S: Store>(shared: &Arc<Shared<S>>, call: &TaskCall) -> TaskResult {
    match pattern(&call.resource) {
        Some(Pattern::RequestResponse) => start(shared, call, uuid::Uuid::new_v4().to_string()).await,
        _ => Err(("States.Runtime".to_string(), format!("Unsupported resource: '{}'", call.resource))),
    }
}

/// Starts the child named by the request; its start response in AWS's shape, or the ASL
/// error the parent's task fails with.
async fn start<S: Store>(
    shared: &Arc<Shared<S>>,
    call: &TaskCall,
    default_name: String,
) -> Result<Value, (String, String)> {
    let request_id = uuid::Uuid::new_v4().to_string();
    let arn = call.input.get("StateMachineArn").and_then(Value::as_str).unwrap_or_default().to_string();
    let name = match call.input.get("Name") {
        Some(Value::String(name)) => name.to_string(),
        _ => default_name,
    };
    let (input, parent_arn) = match call.input.get("Input") {
        None | Some(Value::Null) => ("{}".to_string(), None),
        // A string is the input's JSON text, as the API takes it; other text is a string.
        Some(value @ Value::String(text)) => match expr::json::from_str::<Value>(text) {
            Ok(parsed) => (text.to_string(), started_by(&parsed)),
            Err(_) => (expr::json::to_string(value), None),
        },
        Some(value) => (expr::json::to_string(value), started_by(value)),
    };
    let request = StartRequest { state_machine_arn: arn.clone(), name, input };
    let execution_arn = match crate::Runtime::start_with(shared, request, None, parent_arn).await {
        Ok(arn) => arn,
        Err(Error::NoStateMachine(_)) => {
            return Err(service_error(
                "StateMachineDoesNotExist",
                format!("State Machine Does Not Exist: '{arn}'"),
                &request_id,
            ))
        }
        Err(Error::Store(store::Error::AlreadyExists { key, .. })) => {
            return Err(service_error(
                "ExecutionAlreadyExists",
                format!("Execution Already Exists: '{key}'"),
                &request_id,
            ))
        }
        Err(Error::Input(e)) => {
            return Err(service_error("InvalidExecutionInput", format!("Invalid execution input: {e}"), &request_id))
        }
        Err(e) => return Err(("States.TaskFailed".to_string(), e.to_string())),
    };
    let started = match shared.store.execution(&execution_arn).await {
        Ok(Some(child)) => child.started,
        _ => now_millis(),
    };
    let mut response = Map::new();
    response.insert("ExecutionArn", Value::from(execution_arn));
    response.insert("SdkHttpMetadata", http_metadata(&request_id));
    let mut sdk = Map::new();
    sdk.insert("RequestId", Value::from(request_id.as_str()));
    response.insert("SdkResponseMetadata", Value::Object(sdk));
    response.insert("StartDate", Value::from(started));
    Ok(Value::Object(response))
}

/// The parent a child's input names: AWS associates a nested execution with the one that
/// started it only when its input carries this field, a string (`"...ID.$": "$$.Execution.Id"`).
/// The input keeps the field as given.
fn started_by(input: &Value) -> Option<String> {
    match input.get(STARTED_BY) {
        Some(Value::String(arn)) => Some(arn.to_string()),
        _ => None,
    }
}

/// AWS's error for a failed Step Functions call: `StepFunctions.<Code>Exception` and the
/// SDK's message.
fn service_error(code: &str, message: String, request_id: &str) -> (String, String) {
    let cause = format!(
        "{message} (Service: AWSStepFunctions; Status Code: 400; Error Code: {code}; Request ID: {request_id}; Proxy: null)"
    );
    (format!("StepFunctions.{code}Exception"), cause)
}

/// The `SdkHttpMetadata` of a start response.
fn http_metadata(request_id: &str) -> Value {
    let date = httpdate(now_millis());
    let headers = [
        ("Content-Type", "application/x-amz-json-1.0"),
        ("Date", date.as_str()),
        ("connection", "keep-alive"),
        ("x-amzn-RequestId", request_id),
    ];
    let mut all = Map::new();
    let mut plain = Map::new();
    for (name, value) in headers {
        // AWS's `AllHttpHeaders` lists values, except `Date`.
        let listed = if name == "Date" { Value::from(value) } else { Value::Array(vec![Value::from(value)]) };
        all.insert(name, listed);
        plain.insert(name, Value::from(value));
    }
    let mut metadata = Map::new();
    metadata.insert("AllHttpHeaders", Value::Object(all));
    metadata.insert("HttpHeaders", Value::Object(plain));
    metadata.insert("HttpStatusCode", Value::from(200));
    Value::Object(metadata)
}

/// An HTTP date (RFC 7231, `Sun, 06 Nov 1994 08:49:37 GMT`).
fn httpdate(millis: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let secs = millis.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        day,
        MONTHS[(month - 1) as usize],
        year,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Waits until the child execution is no longer RUNNING, and returns it.
async fn wait_closed<S: Store>(shared: &Arc<Shared<S>>, child_arn: &str) -> Result<store::Execution, Error> {
    let poll = Duration::from_millis(shared.options.poll_ms.max(1));
    loop {
        let notify = closed_notify(shared, child_arn);
        let notified = notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let child = shared.store.execution(child_arn).await?;
        let child = child.ok_or_else(|| Error::NoExecution(child_arn.to_string()))?;
        if child.status != ExecutionStatus::Running {
            shared.closed.lock().unwrap_or_else(|e| e.into_inner()).remove(child_arn);
            return Ok(child);
        }
        let _ = tokio::time::timeout(poll, notified).await;
    }
}

/// The `.sync` result of a closed child: its description on success, else
/// `States.TaskFailed` with that description (and the child's error and cause) as the cause.
fn describe(child: &store::Execution, parsed: bool) -> Result<Value, (String, String)> {
    let payload = |text: &str| match parsed {
        true => expr::json::from_str(text).unwrap_or_else(|_| Value::from(text)),
        false => Value::from(text),
    };
    let included = || {
        let mut details = Map::new();
        details.insert("Included", Value::Bool(true));
        Value::Object(details)
    };
    let succeeded = child.status == ExecutionStatus::Succeeded;
    let mut out = Map::new();
    if !succeeded {
        if let Some(cause) = &child.cause {
            out.insert("Cause", Value::from(cause.as_str()));
        }
        if let Some(error) = &child.error {
            out.insert("Error", Value::from(error.as_str()));
        }
    }
    out.insert("ExecutionArn", Value::from(child.arn.as_str()));
    out.insert("Input", payload(&child.input));
    out.insert("InputDetails", included());
    out.insert("Name", Value::from(child.name.as_str()));
    if succeeded {
        out.insert("Output", payload(child.output.as_deref().unwrap_or("null")));
        out.insert("OutputDetails", included());
    }
    out.insert("StartDate", Value::from(child.started));
    out.insert("StateMachineArn", Value::from(child.state_machine_arn.as_str()));
    out.insert("Status", Value::from(status_name(child.status)));
    if let Some(stopped) = child.stopped {
        out.insert("StopDate", Value::from(stopped));
    }
    let out = Value::Object(out);
    match succeeded {
        true => Ok(out),
        false => Err(("States.TaskFailed".to_string(), expr::json::to_string(&out))),
    }
}

fn status_name(status: ExecutionStatus) -> &'static str {
    match status {
        ExecutionStatus::Running => "RUNNING",
        ExecutionStatus::Succeeded => "SUCCEEDED",
        ExecutionStatus::Failed => "FAILED",
        ExecutionStatus::TimedOut => "TIMED_OUT",
        ExecutionStatus::Aborted => "ABORTED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_come_from_the_resource() {
        assert_eq!(pattern("arn:aws:states:::states:startExecution"), Some(Pattern::RequestResponse));
        assert_eq!(pattern("arn:aws:states:::states:startExecution.sync"), Some(Pattern::Sync));
        assert_eq!(pattern("arn:aws:states:::states:startExecution.sync:2"), Some(Pattern::Sync2));
        assert_eq!(pattern("arn:aws:states:::states:startExecution.waitForTaskToken"), Some(Pattern::Callback));
        assert_eq!(pattern("arn:aws:states:::states:startExecution.sync:3"), None);
        assert!(waits_for_child("arn:aws:states:::states:startExecution.sync:2"));
        assert!(!waits_for_child("arn:aws:states:::states:startExecution.waitForTaskToken"));
        assert!(!is_nested("arn:aws:states:::lambda:invoke"));
    }

    #[test]
    fn http_dates_are_rfc_7231() {
        assert_eq!(httpdate(784_111_777_000), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(httpdate(1_688_128_939_562), "Fri, 30 Jun 2023 12:42:19 GMT");
        assert_eq!(httpdate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }
}
