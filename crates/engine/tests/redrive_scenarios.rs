//! Redrive over every engine scenario: each is run to its end, rebuilt from its fed events
//! and redriven. A succeeded execution ignores the redrive; any other writes
//! `ExecutionRedriven` after its last event, keeps its ids gapless, runs again (its tasks
//! answered at once with `{}`) and ends; nothing panics.

#[allow(dead_code)]
mod support;

use engine::{Command, Details, Event, Execution, Status, Step};
use expr::Value;
use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::Arc;
use support::driver::{self, Response};

/// Runs one scenario, then redrives it: whether it was redriven; `Err` says what is wrong.
fn check(path: &Path) -> Result<bool, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let case: Value = expr::json::from_str(&text).map_err(|e| e.to_string())?;
    let parsed = asl::parse(&serde_json::Value::from(&case["definition"]), asl::MachineType::Standard);
    let def = Arc::new(parsed.machine.ok_or("invalid definition")?);
    let mut script: HashMap<String, Vec<Response>> = HashMap::new();
    if let Some(tasks) = case["tasks"].as_object() {
        for (state, list) in tasks {
            let list = list.as_array().ok_or("task responses must be a list")?;
            script.insert(state.to_string(), list.iter().map(Response::parse).collect::<Result<_, _>>()?);
        }
    }
    let stop = case.get("stop").map(|s| driver::Stop {
        at_ms: s["at_ms"].as_i64().unwrap_or(0),
        error: s["error"].as_str().map(String::from),
        cause: s["cause"].as_str().map(String::from),
    });
    let run = driver::drive(def.clone(), case["input"].clone(), 7, &script, stop.as_ref())?;

    let mut execution = Execution::new(def, driver::info(7));
    let mut step = Step::default();
    let mut now = driver::START;
    for (event, at) in &run.fed {
        execution.apply(event.clone(), *at, &mut step);
        now = now.max(*at);
    }
    step.clear();
    let last_id = run.history.len() as u64;
    now += 1000;
    execution.apply(Event::Redriven, now, &mut step);
    if matches!(run.status, Status::Succeeded { .. }) {
        return match step.history.is_empty() && step.commands.is_empty() {
            true => Ok(false),
            false => Err("a succeeded execution was redriven".into()),
        };
    }
    let Some(first) = step.history.first() else {
        return Err(format!("no ExecutionRedriven after {}", run.status.name()));
    };
    if first.details != (Details::ExecutionRedriven { redrive_count: 1 }) || first.previous_event_id != last_id {
        return Err(format!("first event after the redrive: {first:?}"));
    }
    let mut history = std::mem::take(&mut step.history);
    let mut pending: VecDeque<Command> = std::mem::take(&mut step.commands).into();
    let mut timers: Vec<(i64, u64)> = Vec::new();
    let mut fed = 0;
    while execution.status() == &Status::Running {
        fed += 1;
        if fed > 5_000 {
            return Err("the redriven execution does not end".into());
        }
        now += 1000;
        let event = match pending.pop_front() {
            Some(Command::RunTask { task, .. }) => Event::TaskSucceeded { task, output: expr::json!({}) },
            Some(Command::StartTimer { timer, fire_at }) => {
                timers.push((fire_at, timer));
                continue;
            }
            Some(Command::CancelTimer { timer }) => {
                timers.retain(|&(_, t)| t != timer);
                continue;
            }
            Some(Command::CancelTask { .. }) => continue,
            None => match (0..timers.len()).min_by_key(|&i| timers[i]) {
                Some(i) => {
                    let (at, timer) = timers.remove(i);
                    now = now.max(at);
                    Event::TimerFired { timer }
                }
                None => return Err("the redriven execution waits for nothing".into()),
            },
        };
        execution.apply(event, now, &mut step);
        history.append(&mut step.history);
        pending.extend(step.commands.drain(..));
    }
    for (i, event) in history.iter().enumerate() {
        if event.id != last_id + 1 + i as u64 || event.previous_event_id >= event.id {
            return Err(format!("event {i} after the redrive: {event:?}"));
        }
    }
    Ok(true)
}

#[test]
fn every_scenario_can_be_redriven() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/scenarios");
    let mut paths: Vec<_> =
        std::fs::read_dir(dir).expect("scenarios").filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    assert!(paths.len() > 20, "the scenarios are missing");
    let mut failures = Vec::new();
    let mut redriven = 0;
    for path in paths.iter().filter(|p| p.extension().is_some_and(|x| x == "json")) {
        match check(path) {
            Ok(again) => redriven += usize::from(again),
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(redriven >= 10, "only {redriven} scenarios end unsuccessfully");
}
