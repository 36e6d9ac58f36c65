//! The HTTP Task for `stepstone run`: the `http-task` crate on a runtime of its own, since the
//! in-process runner calls its invoker synchronously.

use expr::Value;
use std::collections::BTreeMap;

/// HTTP Tasks with the configured connections.
pub struct Http {
    task: http_task::HttpTask,
    runtime: tokio::runtime::Runtime,
}

impl Http {
    pub fn new(connections: BTreeMap<String, http_task::Connection>) -> Result<Http, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
        let task = http_task::HttpTask::new(http_task::Options::default(), connections)?;
        Ok(Http { task, runtime })
    }

    /// The result of the Task, or None when `resource` is not the HTTP Task.
    pub fn invoke(&self, resource: &str, input: &Value) -> Option<Result<Value, (String, String)>> {
        http_task::HttpTask::serves(resource).then(|| self.runtime.block_on(self.task.invoke(input)))
    }
}
