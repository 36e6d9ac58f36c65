//! Task invokers: for `stepstone run`, mocked responses (Step Functions Local's mock file)
//! first, then HTTP Tasks and local functions; for `stepstone serve`, a dispatch on the resource
//! ([`Tasks`]). A Task that nothing serves fails with an error that says why.

pub mod functions;
pub mod http;
pub mod mock;
mod mock_serve;

pub use functions::Functions;
pub use mock::{Mocks, Response, ServeMocks};

use crate::local::Invoker;
use expr::Value;
use runtime::{BoxFuture, TaskCall, TaskResult};

/// Mocks, then functions.
#[derive(Default)]
pub struct Local {
    pub mocks: Option<Mocks>,
    pub functions: Functions,
    /// HTTP Tasks, when `stepstone.toml` defines connections.
    pub http: Option<http::Http>,
}

impl Invoker for Local {
    fn invoke(&self, state: &str, resource: &str, input: &Value) -> Result<Value, (String, String)> {
        if let Some(answer) = self.mocks.as_ref().and_then(|m| m.answer(state)) {
            return match answer {
                Response::Return(value) => Ok(value),
                Response::Throw { error, cause } => Err((error, cause)),
            };
        }
        if let Some(result) = self.http.as_ref().and_then(|h| h.invoke(resource, input)) {
            return result;
        }
        if !self.functions.is_empty() {
            if let Some(result) = self.functions.invoke(resource, input) {
                return result;
            }
        }
        let mut cause = format!("Nothing runs the resource '{resource}' of the state '{state}' locally:");
        if self.mocks.is_some() {
            cause.push_str(" the test case has no mock for this state");
        }
        if self.functions.is_empty() {
            cause.push_str(if self.mocks.is_some() {
                " and no --function is given"
            } else {
                " no --function is given"
            });
        } else {
            cause.push_str(if self.mocks.is_some() { " and" } else { "" });
            cause.push_str(" --function serves only Lambda resources");
        }
        Err(("States.TaskFailed".into(), cause))
    }
}

/// The Task integrations of `stepstone serve`: one arm per kind of resource.
pub struct Tasks {
    pub lambda: lambda::Lambda,
    /// Mocked test cases, answered before any integration.
    pub mocks: Option<std::sync::Arc<ServeMocks>>,
    /// `arn:aws:states:::http:invoke`, with the configured connections.
    pub http: http_task::HttpTask,
}

impl runtime::Invoker for Tasks {
    fn invoke(&self, call: TaskCall) -> BoxFuture<'_, TaskResult> {
        Box::pin(async move {
            if let Some(result) = self.mocks.as_ref().and_then(|mocks| mocks.answer(&call)) {
                return result;
            }
            if http_task::HttpTask::serves(&call.resource) {
                return self.http.invoke(&call.input).await;
            }
            if let Some(result) = self.lambda.task(&call.resource, &call.input).await {
                return result;
            }
            Err((
                "States.TaskFailed".to_string(),
                format!("No invoker is configured for the resource '{}'", call.resource),
            ))
        })
    }
}
