//! An execution traced from its stored history: for each state, every run of it (entered and
//! exited times, input, output, error and cause, attempts with their retries) and its status,
//! including the runs inside Map iterations and Parallel branches. Pure: history events in, a
//! `Trace` out; the graph overlay for a chosen Map iteration comes from it.
//!
//! An event belongs to a thread (the top level, a branch, an iteration), found by following its
//! `previousEventId`: a branch's first event follows `ParallelStateStarted`, an iteration's
//! first event follows its `MapIterationStarted`, and `MapIteration*`/`ParallelState*` events
//! written when a child ends go back to the thread of their Map or Parallel state (the way the
//! engine's `history.rs` and `states/fork.rs` chain them).

use graph::{Overlay, Status};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use store::{ExecutionStatus, HistoryEvent};

/// One level of nesting an event is in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Frame {
    /// Iteration `index` of the Map state named.
    Iteration(String, usize),
    /// A branch of the Parallel state named.
    Branch(String),
}

/// The thread of an event and the state it belongs to.
#[derive(Debug, Clone, Default)]
struct Context {
    path: Vec<Frame>,
    state: Option<String>,
}

/// One attempt of a Task (a `...Scheduled` event and what followed it).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Attempt {
    pub scheduled: i64,
    pub resource: Option<String>,
    /// The task's parameters (`TaskScheduled`), or its input (activity, Lambda), as JSON text.
    pub parameters: Option<String>,
    pub started: Option<i64>,
    /// When the callback request went out (`TaskSubmitted`).
    pub submitted: Option<i64>,
    pub ended: Option<i64>,
    /// The task's result, as JSON text.
    pub output: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
    /// How many times the execution had been redriven when it was scheduled.
    pub redrive: u32,
}

/// A failed attempt followed by another: why, and when the retry began.
#[derive(Debug, Clone, Serialize)]
pub struct Retry {
    pub error: Option<String>,
    pub cause: Option<String>,
    pub failed: i64,
    pub retried: i64,
    /// The next attempt came from a redrive of the execution, not from the state's Retry.
    pub redriven: bool,
}

/// One run of a state: from its `...StateEntered` to its exit, failure or abort.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    /// The Map iterations it ran in, outermost first: `(Map state, index)`.
    pub iterations: Vec<(String, usize)>,
    #[serde(serialize_with = "status_class")]
    pub status: Status,
    /// The state type (`Task`, `Map`, ...), from the event type.
    pub kind: String,
    pub entered: i64,
    pub exited: Option<i64>,
    /// The time of its latest event (when it failed or was aborted, if it did not exit).
    pub last: i64,
    pub input: Option<String>,
    pub output: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
    /// The variables it assigned, as a JSON object text.
    pub assigned: Option<String>,
    pub attempts: Vec<Attempt>,
    pub retries: Vec<Retry>,
    /// A Map run's item count (`MapStateStarted`) and each iteration's status.
    pub length: Option<usize>,
    #[serde(serialize_with = "iteration_classes")]
    pub iteration_status: BTreeMap<usize, Status>,
    /// The ids of its events.
    pub events: Vec<u64>,
    #[serde(skip)]
    failed: bool,
    #[serde(skip)]
    open: bool,
    #[serde(skip)]
    path: Vec<Frame>,
}

fn status_class<S: serde::Serializer>(status: &Status, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(status.class())
}

fn iteration_classes<S: serde::Serializer>(map: &BTreeMap<usize, Status>, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut out = s.serialize_map(Some(map.len()))?;
    for (k, v) in map {
        out.serialize_entry(k, v.class())?;
    }
    out.end()
}

/// An execution's history, state by state.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Trace {
    /// Every run of each state entered, by state name, in the order entered.
    pub states: BTreeMap<String, Vec<Run>>,
    /// The execution's error and cause when it failed, timed out or was aborted.
    pub error: Option<String>,
    pub cause: Option<String>,
    /// The state to show for the failure: the innermost failed run with the execution's error.
    pub failed_state: Option<String>,
    /// `...StateEntered` events: Stepstone's count of state transitions.
    pub transitions: u64,
    /// Each Map state's largest item count, for the iteration picker.
    pub maps: BTreeMap<String, usize>,
}

fn details(event: &HistoryEvent) -> Value {
    serde_json::from_str(&event.details_json).unwrap_or(Value::Null)
}

fn text(details: &Value, key: &str) -> Option<String> {
    details.get(key).and_then(Value::as_str).map(str::to_string)
}

fn iteration(details: &Value) -> (String, usize) {
    let name = text(details, "name").unwrap_or_default();
    let index = details.get("index").and_then(Value::as_u64).unwrap_or(0) as usize;
    (name, index)
}

/// The state type part of a `...StateEntered`/`...StateExited`/`...StateAborted` type.
fn state_kind(event_type: &str) -> Option<&str> {
    ["StateEntered", "StateExited", "StateAborted"].iter().find_map(|suffix| event_type.strip_suffix(suffix))
}

fn is_failure(event_type: &str) -> bool {
    matches!(
        event_type,
        "TaskFailed"
            | "TaskTimedOut"
            | "TaskStartFailed"
            | "TaskSubmitFailed"
            | "ActivityFailed"
            | "ActivityTimedOut"
            | "ActivityScheduleFailed"
            | "LambdaFunctionFailed"
            | "LambdaFunctionTimedOut"
            | "LambdaFunctionStartFailed"
            | "LambdaFunctionScheduleFailed"
    )
}

impl Trace {
    /// The trace of `events` (an execution's whole history, in any order) for an execution
    /// whose status is `status`.
    pub fn new(events: &[HistoryEvent], status: ExecutionStatus) -> Trace {
        let mut events: Vec<&HistoryEvent> = events.iter().collect();
        events.sort_by_key(|e| e.id);
        let mut trace = Trace::default();
        let mut contexts: HashMap<u64, Context> = HashMap::new();
        let mut types: HashMap<u64, &str> = HashMap::new();
        // The run each (state, thread) has open: (name, index in `states[name]`).
        let mut open: HashMap<(String, Vec<Frame>), usize> = HashMap::new();
        // Threads that ended early, with how: an iteration failed or aborted, a branch failed.
        let mut closed: Vec<(Vec<Frame>, Status)> = Vec::new();
        let mut ended: Option<ExecutionStatus> = None;
        let mut redrives = 0;
        // The iteration each `MapIterationStarted` opens, by event id.
        let mut started: HashMap<u64, (String, usize)> = HashMap::new();
        for event in events {
            let t = event.event_type.as_str();
            let d = details(event);
            let previous = contexts.get(&event.previous_event_id).cloned().unwrap_or_default();
            let previous_type = types.get(&event.previous_event_id).copied().unwrap_or("");
            let mut context = previous.clone();
            match t {
                "MapIterationStarted" => {
                    let (name, index) = iteration(&d);
                    started.insert(event.id, (name.clone(), index));
                    closed.retain(|(p, _)| !p.ends_with(&[Frame::Iteration(name.clone(), index)]));
                    context.state = Some(name);
                }
                "MapIterationSucceeded" | "MapIterationFailed" | "MapIterationAborted" => {
                    let (name, index) = iteration(&d);
                    let frame = Frame::Iteration(name.clone(), index);
                    if let Some(at) = context.path.iter().rposition(|f| *f == frame) {
                        let how = match t {
                            "MapIterationFailed" => Some(Status::Failed),
                            "MapIterationAborted" => Some(Status::Aborted),
                            _ => None,
                        };
                        if let Some(how) = how {
                            closed.push((context.path[..=at].to_vec(), how));
                        }
                        context.path.truncate(at);
                    }
                    context.state = Some(name);
                }
                // Written after an iteration's last event: back to the Map's thread.
                "MapStateSucceeded" | "MapStateFailed"
                    if !matches!(
                        previous_type,
                        "MapStateEntered" | "MapStateStarted" | "MapRunStarted" | "MapRunFailed" | "MapRunSucceeded"
                    ) && !previous_type.starts_with("MapIteration") =>
                {
                    if let Some(at) = context.path.iter().rposition(|f| matches!(f, Frame::Iteration(..))) {
                        if let Frame::Iteration(name, _) = &context.path[at] {
                            context.state = Some(name.clone());
                        }
                        context.path.truncate(at);
                    }
                }
                "ParallelStateSucceeded" | "ParallelStateFailed" if previous_type != "ParallelStateEntered" => {
                    if let Some(at) = context.path.iter().rposition(|f| matches!(f, Frame::Branch(_))) {
                        if t == "ParallelStateFailed" {
                            closed.push((context.path[..=at].to_vec(), Status::Failed));
                        }
                        if let Frame::Branch(name) = &context.path[at] {
                            context.state = Some(name.clone());
                        }
                        context.path.truncate(at);
                    }
                }
                _ if previous_type == "MapIterationStarted" => {
                    let (name, index) = started.get(&event.previous_event_id).cloned().unwrap_or_default();
                    context.path.push(Frame::Iteration(name, index));
                    context.state = None;
                }
                _ if previous_type == "ParallelStateStarted" => {
                    context.path.push(Frame::Branch(previous.state.clone().unwrap_or_default()));
                    context.state = None;
                }
                _ if previous_type.ends_with("StateExited") => context.state = None,
                _ => {}
            }
            if t.ends_with("StateEntered") {
                context.state = text(&d, "name");
            }
            types.insert(event.id, t);
            contexts.insert(event.id, context.clone());

            // Execution-level events.
            match t {
                "ExecutionFailed" | "ExecutionTimedOut" | "ExecutionAborted" => {
                    trace.error = text(&d, "error");
                    trace.cause = text(&d, "cause");
                    ended = ExecutionStatus::parse(match t {
                        "ExecutionFailed" => "FAILED",
                        "ExecutionTimedOut" => "TIMED_OUT",
                        _ => "ABORTED",
                    });
                    // A Fail state (or a failing state) at the top level gets the execution's error.
                    if let Some(state) = &context.state {
                        let i = open.get(&(state.clone(), context.path.clone()));
                        if let Some(run) = i.and_then(|&i| trace.states.get_mut(state)?.get_mut(i)) {
                            if run.error.is_none() && t != "ExecutionAborted" {
                                run.error = trace.error.clone();
                                run.cause = trace.cause.clone();
                            }
                        }
                    }
                    continue;
                }
                "ExecutionSucceeded" => {
                    ended = Some(ExecutionStatus::Succeeded);
                    continue;
                }
                "ExecutionRedriven" => {
                    ended = None;
                    redrives += 1;
                    trace.error = None;
                    trace.cause = None;
                    continue;
                }
                _ => {}
            }
            let Some(state) = context.state.clone() else { continue };
            let key = (state.clone(), context.path.clone());
            if t.ends_with("StateEntered") {
                trace.transitions += 1;
                let runs = trace.states.entry(state.clone()).or_default();
                runs.push(Run {
                    iterations: context
                        .path
                        .iter()
                        .filter_map(|f| match f {
                            Frame::Iteration(m, i) => Some((m.clone(), *i)),
                            Frame::Branch(_) => None,
                        })
                        .collect(),
                    status: Status::InProgress,
                    kind: state_kind(t).unwrap_or_default().to_string(),
                    entered: event.timestamp,
                    exited: None,
                    last: event.timestamp,
                    input: text(&d, "input"),
                    output: None,
                    error: None,
                    cause: None,
                    assigned: None,
                    attempts: Vec::new(),
                    retries: Vec::new(),
                    length: None,
                    iteration_status: BTreeMap::new(),
                    events: Vec::new(),
                    failed: false,
                    open: true,
                    path: context.path.clone(),
                });
                open.insert(key.clone(), runs.len() - 1);
            }
            let Some(&i) = open.get(&key) else { continue };
            let Some(run) = trace.states.get_mut(&state).and_then(|runs| runs.get_mut(i)) else { continue };
            run.events.push(event.id);
            run.last = event.timestamp;
            apply(run, t, &d, event.timestamp, redrives, &mut trace.maps);
            if !run.open {
                open.remove(&key);
            }
        }
        // Runs still open: in progress, or ended with their thread or the execution.
        let ended = ended.or(match status {
            ExecutionStatus::Running => None,
            other => Some(other),
        });
        for runs in trace.states.values_mut() {
            for run in runs.iter_mut().filter(|r| r.open) {
                let by_thread = closed.iter().find(|(p, _)| run.path.starts_with(p)).map(|(_, s)| *s);
                run.status = match (by_thread, ended) {
                    (Some(s), _) => s,
                    (None, Some(ExecutionStatus::Aborted)) => Status::Aborted,
                    (None, Some(ExecutionStatus::Failed | ExecutionStatus::TimedOut)) => Status::Failed,
                    (None, Some(ExecutionStatus::Succeeded)) => Status::Succeeded,
                    (None, Some(ExecutionStatus::Running) | None) => Status::InProgress,
                };
            }
        }
        if trace.error.is_some() {
            trace.failed_state = failed_state(&trace);
        }
        trace
    }

    /// Gives the failed runs of Fail states with no recorded error the `Error` and `Cause` their
    /// definitions give (`errors`, by state name): history records them only when the Fail
    /// state ends the whole execution. Then picks the failing state again.
    pub fn fail_states(&mut self, errors: &BTreeMap<String, (Option<String>, Option<String>)>) {
        for (name, (error, cause)) in errors {
            for run in self.states.get_mut(name).into_iter().flatten() {
                if run.kind == "Fail" && run.status == Status::Failed && run.error.is_none() {
                    run.error = error.clone();
                    run.cause = cause.clone();
                }
            }
        }
        if self.error.is_some() {
            self.failed_state = failed_state(self);
        }
    }

    /// The status of each state for the iterations chosen in `selection` (Map state name ->
    /// index). A state run in several iterations not chosen shows the worst of their latest runs.
    pub fn overlay(&self, selection: &BTreeMap<String, usize>) -> Overlay {
        let mut overlay = Overlay::new();
        for (name, runs) in &self.states {
            let mut latest: BTreeMap<&[(String, usize)], Status> = BTreeMap::new();
            for run in runs.iter().filter(|r| chosen(r, selection)) {
                latest.insert(&run.iterations, run.status);
            }
            if let Some(status) = latest.into_values().max_by_key(|s| rank(*s)) {
                overlay.insert(name.clone(), status);
            }
        }
        overlay
    }

    /// The runs of `state` in the iterations chosen in `selection`.
    pub fn runs(&self, state: &str, selection: &BTreeMap<String, usize>) -> Vec<&Run> {
        self.states.get(state).map(|runs| runs.iter().filter(|r| chosen(r, selection)).collect()).unwrap_or_default()
    }
}

/// Whether `run` is in the iterations chosen (a Map without a choice: any of its iterations).
fn chosen(run: &Run, selection: &BTreeMap<String, usize>) -> bool {
    run.iterations.iter().all(|(m, i)| selection.get(m).is_none_or(|s| s == i))
}

/// Which status wins when several iterations are drawn as one.
fn rank(status: Status) -> u8 {
    match status {
        Status::NotStarted => 0,
        Status::Succeeded => 1,
        Status::CaughtError => 2,
        Status::Aborted => 3,
        Status::InProgress => 4,
        Status::Failed => 5,
    }
}

/// What one event does to the run it belongs to.
fn apply(run: &mut Run, t: &str, d: &Value, at: i64, redrive: u32, maps: &mut BTreeMap<String, usize>) {
    match t {
        _ if t.ends_with("StateExited") => {
            run.exited = Some(at);
            run.output = text(d, "output");
            run.assigned = d.get("assignedVariables").map(Value::to_string);
            run.status = if run.failed { Status::CaughtError } else { Status::Succeeded };
            run.open = false;
        }
        _ if t.ends_with("StateAborted") => {
            run.exited = Some(at);
            run.status = Status::Aborted;
            run.open = false;
        }
        "TaskScheduled" | "ActivityScheduled" | "LambdaFunctionScheduled" => {
            if let Some(last) = run.attempts.last() {
                if last.error.is_some() {
                    run.retries.push(Retry {
                        error: last.error.clone(),
                        cause: last.cause.clone(),
                        failed: last.ended.unwrap_or(at),
                        retried: at,
                        redriven: last.redrive != redrive,
                    });
                }
            }
            run.failed = false;
            run.attempts.push(Attempt {
                scheduled: at,
                resource: text(d, "resource"),
                parameters: text(d, "parameters").or_else(|| text(d, "input")),
                redrive,
                ..Attempt::default()
            });
        }
        "TaskStarted" | "ActivityStarted" | "LambdaFunctionStarted" => {
            if let Some(a) = run.attempts.last_mut() {
                a.started = Some(at);
            }
        }
        "TaskSubmitted" => {
            if let Some(a) = run.attempts.last_mut() {
                a.submitted = Some(at);
            }
        }
        "TaskSucceeded" | "ActivitySucceeded" | "LambdaFunctionSucceeded" => {
            if let Some(a) = run.attempts.last_mut() {
                a.ended = Some(at);
                a.output = text(d, "output");
            }
        }
        _ if is_failure(t) => {
            if let Some(a) = run.attempts.last_mut() {
                a.ended = Some(at);
                a.error = text(d, "error");
                a.cause = text(d, "cause");
            }
            run.error = text(d, "error");
            run.cause = text(d, "cause");
            run.failed = true;
        }
        "EvaluationFailed" => {
            run.error = text(d, "error");
            run.cause = text(d, "cause");
            run.failed = true;
        }
        "MapStateFailed" | "ParallelStateFailed" => run.failed = true,
        "MapStateStarted" => {
            let length = d.get("length").and_then(Value::as_u64).unwrap_or(0) as usize;
            run.length = Some(length);
        }
        "MapIterationStarted" | "MapIterationSucceeded" | "MapIterationFailed" | "MapIterationAborted" => {
            let (name, index) = iteration(d);
            let status = match t {
                "MapIterationStarted" => Status::InProgress,
                "MapIterationSucceeded" => Status::Succeeded,
                "MapIterationFailed" => Status::Failed,
                _ => Status::Aborted,
            };
            run.iteration_status.insert(index, status);
            let count = maps.entry(name).or_default();
            *count = (*count).max(index + 1).max(run.length.unwrap_or(0));
        }
        _ => {}
    }
}

/// The innermost failed run carrying the execution's error, else any failed run.
fn failed_state(trace: &Trace) -> Option<String> {
    let mut best: Option<((bool, usize, i64), &str)> = None;
    for (name, runs) in &trace.states {
        for run in runs.iter().filter(|r| r.status == Status::Failed) {
            let score = (run.error.is_some() && run.error == trace.error, run.path.len(), run.entered);
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, name.as_str()));
            }
        }
    }
    best.map(|(_, name)| name.to_string())
}
