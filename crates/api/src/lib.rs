//! The AWS Step Functions JSON API (`POST /` with `X-Amz-Target: AWSStepFunctions.<Action>`)
//! as an axum [`Router`], over a [`Store`] and a [`Runtime`].
//!
//! Requests and responses are AWS JSON 1.0: camelCase keys, timestamps as epoch seconds.
//! Errors are HTTP 400 with `{"__type": code, "message": ...}`, AWS's codes and messages.

mod error;
mod ops;
mod request;

pub use error::ApiError;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use runtime::Runtime;
use serde_json::{Map, Value};
use std::sync::Arc;
use store::Store;

/// The content type of every request and response.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// AWS's largest request: 1 MB (the Step Functions quota "Maximum request size").
pub const MAX_REQUEST_BYTES: usize = 1 << 20;

/// Where the API says it runs: the region and account in the ARNs it hands out.
#[derive(Debug, Clone)]
pub struct Config {
    pub region: String,
    pub account: String,
}

impl Default for Config {
    fn default() -> Config {
        Config { region: "us-east-1".into(), account: "123456789012".into() }
    }
}

/// What every handler shares.
pub struct Api<S: Store> {
    pub runtime: Arc<Runtime<S>>,
    pub config: Config,
    /// State machines by ARN for starts; emptied after any operation that may change one.
    pub machines: ops::MachineCache,
    /// Mocked test cases (`StartExecution` on `<stateMachineArn>#<TestCase>`), when configured.
    pub test_cases: Option<Arc<dyn TestCases>>,
}

/// Step Functions Local's mocked test cases: a StartExecution whose `stateMachineArn` ends in
/// `#<TestCase>` runs that test case. The API only selects it; the Task invoker answers from it.
pub trait TestCases: Send + Sync + 'static {
    /// Records, before the execution starts, that `execution_arn` (of the state machine named
    /// `machine`) runs `test_case`; the error (an unknown test case) refuses the start.
    fn select(&self, machine: &str, test_case: &str, execution_arn: &str) -> Result<(), String>;
    /// Drops the record of [`TestCases::select`] when the start then failed.
    fn forget(&self, execution_arn: &str);
}

/// The router: `POST /` dispatched on `X-Amz-Target`, any host.
pub fn router<S: Store>(runtime: Arc<Runtime<S>>, config: Config) -> Router {
    router_with(runtime, config, None)
}

/// [`router`], with mocked test cases selectable on StartExecution.
pub fn router_with<S: Store>(
    runtime: Arc<Runtime<S>>,
    config: Config,
    test_cases: Option<Arc<dyn TestCases>>,
) -> Router {
    let api = Arc::new(Api { runtime, config, machines: ops::MachineCache::default(), test_cases });
    Router::new().route("/", post(handle::<S>)).layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES)).with_state(api)
}

async fn handle<S: Store>(
    State(api): State<Arc<Api<S>>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let result = match &body {
        Ok(body) => dispatch(&api, &headers, body).await,
        // Over the limit (or a body that could not be read): refused before any work.
        Err(_) => Err(ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "RequestEntityTooLargeException",
            message: format!("Request size exceeds the maximum of {MAX_REQUEST_BYTES} bytes"),
        }),
    };
    match result {
        Ok(value) => json_response(StatusCode::OK, &value),
        Err(error) => {
            let body = serde_json::json!({"__type": error.code, "message": error.message});
            json_response(error.status, &body)
        }
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (status, [(header::CONTENT_TYPE, CONTENT_TYPE)], body.to_string()).into_response()
}

async fn dispatch<S: Store>(api: &Api<S>, headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or("");
    let action = target.strip_prefix("AWSStepFunctions.").unwrap_or("");
    let request = parse_body(body)?;
    let r = &request;
    ops::reject_express_arn(action, r)?;
    let reply = match action {
        "CreateStateMachine" => ops::create_state_machine(api, r).await,
        "DescribeStateMachine" => ops::describe_state_machine(api, r).await,
        "ListStateMachines" => ops::list_state_machines(api, r).await,
        "DeleteStateMachine" => ops::delete_state_machine(api, r).await,
        "StartExecution" => ops::start_execution(api, r).await,
        "StartSyncExecution" => ops::start_sync_execution(api, r).await,
        "DescribeExecution" => ops::describe_execution(api, r).await,
        "DescribeStateMachineForExecution" => ops::describe_state_machine_for_execution(api, r).await,
        "ValidateStateMachineDefinition" => ops::validate_state_machine_definition(api, r).await,
        "ListExecutions" => ops::list_executions(api, r).await,
        "GetExecutionHistory" => ops::get_execution_history(api, r).await,
        "TestState" => ops::test_state(api, r).await,
        "StopExecution" => ops::stop_execution(api, r).await,
        "RedriveExecution" => ops::redrive_execution(api, r).await,
        "SendTaskSuccess" => ops::send_task_success(api, r).await,
        "SendTaskFailure" => ops::send_task_failure(api, r).await,
        "SendTaskHeartbeat" => ops::send_task_heartbeat(api, r).await,
        "GetActivityTask" => ops::get_activity_task(api, r).await,
        // --- versions, aliases, tags, activities (control plane), map runs ---
        "UpdateStateMachine" => ops::update_state_machine(api, r).await,
        "PublishStateMachineVersion" => ops::publish_state_machine_version(api, r).await,
        "ListStateMachineVersions" => ops::list_state_machine_versions(api, r).await,
        "DeleteStateMachineVersion" => ops::delete_state_machine_version(api, r).await,
        "CreateStateMachineAlias" => ops::create_state_machine_alias(api, r).await,
        "DescribeStateMachineAlias" => ops::describe_state_machine_alias(api, r).await,
        "UpdateStateMachineAlias" => ops::update_state_machine_alias(api, r).await,
        "DeleteStateMachineAlias" => ops::delete_state_machine_alias(api, r).await,
        "ListStateMachineAliases" => ops::list_state_machine_aliases(api, r).await,
        "TagResource" => ops::tag_resource(api, r).await,
        "UntagResource" => ops::untag_resource(api, r).await,
        "ListTagsForResource" => ops::list_tags_for_resource(api, r).await,
        "CreateActivity" => ops::create_activity(api, r).await,
        "DescribeActivity" => ops::describe_activity(api, r).await,
        "DeleteActivity" => ops::delete_activity(api, r).await,
        "ListActivities" => ops::list_activities(api, r).await,
        "DescribeMapRun" => ops::describe_map_run(api, r).await,
        "ListMapRuns" => ops::list_map_runs(api, r).await,
        "UpdateMapRun" => ops::update_map_run(api, r).await,
        _ => Err(ApiError::new("UnknownOperationException", "")),
    };
    api.machines.after(action);
    reply
}

fn parse_body(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiError::new("SerializationException", "Start of structure or map found where not expected.")),
    }
}
