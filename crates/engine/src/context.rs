//! The context object (`$$`): execution, state machine, state, task and map item facts.

use crate::ExecutionInfo;
use expr::{Map, Value};

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
    /// `Execution.RedriveCount`; TestState's context has none.
    pub redrive_count: Option<u32>,
    /// `Execution.RedriveTime`, once redriven.
    pub redrive_time: Option<i64>,
    /// Fields that replace the computed ones (TestState's `context`), merged in by key.
    pub patch: Option<&'a Value>,
    /// `Task.Token`: only in callback (`.waitForTaskToken`) and activity Task states.
    pub task_token: Option<&'a str>,
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
        execution.insert("Id", Value::from(info.execution_arn.as_str()));
        execution.insert("Input", self.input.clone());
        execution.insert("StartTime", Value::from(iso8601(info.start_time)));
        execution.insert("Name", Value::from(info.name.as_str()));
        execution.insert("RoleArn", Value::from(info.role_arn.as_str()));
        if let Some(count) = self.redrive_count {
            execution.insert("RedriveCount", Value::from(count));
        }
        if let Some(time) = self.redrive_time {
            execution.insert("RedriveTime", Value::from(iso8601(time)));
        }
        let mut machine = Map::new();
        machine.insert("Id", Value::from(info.state_machine_arn.as_str()));
        machine.insert("Name", Value::from(info.state_machine_name.as_str()));
        let mut state = Map::new();
        state.insert("Name", Value::from(self.state_name));
        state.insert("EnteredTime", Value::from(iso8601(self.entered_time)));
        if let Some(n) = self.retry_count {
            state.insert("RetryCount", Value::from(n));
        }
        let mut root = Map::new();
        root.insert("Execution", Value::Object(execution));
        root.insert("StateMachine", Value::Object(machine));
        root.insert("State", Value::Object(state));
        if let Some((index, value)) = self.map_item {
            let mut item = Map::new();
            item.insert("Index", Value::from(index));
            item.insert("Value", value.clone());
            let mut map = Map::new();
            map.insert("Item", Value::Object(item));
            root.insert("Map", Value::Object(map));
        }
        if let Some(token) = self.task_token {
            let mut task = Map::new();
            task.insert("Token", Value::from(token));
            root.insert("Task", Value::Object(task));
        }
        let mut root = Value::Object(root);
        if let Some(patch) = self.patch {
            merge(&mut root, patch);
        }
        root
    }
}

/// Puts `patch` over `base`: objects merge key by key, anything else replaces.
fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(base), Value::Object(patch)) => {
            for (key, value) in patch.iter() {
                match base.get_mut(key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, patch) => *base = patch.clone(),
    }
}
