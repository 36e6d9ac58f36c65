//! The execution page (`GET /executions/{machine}/{name}`): summary, failure banner, the graph in
//! status colours (live while it runs, through `live.rs`), a state's panel (drawn by
//! `assets/execution.js` from the trace embedded in the page), the event history, and the
//! Stop, Redrive, New execution, Export and Download buttons.

pub mod events;
pub mod live;
pub mod stages;
pub mod trace;

use crate::layout::{date, page, Section};
use crate::{Console, Shared};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use store::{ExecutionStatus, HistoryEvent, HistoryQuery, Store};
use trace::Trace;

/// An execution read from the store with its whole history, traced.
pub struct Loaded {
    pub machine: String,
    pub execution: store::Execution,
    pub events: Vec<HistoryEvent>,
    pub trace: Trace,
    pub definition: Value,
    /// Why it cannot be redriven (`None`: it can).
    pub not_redrivable: Option<String>,
}

/// What the page's query string may carry: the chosen Map iterations (`sel=Map:3,Inner:0`),
/// and the event table's page and filter.
#[derive(Debug, Default, Deserialize)]
pub struct View {
    #[serde(default)]
    pub sel: Option<String>,
    #[serde(default)]
    pub page: Option<usize>,
    #[serde(default)]
    pub filter: Option<String>,
    /// For the live endpoint: how many events the page already shows (nothing but the summary
    /// is sent again while there are no more).
    #[serde(default)]
    pub known: Option<usize>,
}

impl View {
    /// The chosen iterations: `Map:3,Inner:0` (state names may hold `:`; the index is after the last).
    pub fn selection(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for part in self.sel.as_deref().unwrap_or("").split(',').filter(|p| !p.is_empty()) {
            if let Some((name, index)) = part.rsplit_once(':') {
                if let Ok(index) = index.trim().parse() {
                    out.insert(name.to_string(), index);
                }
            }
        }
        out
    }
}

/// The execution ARN of `machine`'s execution `name`.
pub fn execution_arn<S: Store>(console: &Console<S>, machine: &str, name: &str) -> String {
    format!("arn:aws:states:{}:{}:execution:{machine}:{name}", console.config.region, console.config.account)
}

/// The page of an execution ARN (`/executions/{machine}/{name}`), if it is one.
pub fn page_of(arn: &str) -> Option<String> {
    let rest = arn.split(":execution:").nth(1)?;
    let (machine, name) = rest.split_once(':')?;
    Some(format!("/executions/{}/{}", encode(machine), encode(name)))
}

/// A path segment percent-encoded (names may hold any character but `/` is never one).
pub fn encode(segment: &str) -> String {
    let mut out = String::new();
    for b in segment.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Reads the execution and its history; `Ok(None)` when there is no such execution.
pub async fn load<S: Store>(console: &Console<S>, machine: &str, name: &str) -> Result<Option<Loaded>, String> {
    let store = console.store();
    let arn = execution_arn(console, machine, name);
    let Some(execution) = store.execution(&arn).await.map_err(|e| e.to_string())? else { return Ok(None) };
    let events = crate::every(|page| store.history(HistoryQuery { execution_arn: arn.clone(), reverse: false, page }))
        .await
        .map_err(|e| e.to_string())?;
    let machine_exists = store.state_machine(&execution.state_machine_arn).await.map_err(|e| e.to_string())?.is_some();
    let now = chrono::Utc::now().timestamp_millis();
    let not_redrivable = runtime::not_redrivable(&execution, machine_exists, now);
    let mut trace = Trace::new(&events, execution.status);
    let definition = serde_json::from_str(&execution.definition).unwrap_or(Value::Null);
    trace.fail_states(&fail_errors(&state_fields(&definition)));
    Ok(Some(Loaded { machine: machine.to_string(), execution, events, trace, definition, not_redrivable }))
}

/// A JSON text pretty-printed (or as it is, when it is not JSON).
pub fn pretty(text: &str) -> String {
    serde_json::from_str::<Value>(text).and_then(|v| serde_json::to_string_pretty(&v)).unwrap_or_else(|_| text.into())
}

/// A duration in milliseconds as people read it.
pub fn duration(ms: i64) -> String {
    let ms = ms.max(0);
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.3} s", ms as f64 / 1000.0)
    } else if ms < 3_600_000 {
        format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000)
    } else {
        format!("{} h {} min", ms / 3_600_000, (ms % 3_600_000) / 60_000)
    }
}

/// The parent execution: the store's `parent_arn`, else `AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID`
/// in the input (which `states:startExecution` definitions pass, as AWS documents).
pub fn parent_arn(execution: &store::Execution) -> Option<String> {
    if let Some(parent) = &execution.parent_arn {
        return Some(parent.clone());
    }
    let input: Value = serde_json::from_str(&execution.input).ok()?;
    input.get("AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID")?.as_str().map(str::to_string)
}

/// What the panel needs to know of each state's definition: its type, query language and the
/// data-flow fields it has, by name (nested states included).
pub fn state_fields(definition: &Value) -> Value {
    fn walk(machine: &Value, jsonata: bool, out: &mut serde_json::Map<String, Value>) {
        let jsonata = match machine.get("QueryLanguage").and_then(Value::as_str) {
            Some(language) => language == "JSONata",
            None => jsonata,
        };
        let Some(states) = machine.get("States").and_then(Value::as_object) else { return };
        for (name, state) in states {
            let own = match state.get("QueryLanguage").and_then(Value::as_str) {
                Some(language) => language == "JSONata",
                None => jsonata,
            };
            let mut fields = serde_json::Map::new();
            for key in [
                "InputPath",
                "Parameters",
                "ItemSelector",
                "ResultSelector",
                "ResultPath",
                "OutputPath",
                "Arguments",
                "Output",
                "Assign",
                "Resource",
                "Error",
                "Cause",
            ] {
                if let Some(v) = state.get(key) {
                    fields.insert(key.into(), v.clone());
                }
            }
            let kind = state.get("Type").cloned().unwrap_or(Value::Null);
            out.insert(name.clone(), json!({"type": kind, "jsonata": own, "fields": fields}));
            for branch in state.get("Branches").and_then(Value::as_array).into_iter().flatten() {
                walk(branch, own, out);
            }
            for key in ["ItemProcessor", "Iterator"] {
                if let Some(processor) = state.get(key) {
                    walk(processor, own, out);
                }
            }
        }
    }
    let mut out = serde_json::Map::new();
    walk(definition, false, &mut out);
    Value::Object(out)
}

/// Each Fail state's static `Error` and `Cause`, by name, from [`state_fields`].
fn fail_errors(fields: &Value) -> BTreeMap<String, (Option<String>, Option<String>)> {
    let text = |state: &Value, key: &str| state["fields"].get(key).and_then(Value::as_str).map(str::to_string);
    fields
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, state)| state["type"] == "Fail")
        .map(|(name, state)| (name.clone(), (text(state, "Error"), text(state, "Cause"))))
        .collect()
}

/// `GET /executions/{machine}/{name}`.
pub async fn show<S: Store>(
    State(console): State<Shared<S>>,
    Path((machine, name)): Path<(String, String)>,
    Query(view): Query<View>,
) -> Response {
    let loaded = match load(&console, &machine, &name).await {
        Ok(Some(loaded)) => loaded,
        Ok(None) => return not_found(&machine, &name),
        Err(e) => return crate::layout::error_page(&e),
    };
    let selection = view.selection();
    let e = &loaded.execution;
    let trace_json = serde_json::to_string(&loaded.trace).unwrap_or_default();
    let fields_json = state_fields(&loaded.definition).to_string();
    let machine_page = format!("/machines/{}", encode(&machine));
    let body = html! {
        div #execution.ex-page data-arn=(e.arn) data-machine=(machine) data-name=(e.name) data-status=(e.status.name())
            data-input=(e.input) data-trace=(trace_json) data-states=(fields_json)
            data-sel=(view.sel.as_deref().unwrap_or("")) {
            p.crumbs { a href="/" { "State machines" } " / " a href=(machine_page) { (machine) } " / execution" }
            div.execution-head {
                h1 { (e.name) }
                (badge(e.status))
                div.actions {
                    button type="button" data-action="stop" hidden[e.status != ExecutionStatus::Running] { "Stop" }
                    button type="button" data-action="redrive" hidden[loaded.not_redrivable.is_some()]
                        title=[loaded.not_redrivable.as_deref()] { "Redrive" }
                    button type="button" data-action="new-execution" title="Start a new execution with this input" { "New execution" }
                    a.button href=(format!("/console/executions/{}/{}/export", encode(&machine), encode(&name)))
                        download=(format!("{}.json", e.name)) { "Export JSON" }
                    button type="button" data-action="download-svg" { "Download graph (SVG)" }
                }
            }
            p #message role="status" aria-live="polite" {}
            div #banner { (banner(&loaded)) }
            section #summary { (summary(&loaded)) }
            section.trace {
                div.graph-side {
                    (pickers(&loaded.trace, &selection))
                    (legend())
                    div #graph tabindex="0" aria-label="The state machine's graph: click a state to see its details" {
                        (maud::PreEscaped(graph::svg(&loaded.definition, &loaded.trace.overlay(&selection))))
                    }
                }
                aside #panel hidden tabindex="-1" aria-label="The selected state" { }
            }
            section #io.io { (io(&loaded)) }
            section #history { (events::table(&loaded.events, e.started, &view)) }
        }
        script src="/console/assets/execution.js" defer {}
    };
    page(&format!("Execution {}", e.name), Section::Machines, body).into_response()
}

fn not_found(machine: &str, name: &str) -> Response {
    let body = html! {
        h1 { "Execution not found" }
        p { "There is no execution " code { (name) } " of the state machine " code { (machine) } "." }
        p { a href="/" { "Back to the state machines" } }
    };
    (StatusCode::NOT_FOUND, page("Execution not found", Section::Machines, body)).into_response()
}

/// The status as a coloured badge.
pub fn badge(status: ExecutionStatus) -> Markup {
    let class = status.name().to_ascii_lowercase().replace('_', "-");
    html! { span #status class=(format!("badge status-{class}")) { (status.name()) } }
}

/// The failure banner: error and cause, and a link selecting the failing step.
pub fn banner(loaded: &Loaded) -> Markup {
    let e = &loaded.execution;
    let failed = matches!(e.status, ExecutionStatus::Failed | ExecutionStatus::TimedOut | ExecutionStatus::Aborted);
    let error = e.error.clone().or_else(|| loaded.trace.error.clone());
    let cause = e.cause.clone().or_else(|| loaded.trace.cause.clone());
    html! {
        @if failed {
            div.banner.failure.aborted[e.status == ExecutionStatus::Aborted] role="alert" {
                strong { "Execution " (e.status.name().to_ascii_lowercase().replace('_', " ")) }
                @if let Some(error) = &error { " — " code.error-name { (error) } }
                @if let Some(cause) = &cause { pre.cause { (pretty(cause)) } }
                @if let Some(state) = &loaded.trace.failed_state {
                    p { a href="#" data-select-state=(state) { "Show the failing step: " (state) } }
                }
            }
        }
    }
}

/// The summary: status, ARN, times, transitions, parent.
pub fn summary(loaded: &Loaded) -> Markup {
    let e = &loaded.execution;
    let now = chrono::Utc::now().timestamp_millis();
    let parent = parent_arn(e);
    html! {
        dl.summary {
            dt { "Status" } dd { (e.status.name()) }
            dt { "ARN" } dd { code { (e.arn) } }
            dt { "Started" } dd { (date(e.started)) }
            dt { "Stopped" } dd { @if let Some(s) = e.stopped { (date(s)) } @else { "—" } }
            dt { "Duration" } dd { (duration(e.stopped.unwrap_or(now) - e.started)) @if e.stopped.is_none() { " (running)" } }
            dt { "State transitions" } dd title="The number of states entered" { (loaded.trace.transitions) }
            @if e.redrive_count > 0 {
                dt { "Redrives" } dd { (e.redrive_count) @if let Some(d) = e.redrive_date { ", last " (date(d)) } }
            }
            @if let Some(through) = &e.started_through {
                dt { "Started through" } dd { code { (through) } }
            }
            @if let Some(parent) = &parent {
                dt { "Parent execution" }
                dd { @if let Some(href) = page_of(parent) { a href=(href) { (parent) } } @else { code { (parent) } } }
            }
        }
    }
}

/// The execution's input and output.
pub fn io(loaded: &Loaded) -> Markup {
    let e = &loaded.execution;
    html! {
        div { h3 { "Input" } pre.json { (pretty(&e.input)) } }
        div { h3 { "Output" } pre.json { @if let Some(o) = &e.output { (pretty(o)) } @else { "—" } } }
    }
}

/// Above this many iterations a Map's picker is a number field rather than a list.
pub const LIST_LIMIT: usize = 100;

/// A picker per Map state: "all iterations" or one of them.
fn pickers(trace: &Trace, selection: &BTreeMap<String, usize>) -> Markup {
    html! {
        div #pickers.pickers data-maps=(serde_json::to_string(&trace.maps).unwrap_or_default()) {
            @for (map, count) in &trace.maps {
                label {
                    "Map " strong { (map) } " iteration: "
                    @if *count > LIST_LIMIT {
                        input type="number" min="0" max=(count - 1) placeholder="all" data-map=(map)
                            value=[selection.get(map)];
                        " of " (count)
                    } @else {
                        select data-map=(map) {
                            option value="" { "all" }
                            @for i in 0..*count {
                                option value=(i) selected[selection.get(map) == Some(&i)] { (i) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The colours' meanings (the graph's own legend).
fn legend() -> Markup {
    html! { div.legend aria-label="Legend" { (maud::PreEscaped(graph::legend())) } }
}
