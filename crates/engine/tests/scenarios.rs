//! Data-driven engine scenarios: every `test_data/scenarios/*.json` runs through [`check`],
//! step by step on a virtual clock with scripted task answers, then again replayed from the
//! recorded events; both runs must agree, and the result must match the expectations.
//!
//! A scenario file holds:
//! - `definition`, `input`, optional `seed` (default 7);
//! - `tasks`: per Task state name, its responses in order: `{"output": v}`,
//!   `{"output_string_bytes": n}` (a string of n `a`s), `{"error": e, "cause": c}` (all
//!   with an optional `after_ms` delay), `{"hang": true}`, or
//!   `{"heartbeats": n, "every_ms": m, "then": {...}}` (`then` answers `m` after the last);
//! - `stop`: optional `{"at_ms", "error", "cause"}`, a `StopExecution` at that virtual time;
//! - `expected`: `status`; `output` / `error` / `cause` (`null`: absent); `history` (event
//!   types in order); `events` (`{"id", "type", "previous_event_id", "at_ms", "details"}`,
//!   details as a subset in AWS field names, `null` meaning absent); `timer_delays_ms`
//!   (every StartTimer's `fire_at` minus the time it was issued, in order);
//!   `timer_delays_below_ms` (strict upper bounds, for jitter); `max_tasks_in_flight`;
//!   `task_inputs` (per state, the inputs of its RunTasks in order); `command_counts`;
//!   `end_at_ms` (when the execution ended, after the start).

mod support;

use engine::{Command, Status};
use expr::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use support::driver::{self, Response, Stop, START};
use support::history;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/scenarios")
}

/// Runs one scenario file; `Err` lists what differs.
fn check(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let case: Value = expr::json::from_str(&text).map_err(|e| e.to_string())?;
    let parsed = asl::parse(&serde_json::Value::from(&case["definition"]), asl::MachineType::Standard);
    let def = Arc::new(parsed.machine.ok_or_else(|| format!("invalid definition: {:?}", parsed.diagnostics))?);
    let seed = case["seed"].as_u64().unwrap_or(7);
    let mut script: HashMap<String, Vec<Response>> = HashMap::new();
    if let Some(tasks) = case["tasks"].as_object() {
        for (state, list) in tasks {
            let list = list.as_array().ok_or("task responses must be a list")?;
            script.insert(state.to_string(), list.iter().map(Response::parse).collect::<Result<_, _>>()?);
        }
    }
    let stop = case.get("stop").map(|s| Stop {
        at_ms: s["at_ms"].as_i64().unwrap_or(0),
        error: s["error"].as_str().map(String::from),
        cause: s["cause"].as_str().map(String::from),
    });
    let run = driver::drive(def.clone(), case["input"].clone(), seed, &script, stop.as_ref())?;

    // House rule: a replay of the recorded events gives the very same execution.
    let (history, commands, status) = driver::replay(def, seed, &run.fed);
    if history != run.history {
        return Err(format!("replay history differs:\nrun:    {:?}\nreplay: {:?}", run.history, history));
    }
    if commands != run.commands {
        return Err(format!("replay commands differ:\nrun:    {:?}\nreplay: {:?}", run.commands, commands));
    }
    if status != run.status {
        return Err(format!("replay status differs: run {:?}, replay {status:?}", run.status));
    }

    invariants(&run)?;
    let mut errors = Vec::new();
    expectations(&case["expected"], &run, &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        let types: Vec<&str> = run.history.iter().map(|e| e.type_name()).collect();
        Err(format!("{}\n  (history: {})", errors.join("\n"), types.join(", ")))
    }
}

/// What every history must satisfy.
fn invariants(run: &driver::Run) -> Result<(), String> {
    let first = run.history.first().ok_or("no history")?;
    if first.type_name() != "ExecutionStarted" || first.previous_event_id != 0 {
        return Err(format!("first event is {first:?}"));
    }
    let mut time = START;
    for (i, e) in run.history.iter().enumerate() {
        if e.id != i as u64 + 1 {
            return Err(format!("event #{i} has id {}", e.id));
        }
        if e.previous_event_id >= e.id {
            return Err(format!("event {} points forward to {}", e.id, e.previous_event_id));
        }
        if e.timestamp < time {
            return Err(format!("event {} goes back in time", e.id));
        }
        time = e.timestamp;
    }
    let last = run.history.last().map(|e| e.type_name()).unwrap_or_default();
    let terminal = match run.status {
        Status::Succeeded { .. } => "ExecutionSucceeded",
        Status::Failed { .. } => "ExecutionFailed",
        Status::TimedOut { .. } => "ExecutionTimedOut",
        Status::Aborted { .. } => "ExecutionAborted",
        Status::Running => "",
    };
    if last != terminal {
        return Err(format!("the last event is {last}, the status {}", run.status.name()));
    }
    Ok(())
}

fn expectations(want: &Value, run: &driver::Run, errors: &mut Vec<String>) {
    let mut expect = |ok: bool, what: String| {
        if !ok {
            errors.push(what);
        }
    };
    let status = want["status"].as_str().unwrap_or("<missing>");
    expect(run.status.name() == status, format!("status: want {status}, got {:?}", run.status));
    let (output, error, cause) = match &run.status {
        Status::Succeeded { output } => (Some(output.clone()), None, None),
        Status::Failed { error, cause } | Status::TimedOut { error, cause } | Status::Aborted { error, cause } => {
            (None, error.clone(), cause.clone())
        }
        Status::Running => (None, None, None),
    };
    if let Some(w) = want.get("output") {
        expect(output.as_ref() == Some(w), format!("output: want {w}, got {output:?}"));
    }
    for (key, got) in [("error", error), ("cause", cause)] {
        if let Some(w) = want.get(key) {
            expect(w.as_str() == got.as_deref(), format!("{key}: want {w}, got {got:?}"));
        }
    }
    let types: Vec<&str> = run.history.iter().map(|e| e.type_name()).collect();
    match want["history"].as_array() {
        Some(w) => {
            let w: Vec<&str> = w.iter().filter_map(Value::as_str).collect();
            expect(w == types, format!("history:\n  want {}\n  got  {}", w.join(", "), types.join(", ")));
        }
        None => expect(false, "every scenario states its `history`".into()),
    }
    for e in want["events"].as_array().into_iter().flatten() {
        let id = e["id"].as_u64().unwrap_or(0);
        let Some(got) = run.history.iter().find(|h| h.id == id) else {
            expect(false, format!("no event with id {id}"));
            continue;
        };
        if let Some(t) = e["type"].as_str() {
            expect(got.type_name() == t, format!("event {id}: type want {t}, got {}", got.type_name()));
        }
        if let Some(p) = e["previous_event_id"].as_u64() {
            expect(
                got.previous_event_id == p,
                format!("event {id}: previous_event_id want {p}, got {}", got.previous_event_id),
            );
        }
        if let Some(at) = e["at_ms"].as_i64() {
            expect(got.timestamp - START == at, format!("event {id}: at_ms want {at}, got {}", got.timestamp - START));
        }
        if let Some(d) = e.get("details") {
            if let Err(why) = history::subset(d, &history::details(got)) {
                expect(false, format!("event {id} ({}): {why}", got.type_name()));
            }
        }
    }
    let delays: Vec<i64> = run.timers.iter().map(|t| t.fire_at - t.issued_at).collect();
    if let Some(w) = want.get("timer_delays_ms") {
        let w: Vec<i64> = w.as_array().into_iter().flatten().filter_map(Value::as_i64).collect();
        expect(w == delays, format!("timer delays: want {w:?}, got {delays:?}"));
    }
    if let Some(w) = want.get("timer_delays_below_ms") {
        let w: Vec<i64> = w.as_array().into_iter().flatten().filter_map(Value::as_i64).collect();
        let ok = w.len() == delays.len() && w.iter().zip(&delays).all(|(bound, d)| *d >= 0 && d < bound);
        expect(ok, format!("timer delays: want each below {w:?}, got {delays:?}"));
    }
    if let Some(w) = want["max_tasks_in_flight"].as_u64() {
        expect(run.max_in_flight as u64 == w, format!("max tasks in flight: want {w}, got {}", run.max_in_flight));
    }
    if let Some(w) = want["task_inputs"].as_object() {
        for (state, inputs) in w {
            let got: Vec<&Value> = run.tasks.iter().filter(|t| &t.state == state).map(|t| &t.input).collect();
            let inputs: Vec<&Value> = inputs.as_array().into_iter().flatten().collect();
            expect(got == inputs, format!("inputs of task '{state}': want {inputs:?}, got {got:?}"));
        }
    }
    if let Some(w) = want["command_counts"].as_object() {
        for (kind, n) in w {
            let got = run.commands.iter().filter(|c| command_kind(c) == kind).count() as u64;
            expect(n.as_u64() == Some(got), format!("{kind} commands: want {n}, got {got}"));
        }
    }
    if let Some(w) = want["end_at_ms"].as_i64() {
        let end = run.history.last().map(|e| e.timestamp - START).unwrap_or(-1);
        expect(end == w, format!("end_at_ms: want {w}, got {end}"));
    }
}

fn command_kind(c: &Command) -> &'static str {
    match c {
        Command::RunTask { .. } => "RunTask",
        Command::StartTimer { .. } => "StartTimer",
        Command::CancelTimer { .. } => "CancelTimer",
        Command::CancelTask { .. } => "CancelTask",
    }
}

fn check_all(dir: &Path) -> (usize, Vec<String>) {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_else(|_| Vec::new());
    paths.retain(|p| p.extension().is_some_and(|x| x == "json"));
    paths.sort();
    let failures = paths
        .iter()
        .filter_map(|p| {
            check(p).err().map(|e| format!("{}:\n{e}", p.file_name().unwrap_or_default().to_string_lossy()))
        })
        .collect();
    (paths.len(), failures)
}

#[test]
fn scenarios() {
    let (count, failures) = check_all(&dir());
    assert!(failures.is_empty(), "{} of {count} scenarios failed:\n\n{}", failures.len(), failures.join("\n\n"));
    assert!(count >= 20, "too few scenarios: {count}");
}
