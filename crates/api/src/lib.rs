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
use axum::extract::State;
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
}

/// The router: `POST /` dispatched on `X-Amz-Target`, any host.
pub fn router<S: Store>(runtime: Arc<Runtime<S>>, config: Config) -> Router {
    let api = Arc::new(Api { runtime, config, machines: ops::MachineCache::default() });
    Router::new().route("/", post(handle::<S>)).with_state(api)
}

async fn handle<S: Store>(State(api): State<Arc<Api<S>>>, headers: HeaderMap, body: Bytes) -> Response {
    match dispatch(&api, &headers, &body).await {
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
