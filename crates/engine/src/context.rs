//! The context object (`$$`): execution, state machine, state, task and map item facts.

use crate::ExecutionInfo;
use serde_json::{Map, Value};

/// What the context object of one evaluation holds, borrowed; built into JSON only on demand.
pub(crate) struct Context<'a> {
    pub info: &'a ExecutionInfo,
    pub input: &'a Value,
    pub state_name: &'a str,
    pub entered_time: i64,
    /// `State.RetryCount`, present for states that can retry (Task, Parallel, Map).
    pub retry_count: Option<u32>,
    /// `Map.Item.Index` and `Map.Item.Value`, inside a Map's `ItemSelector`.
    pub map_item: Option<(usize, &'a Value)>,
}

/// Formats epoch milliseconds as AWS prints times in the context object.
pub(crate) fn iso8601(millis: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(millis) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => String::new(),
    }
}

impl Context<'_> {
    pub fn to_value(&self) -> Value {
        let info = self.info;
        let mut execution = Map::new();
        execution.insert("Id".into(), Value::String(info.execution_arn.clone()));
        execution.insert("Input".into(), self.input.clone());
        execution.insert("StartTime".into(), Value::String(iso8601(info.start_time)));
        execution.insert("Name".into(), Value::String(info.name.clone()));
        execution.insert("RoleArn".into(), Value::String(info.role_arn.clone()));
        execution.insert("RedriveCount".into(), Value::from(0));
        let mut machine = Map::new();
        machine.insert("Id".into(), Value::String(info.state_machine_arn.clone()));
        machine.insert("Name".into(), Value::String(info.state_machine_name.clone()));
        let mut state = Map::new();
        state.insert("Name".into(), Value::String(self.state_name.to_string()));
        state.insert("EnteredTime".into(), Value::String(iso8601(self.entered_time)));
        if let Some(n) = self.retry_count {
            state.insert("RetryCount".into(), Value::from(n));
        }
        let mut root = Map::new();
        root.insert("Execution".into(), Value::Object(execution));
        root.insert("StateMachine".into(), Value::Object(machine));
        root.insert("State".into(), Value::Object(state));
        if let Some((index, value)) = self.map_item {
            let mut item = Map::new();
            item.insert("Index".into(), Value::from(index));
            item.insert("Value".into(), value.clone());
            let mut map = Map::new();
            map.insert("Item".into(), Value::Object(item));
            root.insert("Map".into(), Value::Object(map));
        }
        Value::Object(root)
    }
}
