//! The execution page's JSON endpoints: `GET /console/executions/{machine}/{name}/live` (what the
//! page polls while the execution runs: the graph for the chosen iterations, the status, the
//! summary, banner and event table as HTML, and the trace; only the summary when `known` says
//! the page has every event already) and `.../export` (a
//! DescribeExecution-like summary and the whole history, as a JSON download).

use super::{banner, events, io, load, summary, Loaded, View};
use crate::{Console, Shared};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use store::{ExecutionStatus, Store};

/// The execution for a JSON endpoint, or the JSON answer saying why there is none (404, 500).
pub(super) async fn load_json<S: Store>(console: &Console<S>, machine: &str, name: &str) -> Result<Loaded, Response> {
    match load(console, machine, name).await {
        Ok(Some(loaded)) => Ok(loaded),
        Ok(None) => Err((StatusCode::NOT_FOUND, Json(json!({"message": "no such execution"}))).into_response()),
        Err(message) => Err((StatusCode::INTERNAL_SERVER_ERROR, Json(json!({ "message": message }))).into_response()),
    }
}

/// `GET /console/executions/{machine}/{name}/live?sel=&page=&filter=`.
pub async fn live<S: Store>(
    State(console): State<Shared<S>>,
    Path((machine, name)): Path<(String, String)>,
    Query(view): Query<View>,
) -> Response {
    let loaded = match load_json(&console, &machine, &name).await {
        Ok(loaded) => loaded,
        Err(answer) => return answer,
    };
    let e = &loaded.execution;
    let mut reply = json!({
        "events": loaded.events.len(),
        "status": e.status.name(),
        "running": e.status == ExecutionStatus::Running,
        "redrivable": loaded.not_redrivable.is_none(),
        "summary": summary(&loaded).into_string(),
    });
    if view.known == Some(loaded.events.len()) {
        reply["unchanged"] = json!(true);
        return Json(reply).into_response();
    }
    reply["svg"] = json!(graph::svg(&loaded.definition, &loaded.trace.overlay(&view.selection())));
    reply["io"] = json!(io(&loaded).into_string());
    reply["banner"] = json!(banner(&loaded).into_string());
    reply["history"] = json!(events::table(&loaded.events, e.started, &view).into_string());
    reply["trace"] = serde_json::to_value(&loaded.trace).unwrap_or(Value::Null);
    Json(reply).into_response()
}

/// `GET /console/executions/{machine}/{name}/export`: `{"execution": {...}, "events": [...]}` in
/// the API's shapes (`DescribeExecution`, `GetExecutionHistory`'s events, times in epoch seconds).
pub async fn export<S: Store>(
    State(console): State<Shared<S>>,
    Path((machine, name)): Path<(String, String)>,
) -> Response {
    let loaded = match load_json(&console, &machine, &name).await {
        Ok(loaded) => loaded,
        Err(answer) => return answer,
    };
    let e = &loaded.execution;
    let seconds = |ms: i64| json!(ms as f64 / 1000.0);
    let mut execution = Map::new();
    execution.insert("executionArn".into(), json!(e.arn));
    execution.insert("stateMachineArn".into(), json!(e.state_machine_arn));
    execution.insert("name".into(), json!(e.name));
    execution.insert("status".into(), json!(e.status.name()));
    execution.insert("startDate".into(), seconds(e.started));
    if let Some(stopped) = e.stopped {
        execution.insert("stopDate".into(), seconds(stopped));
    }
    execution.insert("input".into(), json!(e.input));
    if let Some(output) = &e.output {
        execution.insert("output".into(), json!(output));
    }
    if let Some(error) = &e.error {
        execution.insert("error".into(), json!(error));
    }
    if let Some(cause) = &e.cause {
        execution.insert("cause".into(), json!(cause));
    }
    execution.insert("redriveCount".into(), json!(e.redrive_count));
    let history: Vec<Value> = loaded
        .events
        .iter()
        .map(|event| {
            let mut object = Map::new();
            object.insert("timestamp".into(), seconds(event.timestamp));
            object.insert("type".into(), json!(event.event_type));
            object.insert("id".into(), json!(event.id));
            object.insert("previousEventId".into(), json!(event.previous_event_id));
            if let Ok(details) = serde_json::from_str::<Value>(&event.details_json) {
                object.insert(runtime::history::details_key(&event.event_type), details);
            }
            Value::Object(object)
        })
        .collect();
    let body = serde_json::to_string_pretty(&json!({"execution": execution, "events": history})).unwrap_or_default();
    let disposition = format!("attachment; filename=\"{}.json\"", safe_name(&e.name));
    ([(header::CONTENT_TYPE, "application/json".to_string()), (header::CONTENT_DISPOSITION, disposition)], body)
        .into_response()
}

/// A file name for Content-Disposition: printable ASCII only, no quote or backslash.
fn safe_name(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' { c } else { '_' }).collect()
}
