//! Redrive (`Event::Redriven`): an execution that failed or was aborted is rebuilt by
//! replaying its fed events, then redriven; it goes on from the states that did not finish
//! (a Task scheduled again, a Map's unfinished iterations, a Parallel's failed branch) and
//! reruns nothing that succeeded. The whole run must also replay to the same history.

use engine::{Command, Details, Event, Execution, ExecutionInfo, HistoryEvent, Status, Step};
use expr::{json, Value};
use std::collections::VecDeque;
use std::sync::Arc;

const START: i64 = 1_704_067_200_000;

fn info() -> ExecutionInfo {
    ExecutionInfo {
        execution_arn: "arn:aws:states:us-east-1:123456789012:execution:M:run".into(),
        name: "run".into(),
        role_arn: "arn:aws:iam::123456789012:role/R".into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:M".into(),
        state_machine_name: "M".into(),
        start_time: START,
        seed: 7,
        record_history: true,
        task_secret: 1,
    }
}

fn machine(definition: serde_json::Value) -> Arc<asl::StateMachine> {
    let parsed = asl::parse(&definition, asl::MachineType::Standard);
    Arc::new(parsed.machine.unwrap_or_else(|| panic!("invalid definition: {:?}", parsed.diagnostics)))
}

/// How the test answers a task: its state's name, its input, and whether the execution
/// was redriven.
type Answer = fn(&str, &Value, bool) -> Result<Value, (String, String)>;

/// An execution driven on a virtual clock: tasks answered in the order they were issued,
/// timers fired in time order; every fed event is recorded.
struct Driver {
    execution: Execution,
    fed: Vec<(Event, i64)>,
    history: Vec<HistoryEvent>,
    /// (state, input, redriven) of every RunTask.
    calls: Vec<(String, Value, bool)>,
    tasks: VecDeque<(u64, String, Value)>,
    timers: Vec<(i64, u64)>,
    now: i64,
    redriven: bool,
}

impl Driver {
    fn new(def: Arc<asl::StateMachine>) -> Driver {
        Driver {
            execution: Execution::new(def, info()),
            fed: Vec::new(),
            history: Vec::new(),
            calls: Vec::new(),
            tasks: VecDeque::new(),
            timers: Vec::new(),
            now: START,
            redriven: false,
        }
    }

    fn feed(&mut self, event: Event) {
        let mut step = Step::default();
        self.execution.apply(event.clone(), self.now, &mut step);
        self.fed.push((event, self.now));
        self.history.append(&mut step.history);
        for command in step.commands {
            match command {
                Command::RunTask { task, state, input, .. } => {
                    self.calls.push((state.clone(), input.clone(), self.redriven));
                    self.tasks.push_back((task, state, input));
                }
                Command::StartTimer { timer, fire_at } => self.timers.push((fire_at, timer)),
                Command::CancelTimer { timer } => self.timers.retain(|&(_, t)| t != timer),
                Command::CancelTask { task } => self.tasks.retain(|(t, _, _)| *t != task),
            }
        }
    }

    /// Runs until the execution ends (or `stop_after` tasks were answered: then it stops it).
    fn run(&mut self, answer: Answer, stop_after: Option<usize>) {
        let mut answered = 0;
        while self.execution.status() == &Status::Running {
            if stop_after == Some(answered) {
                self.feed(Event::Stopped { error: Some("Stop".into()), cause: None });
                break;
            }
            self.now += 1000;
            if let Some((task, state, input)) = self.tasks.pop_front() {
                answered += 1;
                let event = match answer(&state, &input, self.redriven) {
                    Ok(output) => Event::TaskSucceeded { task, output },
                    Err((error, cause)) => Event::TaskFailed { task, error, cause },
                };
                self.feed(event);
            } else if let Some(index) = (0..self.timers.len()).min_by_key(|&i| self.timers[i]) {
                let (at, timer) = self.timers.remove(index);
                self.now = self.now.max(at);
                self.feed(Event::TimerFired { timer });
            } else {
                panic!("the execution waits for nothing: {:?}", self.history.last());
            }
        }
    }

    /// Rebuilds the execution from its fed events (as after a restart), then redrives it.
    fn rebuild_and_redrive(&mut self, def: Arc<asl::StateMachine>) {
        let mut rebuilt = Execution::new(def, info());
        let mut replayed = Vec::new();
        let mut step = Step::default();
        for (event, at) in &self.fed {
            rebuilt.apply(event.clone(), *at, &mut step);
            replayed.append(&mut step.history);
        }
        assert_eq!(replayed, self.history, "the replay differs");
        assert_eq!(rebuilt.status(), self.execution.status());
        self.execution = rebuilt;
        self.tasks.clear();
        self.timers.clear();
        self.redriven = true;
        self.now += 60_000;
        self.feed(Event::Redriven);
    }

    fn types(&self) -> Vec<&'static str> {
        self.history.iter().map(HistoryEvent::type_name).collect()
    }

    /// The event types after `ExecutionRedriven`.
    fn types_after_redrive(&self) -> Vec<&'static str> {
        let types = self.types();
        let at = types.iter().position(|t| *t == "ExecutionRedriven").expect("an ExecutionRedriven event");
        types[at + 1..].to_vec()
    }

    /// Ids are 1.., gapless; every previousEventId points back; a full replay agrees.
    fn check_history(&self, def: Arc<asl::StateMachine>) {
        for (i, event) in self.history.iter().enumerate() {
            assert_eq!(event.id, i as u64 + 1, "ids are gapless");
            assert!(event.previous_event_id < event.id, "{event:?}");
        }
        let mut again = Execution::new(def, info());
        let mut step = Step::default();
        let mut replayed = Vec::new();
        for (event, at) in &self.fed {
            again.apply(event.clone(), *at, &mut step);
            replayed.append(&mut step.history);
        }
        assert_eq!(replayed, self.history, "replaying every fed event, the redrive included");
    }

    fn output(&self) -> Value {
        match self.execution.status() {
            Status::Succeeded { output } => output.clone(),
            other => panic!("not succeeded: {other:?}"),
        }
    }
}

#[test]
fn a_failed_task_is_scheduled_again_and_the_execution_goes_on_to_success() {
    let def = machine(serde_json::json!({"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Result": {"order": 7}, "Next": "Charge"},
        "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"order.$": "$.order", "redrives.$": "$$.Execution.RedriveCount"}, "ResultPath": "$.charged", "Next": "Done"},
        "Done": {"Type": "Pass", "End": true}}}));
    let answer: Answer = |_, _, redriven| {
        if redriven {
            Ok(json!({"paid": true}))
        } else {
            Err(("Card.Declined".into(), "no funds".into()))
        }
    };
    let mut d = Driver::new(def.clone());
    d.feed(Event::Started { input: json!({}) });
    d.run(answer, None);
    assert!(matches!(d.execution.status(), Status::Failed { error: Some(e), .. } if e == "Card.Declined"));
    let failed_at = d.history.len() as u64;

    d.rebuild_and_redrive(def.clone());
    d.run(answer, None);
    assert_eq!(d.output(), json!({"order": 7, "charged": {"paid": true}}));
    assert_eq!(
        d.types(),
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskFailed",
            "ExecutionFailed",
            "ExecutionRedriven",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded",
        ]
    );
    let redriven = &d.history[failed_at as usize];
    assert_eq!(redriven.details, Details::ExecutionRedriven { redrive_count: 1 });
    assert_eq!(redriven.previous_event_id, failed_at, "ExecutionRedriven follows ExecutionFailed");
    assert_eq!(d.history[failed_at as usize + 1].previous_event_id, redriven.id);
    // The same effective input, and $$.Execution.RedriveCount counts the redrive.
    let inputs: Vec<&Value> = d.calls.iter().map(|(_, input, _)| input).collect();
    assert_eq!(inputs, [&json!({"order": 7, "redrives": 0}), &json!({"order": 7, "redrives": 1})]);
    d.check_history(def);
}

#[test]
fn a_map_reruns_only_its_failed_and_aborted_iterations() {
    let def = machine(serde_json::json!({"StartAt": "Each", "States": {
        "Each": {"Type": "Map", "ItemProcessor": {"StartAt": "Work", "States": {
            "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"n.$": "$"}, "End": true}}},
            "End": true}}}));
    // Item 2 fails before the redrive; 3 and 4 are still running then, and are aborted.
    let answer: Answer = |_, input, redriven| {
        let n = input["n"].as_i64().unwrap_or(0);
        if n == 2 && !redriven {
            Err(("Flaky".into(), "item 2".into()))
        } else {
            Ok(json!(n * 10))
        }
    };
    let mut d = Driver::new(def.clone());
    d.feed(Event::Started { input: json!([1, 2, 3, 4]) });
    d.run(answer, None);
    assert!(matches!(d.execution.status(), Status::Failed { .. }));
    let before = d.types();
    assert_eq!(before.iter().filter(|t| **t == "MapIterationAborted").count(), 2, "{before:?}");

    d.rebuild_and_redrive(def.clone());
    d.run(answer, None);
    assert_eq!(d.output(), json!([10, 20, 30, 40]));
    let rerun: Vec<i64> = d.calls.iter().filter(|c| c.2).map(|c| c.1["n"].as_i64().unwrap_or(0)).collect();
    assert_eq!(rerun, [2, 3, 4], "iteration 0, which succeeded, is not run again");
    let after = d.types_after_redrive();
    assert_eq!(&after[..3], ["MapIterationStarted"; 3]);
    assert_eq!(
        &after[after.len() - 4..],
        ["MapIterationSucceeded", "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]
    );
    assert!(!after.contains(&"MapStateEntered") && !after.contains(&"MapStateStarted"), "{after:?}");
    let restarted: Vec<usize> = d.history[before.len()..]
        .iter()
        .filter_map(|e| match &e.details {
            Details::MapIterationStarted { index, .. } => Some(*index),
            _ => None,
        })
        .collect();
    assert_eq!(restarted, [1, 2, 3]);
    d.check_history(def);
}

#[test]
fn a_parallel_reruns_only_its_failed_branch() {
    let def = machine(serde_json::json!({"StartAt": "Both", "States": {
        "Both": {"Type": "Parallel", "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}},
            {"StartAt": "B0", "States": {
                "B0": {"Type": "Pass", "Result": "b0", "Next": "B"},
                "B": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}],
            "Next": "Done"},
        "Done": {"Type": "Succeed"}}}));
    let answer: Answer = |state, _, redriven| match (state, redriven) {
        ("A", _) => Ok(json!("a")),
        ("B", false) => Err(("Down".into(), "b is down".into())),
        _ => Ok(json!("b")),
    };
    let mut d = Driver::new(def.clone());
    d.feed(Event::Started { input: json!({}) });
    d.run(answer, None);
    assert!(matches!(d.execution.status(), Status::Failed { error: Some(e), .. } if e == "Down"));

    d.rebuild_and_redrive(def.clone());
    d.run(answer, None);
    assert_eq!(d.output(), json!(["a", "b"]));
    let rerun: Vec<&str> = d.calls.iter().filter(|c| c.2).map(|c| c.0.as_str()).collect();
    assert_eq!(rerun, ["B"], "branch A succeeded and is not run again");
    assert_eq!(
        d.types_after_redrive(),
        [
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "ParallelStateExited",
            "SucceedStateEntered",
            "SucceedStateExited",
            "ExecutionSucceeded",
        ]
    );
    d.check_history(def);
}

#[test]
fn an_aborted_execution_runs_its_aborted_task_again_and_a_succeeded_one_is_not_redriven() {
    let def = machine(serde_json::json!({"StartAt": "First", "States": {
        "First": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Second"},
        "Second": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}));
    let answer: Answer = |state, _, _| Ok(json!(state));
    let mut d = Driver::new(def.clone());
    d.feed(Event::Started { input: json!({}) });
    d.run(answer, Some(1));
    assert!(matches!(d.execution.status(), Status::Aborted { .. }));
    assert_eq!(d.types().last(), Some(&"ExecutionAborted"));

    d.rebuild_and_redrive(def.clone());
    d.run(answer, None);
    assert_eq!(d.output(), json!("Second"));
    let rerun: Vec<&str> = d.calls.iter().filter(|c| c.2).map(|c| c.0.as_str()).collect();
    assert_eq!(rerun, ["Second"]);
    let events = d.history.len();
    d.feed(Event::Redriven);
    assert_eq!(d.history.len(), events, "a succeeded execution is not redriven");
    d.check_history(def);
}
