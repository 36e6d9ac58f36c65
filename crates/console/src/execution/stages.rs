//! A state's data-flow stages recomputed for one of its runs (`GET /console/executions/{machine}/
//! {name}/stages?state=&run=`): the engine's TestState runs the state once more on the input
//! history recorded for it, with the task's recorded result (or error) as the mock, and reports
//! each stage (afterInputPath, afterParameters or afterArguments, result, afterResultSelector,
//! afterResultPath) and the output. History keeps only the input, the task's request and result
//! and the output; the stages between are this recomputation. Map and Parallel runs, and tasks
//! with no recorded answer yet, are not recomputed (their children's results are not a mock).

use super::trace::Run;
use crate::Shared;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use engine::test_state::{self, Mock, TestState};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use store::Store;

/// Which run: the state's name and the run's index among all its runs.
#[derive(Debug, Deserialize)]
pub struct Which {
    pub state: String,
    pub run: usize,
}

fn parse(text: &str) -> Option<expr::Value> {
    expr::json::from_str(text).ok()
}

/// The recomputed stages of `run` of state `name`, as `{"stages": [[name, JSON text]...],
/// "output", "status", "matches"}`; `Err` says why it cannot be recomputed.
pub fn recompute(execution: &store::Execution, variables: expr::Map, name: &str, run: &Run) -> Result<Value, String> {
    let parsed = asl::parse_str(&execution.definition, asl::MachineType::Standard);
    let Some(machine) = parsed.machine else { return Err("The definition does not parse.".into()) };
    let (states, id) = test_state::locate(&machine, Some(name)).map_err(|e| e.to_string())?;
    let kind = &states.states[id].kind;
    let mock = match kind {
        asl::Kind::Map(_) | asl::Kind::Parallel(_) => {
            return Err("Map and Parallel states are not recomputed: the values shown are recorded.".into())
        }
        asl::Kind::Task(_) => {
            let attempt = run.attempts.last().ok_or("The task was never scheduled.")?;
            match (&attempt.output, &attempt.error) {
                (Some(output), _) => Some(Mock::Result(parse(output).ok_or("The task's result is not JSON.")?)),
                (None, Some(error)) => {
                    Some(Mock::Error { error: error.clone(), cause: attempt.cause.clone().unwrap_or_default() })
                }
                (None, None) => return Err("The task has not answered yet.".into()),
            }
        }
        _ => None,
    };
    let input = run.input.as_deref().and_then(parse).ok_or("The state's input is not recorded.")?;
    let info = engine::ExecutionInfo {
        execution_arn: execution.arn.clone(),
        name: execution.name.clone(),
        role_arn: execution.role_arn.clone(),
        state_machine_arn: execution.state_machine_arn.clone(),
        state_machine_name: execution.state_machine_arn.rsplit(':').next().unwrap_or_default().to_string(),
        start_time: execution.started,
        seed: execution.seed,
        record_history: true,
        task_secret: execution.task_secret,
    };
    let request = TestState {
        definition: Arc::new(machine),
        state_name: Some(name.to_string()),
        input,
        variables,
        context: None,
        mock,
        retrier_retry_count: run.retries.len() as u32,
        info,
        now: run.entered,
    };
    let report = test_state::run(request).map_err(|e| e.to_string())?;
    let stages: Vec<Value> = report
        .inspection
        .stages()
        .iter()
        .filter(|(stage, _)| *stage != "variables")
        .filter_map(|(stage, value)| value.as_ref().map(|v| json!([stage, expr::json::to_string(v)])))
        .collect();
    let output = report.output.as_ref().map(expr::json::to_string);
    let same =
        |a: &Option<String>, b: &Option<String>| match (a.as_deref().and_then(parse), b.as_deref().and_then(parse)) {
            (Some(a), Some(b)) => a == b,
            _ => a.is_none() && b.is_none(),
        };
    Ok(json!({
        "stages": stages,
        "output": output,
        "status": report.status.name(),
        "error": report.error,
        "matches": run.exited.is_none() || same(&output, &run.output),
    }))
}

/// The variables a run sees, as well as history tells: those assigned by the runs that exited
/// before it entered, in its own iterations or outside them.
fn variables_before(trace: &super::trace::Trace, run: &Run) -> expr::Map {
    let mut assigned: Vec<(i64, &str)> = Vec::new();
    for other in trace.states.values().flatten() {
        let Some(exited) = other.exited else { continue };
        let Some(text) = &other.assigned else { continue };
        if exited <= run.entered && run.iterations.starts_with(&other.iterations) {
            assigned.push((exited, text));
        }
    }
    assigned.sort_by_key(|(at, _)| *at);
    let mut variables = expr::Map::new();
    for (_, text) in assigned {
        // `assignedVariables`: each value as JSON text, by name.
        if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) {
            for (k, v) in map {
                if let Some(value) = v.as_str().and_then(parse) {
                    variables.insert(k, value);
                }
            }
        }
    }
    variables
}

/// `GET /console/executions/{machine}/{name}/stages?state=&run=`.
pub async fn stages<S: Store>(
    State(console): State<Shared<S>>,
    Path((machine, name)): Path<(String, String)>,
    Query(which): Query<Which>,
) -> Response {
    let loaded = match super::live::load_json(&console, &machine, &name).await {
        Ok(loaded) => loaded,
        Err(answer) => return answer,
    };
    let Some(run) = loaded.trace.states.get(&which.state).and_then(|runs| runs.get(which.run)) else {
        return (StatusCode::NOT_FOUND, Json(json!({"message": "no such run"}))).into_response();
    };
    let variables = variables_before(&loaded.trace, run);
    match recompute(&loaded.execution, variables, &which.state, run) {
        Ok(value) => Json(value).into_response(),
        Err(message) => (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({ "message": message }))).into_response(),
    }
}
