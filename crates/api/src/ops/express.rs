//! EXPRESS executions: `StartSyncExecution`, `StartExecution` on an EXPRESS machine (run in
//! memory, nothing stored), and AWS's errors for the operations EXPRESS executions lack.

use super::executions::input_error;
use super::machines::machine;
use crate::request::*;
use crate::{Api, ApiError};
use runtime::{ExpressRequest, SyncResult};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use store::{ExecutionStatus, Kind, StateMachine, Store};

/// State machines by ARN, so that starting an execution does not read the store each time
/// (a StartSyncExecution is otherwise mostly that read). Every operation that may change a
/// state machine empties it when it has run ([`MachineCache::after`]); a lookup that raced
/// with such an operation does not put its answer in. Another node sharing the store may
/// change a machine too, so an entry is trusted for [`FRESH_FOR`] only.
#[derive(Default)]
pub struct MachineCache {
    inner: Mutex<CacheInner>,
}

#[derive(Default)]
struct CacheInner {
    generation: u64,
    machines: HashMap<String, (Instant, Arc<StateMachine>)>,
}

/// How long a cached machine is used without reading the store again.
const FRESH_FOR: Duration = Duration::from_secs(1);

/// At most this many machines are kept; past it the cache starts again.
const MAX_CACHED: usize = 1024;

/// Operations that change no state machine (by their name's prefix).
const READ_ONLY: [&str; 9] = ["Describe", "List", "Get", "Start", "Send", "Stop", "Validate", "Test", "Redrive"];

impl MachineCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Called after each operation: one that may have changed a state machine (created,
    /// updated, deleted, published, tagged...) empties the cache.
    pub fn after(&self, action: &str) {
        if READ_ONLY.iter().any(|prefix| action.starts_with(prefix)) {
            return;
        }
        let mut inner = self.lock();
        inner.generation += 1;
        inner.machines.clear();
    }
}

/// The state machine `arn`, from the cache or the store (`StateMachineDoesNotExist`).
async fn cached_machine<S: Store>(api: &Api<S>, arn: &str) -> Result<Arc<StateMachine>, ApiError> {
    let generation = {
        let inner = api.machines.lock();
        if let Some((read, found)) = inner.machines.get(arn) {
            if read.elapsed() < FRESH_FOR {
                return Ok(Arc::clone(found));
            }
        }
        inner.generation
    };
    let read = Instant::now();
    let found = Arc::new(machine(api, arn).await?);
    let mut inner = api.machines.lock();
    if inner.generation == generation {
        if inner.machines.len() >= MAX_CACHED {
            inner.machines.clear();
        }
        inner.machines.insert(arn.to_string(), (read, Arc::clone(&found)));
    }
    Ok(found)
}

/// AWS bills EXPRESS executions in 64 MB steps of memory and 100 ms steps of duration.
const BILLED_MEMORY_MB: u64 = 64;
const BILLED_DURATION_STEP_MS: i64 = 100;

pub async fn start_sync_execution<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let machine_arn = required_string(request, "stateMachineArn")?;
    let (name, input) = name_and_input(request)?;
    let metadata_only = match optional_string(request, "includedData")? {
        None | Some("ALL_DATA") => false,
        Some("METADATA_ONLY") => true,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{other}' at 'includedData' failed to satisfy constraint: Member must satisfy enum value set: [ALL_DATA, METADATA_ONLY]"
            )))
        }
    };
    let machine = cached_machine(api, machine_arn).await?;
    if machine.kind != Kind::Express {
        return Err(type_not_supported());
    }
    let trace_header = optional_string(request, "traceHeader")?.map(str::to_string);
    let result = api.runtime.start_sync(&machine, ExpressRequest::new(name, input)).await.map_err(runtime_error)?;
    let mut reply = sync_reply(result, metadata_only);
    if let (Some(trace), Value::Object(map)) = (trace_header, &mut reply) {
        map.insert("traceHeader".into(), Value::String(trace));
    }
    Ok(reply)
}

/// `StartExecution` on an EXPRESS machine: runs it in memory and answers its express ARN;
/// `None` for a STANDARD machine (the caller starts it durably). `name` and `input` are
/// already checked.
pub async fn start_if_express<S: Store>(
    api: &Api<S>,
    machine_arn: &str,
    name: &str,
    input: &str,
) -> Result<Option<Value>, ApiError> {
    let machine = cached_machine(api, machine_arn).await?;
    if machine.kind != Kind::Express {
        return Ok(None);
    }
    let request = ExpressRequest::new(name.to_string(), input.to_string());
    let start = api.runtime.start_express(&machine, request).map_err(runtime_error)?;
    Ok(Some(json!({"executionArn": start.execution_arn, "startDate": timestamp(start.started)})))
}

/// AWS answers `InvalidArn` to operations on an express execution ARN that EXPRESS does not
/// support (`DescribeExecution`, `GetExecutionHistory`, `StopExecution`, ...): checked before
/// dispatch, so that it holds whoever implements the operation.
pub fn reject_express_arn(action: &str, request: &Request) -> Result<(), ApiError> {
    let takes_execution = matches!(
        action,
        "DescribeExecution"
            | "GetExecutionHistory"
            | "StopExecution"
            | "RedriveExecution"
            | "DescribeStateMachineForExecution"
            | "ListMapRuns"
    );
    let arn = match request.get("executionArn") {
        Some(Value::String(arn)) if takes_execution => arn,
        _ => return Ok(()),
    };
    if arn.starts_with("arn:") && arn.split(':').nth(5) == Some("express") {
        return Err(ApiError::new("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: express'"));
    }
    Ok(())
}

/// The execution's name (a fresh UUID unless given) and input text, checked as AWS does.
pub(super) fn name_and_input(request: &Request) -> Result<(String, String), ApiError> {
    let name = match optional_string(request, "name")? {
        Some(name) => name.to_string(),
        None => uuid::Uuid::new_v4().to_string(),
    };
    if !valid_name(&name) {
        return Err(ApiError::new("InvalidName", format!("Invalid Name: '{name}'")));
    }
    let input = optional_string(request, "input")?.unwrap_or("{}").to_string();
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&input) {
        let message = format!("Invalid State Machine Execution Input: '{}'", input_error(&input, &e));
        return Err(ApiError::new("InvalidExecutionInput", message));
    }
    Ok((name, input))
}

fn type_not_supported() -> ApiError {
    ApiError::new("StateMachineTypeNotSupported", "This operation is not supported by this type of state machine")
}

fn runtime_error(error: runtime::Error) -> ApiError {
    match error {
        runtime::Error::NoStateMachine(arn) => ApiError::state_machine_does_not_exist(&arn),
        runtime::Error::Input(message) => {
            ApiError::new("InvalidExecutionInput", format!("Invalid State Machine Execution Input: '{message}'"))
        }
        other => ApiError::internal(other.to_string()),
    }
}

/// `StartSyncExecution`'s answer, in AWS's shape.
fn sync_reply(result: SyncResult, metadata_only: bool) -> Value {
    let mut reply = Map::with_capacity(12);
    reply.insert("executionArn".into(), Value::String(result.execution_arn));
    reply.insert("stateMachineArn".into(), Value::String(result.state_machine_arn));
    reply.insert("name".into(), Value::String(result.name));
    reply.insert("startDate".into(), timestamp(result.started));
    reply.insert("stopDate".into(), timestamp(result.stopped));
    reply.insert("status".into(), json!(sync_status(result.status)));
    if let Some(error) = result.error {
        reply.insert("error".into(), Value::String(error));
    }
    if let Some(cause) = result.cause {
        reply.insert("cause".into(), Value::String(cause));
    }
    if !metadata_only {
        reply.insert("input".into(), Value::String(result.input));
    }
    reply.insert("inputDetails".into(), json!({"included": !metadata_only}));
    if let Some(output) = result.output {
        if !metadata_only {
            reply.insert("output".into(), Value::String(output));
        }
        reply.insert("outputDetails".into(), json!({"included": !metadata_only}));
    }
    let elapsed = (result.stopped - result.started).max(1);
    let billed = (elapsed + BILLED_DURATION_STEP_MS - 1) / BILLED_DURATION_STEP_MS * BILLED_DURATION_STEP_MS;
    reply.insert(
        "billingDetails".into(),
        json!({"billedMemoryUsedInMB": BILLED_MEMORY_MB, "billedDurationInMilliseconds": billed}),
    );
    Value::Object(reply)
}

/// `SyncExecutionStatus`: SUCCEEDED, FAILED or TIMED_OUT (an EXPRESS execution cannot be
/// stopped; an abort would be a bug, reported as FAILED).
fn sync_status(status: ExecutionStatus) -> &'static str {
    match status {
        ExecutionStatus::Succeeded => "SUCCEEDED",
        ExecutionStatus::TimedOut => "TIMED_OUT",
        ExecutionStatus::Failed | ExecutionStatus::Aborted | ExecutionStatus::Running => "FAILED",
    }
}
