//! A scripted, virtual-clock driver for one execution: answers tasks from a script, fires
//! timers in time order, records every event it feeds, and replays such a record.

use engine::{Command, Event, Execution, ExecutionInfo, HistoryEvent, Status, Step, TaskId, TimerId};
use expr::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// 2024-01-01T00:00:00Z in epoch milliseconds: every scenario starts here.
pub const START: i64 = 1_704_067_200_000;
/// Stops a runaway execution (a Choice loop that never ends, an engine that spins).
const MAX_EVENTS: usize = 10_000;

/// A STANDARD execution of `definition` (which must be valid), with [`info`]`(7)`.
#[allow(dead_code)] // not every test binary builds executions by hand
pub fn execution(definition: Value) -> Execution {
    let parsed = asl::parse(&serde_json::Value::from(&definition), asl::MachineType::Standard);
    let machine = parsed.machine.unwrap_or_else(|| panic!("invalid definition: {:?}", parsed.diagnostics));
    Execution::new(Arc::new(machine), info(7))
}

/// Applies one event and returns what it produced.
#[allow(dead_code)]
pub fn apply(execution: &mut Execution, event: Event, now: i64) -> Step {
    let mut step = Step::default();
    execution.apply(event, now, &mut step);
    step
}

/// The fixed facts of every scenario's execution.
pub fn info(seed: u64) -> ExecutionInfo {
    ExecutionInfo {
        execution_arn: "arn:aws:states:us-east-1:123456789012:execution:Scenario:run-1".into(),
        name: "run-1".into(),
        role_arn: "arn:aws:iam::123456789012:role/ScenarioRole".into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:Scenario".into(),
        state_machine_name: "Scenario".into(),
        start_time: START,
        seed,
        task_secret: u128::from(seed),
        record_history: true,
    }
}

/// How the script answers one RunTask.
#[derive(Debug, Clone)]
pub enum Response {
    Output {
        output: Value,
        after_ms: i64,
    },
    Error {
        error: String,
        cause: String,
        after_ms: i64,
    },
    /// Never answers: only a timeout, a stop or a sibling's failure ends it.
    Hang,
    /// Sends `count` heartbeats `every_ms` apart, then answers `then` `every_ms` later.
    Heartbeats {
        count: u32,
        every_ms: i64,
        then: Box<Response>,
    },
}

impl Response {
    pub fn parse(value: &Value) -> Result<Response, String> {
        let after_ms = value.get("after_ms").and_then(Value::as_i64).unwrap_or(0);
        if value.get("hang").and_then(Value::as_bool) == Some(true) {
            return Ok(Response::Hang);
        }
        if let Some(count) = value.get("heartbeats") {
            let count = count.as_u64().ok_or("`heartbeats` must be a count")? as u32;
            let every_ms = value.get("every_ms").and_then(Value::as_i64).ok_or("`heartbeats` needs `every_ms`")?;
            let then = Response::parse(value.get("then").ok_or("`heartbeats` needs `then`")?)?;
            return Ok(Response::Heartbeats { count, every_ms, then: Box::new(then) });
        }
        if let Some(n) = value.get("output_string_bytes").and_then(Value::as_u64) {
            return Ok(Response::Output { output: Value::from("a".repeat(n as usize)), after_ms });
        }
        if let Some(output) = value.get("output") {
            return Ok(Response::Output { output: output.clone(), after_ms });
        }
        if let Some(error) = value.get("error").and_then(Value::as_str) {
            let cause = value.get("cause").and_then(Value::as_str).unwrap_or_default();
            return Ok(Response::Error { error: error.into(), cause: cause.into(), after_ms });
        }
        Err(format!("unknown task response {value}"))
    }
}

/// A stop request at a virtual time.
#[derive(Debug, Clone)]
pub struct Stop {
    pub at_ms: i64,
    pub error: Option<String>,
    pub cause: Option<String>,
}

/// One RunTask the execution issued, as the script saw it.
#[derive(Debug, Clone)]
pub struct TaskCall {
    pub state: String,
    pub input: Value,
}

/// One StartTimer the execution issued.
#[derive(Debug, Clone, Copy)]
pub struct TimerCall {
    pub issued_at: i64,
    pub fire_at: i64,
}

/// Everything one run produced.
#[derive(Debug)]
pub struct Run {
    pub fed: Vec<(Event, i64)>,
    pub history: Vec<HistoryEvent>,
    pub commands: Vec<Command>,
    pub status: Status,
    pub tasks: Vec<TaskCall>,
    pub timers: Vec<TimerCall>,
    pub max_in_flight: usize,
}

/// Something scheduled to happen to the execution at a virtual time.
#[derive(Debug, Clone)]
enum Due {
    Answer(TaskId, Event),
    Stop,
}

/// Drives `def` from `input` to its end with the script.
pub fn drive(
    def: Arc<asl::StateMachine>,
    input: Value,
    seed: u64,
    script: &HashMap<String, Vec<Response>>,
    stop: Option<&Stop>,
) -> Result<Run, String> {
    let mut execution = Execution::new(def, info(seed));
    let mut run = Run {
        fed: Vec::new(),
        history: Vec::new(),
        commands: Vec::new(),
        status: Status::Running,
        tasks: Vec::new(),
        timers: Vec::new(),
        max_in_flight: 0,
    };
    let mut used: HashMap<String, usize> = HashMap::new();
    // Task answers and the stop, ordered by (time, order of scheduling).
    let mut due: BTreeMap<(i64, u64), Due> = BTreeMap::new();
    let mut seq = 0u64;
    let mut timers: BTreeSet<(i64, TimerId)> = BTreeSet::new();
    let mut in_flight: BTreeSet<TaskId> = BTreeSet::new();
    let mut clock = START;
    if let Some(stop) = stop {
        due.insert((START + stop.at_ms, u64::MAX), Due::Stop);
    }
    let mut step = Step::default();
    let mut event = Event::Started { input };
    loop {
        if run.fed.len() >= MAX_EVENTS {
            return Err(format!("still running after {MAX_EVENTS} events"));
        }
        run.fed.push((event.clone(), clock));
        execution.apply(event, clock, &mut step);
        run.history.append(&mut step.history);
        for command in step.commands.drain(..) {
            match &command {
                Command::RunTask { task, state, input, .. } => {
                    run.tasks.push(TaskCall { state: state.clone(), input: input.clone() });
                    in_flight.insert(*task);
                    run.max_in_flight = run.max_in_flight.max(in_flight.len());
                    let n = used.entry(state.clone()).or_insert(0);
                    let response = script
                        .get(state)
                        .and_then(|list| list.get(*n))
                        .ok_or_else(|| format!("the script has no response #{} for task state '{state}'", *n + 1))?;
                    *n += 1;
                    for (at, answer) in schedule(*task, response, clock) {
                        seq += 1;
                        due.insert((at, seq), Due::Answer(*task, answer));
                    }
                }
                Command::StartTimer { timer, fire_at } => {
                    run.timers.push(TimerCall { issued_at: clock, fire_at: *fire_at });
                    timers.insert((*fire_at, *timer));
                }
                Command::CancelTimer { timer } => timers.retain(|&(_, t)| t != *timer),
                Command::CancelTask { task } => {
                    in_flight.remove(task);
                    due.retain(|_, d| !matches!(d, Due::Answer(t, _) if t == task));
                }
            }
            run.commands.push(command);
        }
        if *execution.status() != Status::Running {
            break;
        }
        // The earliest of the next answer and the next timer; answers first on a tie.
        let next_due = due.keys().next().copied();
        let next_timer = timers.iter().next().copied();
        event = match (next_due, next_timer) {
            (Some(key), timer) if timer.is_none_or(|(at, _)| key.0 <= at) => {
                let Some(item) = due.remove(&key) else { unreachable!("key was just read") };
                clock = clock.max(key.0);
                match item {
                    Due::Stop => {
                        let stop = stop.ok_or("a stop without a stop request")?;
                        Event::Stopped { error: stop.error.clone(), cause: stop.cause.clone() }
                    }
                    Due::Answer(task, answer) => {
                        if !matches!(answer, Event::TaskHeartbeat { .. }) {
                            in_flight.remove(&task);
                        }
                        answer
                    }
                }
            }
            (_, Some((at, _))) => {
                // Every timer due at that instant fires in one step, in timer order.
                let fired: Vec<u64> = timers.iter().take_while(|&&(when, _)| when == at).map(|&(_, t)| t).collect();
                timers.retain(|&(when, _)| when != at);
                clock = clock.max(at);
                match fired.as_slice() {
                    [timer] => Event::TimerFired { timer: *timer },
                    _ => Event::TimersFired { timers: fired },
                }
            }
            (None, None) => return Err(format!("the execution waits for nothing (status {:?})", execution.status())),
            (Some(_), None) => unreachable!("handled by the first arm"),
        };
    }
    run.status = execution.status().clone();
    Ok(run)
}

/// The events a response sends, with their times.
fn schedule(task: TaskId, response: &Response, now: i64) -> Vec<(i64, Event)> {
    match response {
        Response::Output { output, after_ms } => {
            vec![(now + after_ms, Event::TaskSucceeded { task, output: output.clone() })]
        }
        Response::Error { error, cause, after_ms } => {
            vec![(now + after_ms, Event::TaskFailed { task, error: error.clone(), cause: cause.clone() })]
        }
        Response::Hang => Vec::new(),
        Response::Heartbeats { count, every_ms, then } => {
            let mut out: Vec<(i64, Event)> =
                (1..=i64::from(*count)).map(|k| (now + k * every_ms, Event::TaskHeartbeat { task })).collect();
            let last = now + i64::from(*count) * every_ms;
            out.extend(schedule(task, then, last + every_ms));
            out
        }
    }
}

/// Feeds a recorded event list to a fresh execution.
pub fn replay(
    def: Arc<asl::StateMachine>,
    seed: u64,
    fed: &[(Event, i64)],
) -> (Vec<HistoryEvent>, Vec<Command>, Status) {
    let mut execution = Execution::new(def, info(seed));
    let mut step = Step::default();
    let mut history = Vec::new();
    let mut commands = Vec::new();
    for (event, now) in fed {
        execution.apply(event.clone(), *now, &mut step);
        history.append(&mut step.history);
        commands.append(&mut step.commands);
    }
    (history, commands, execution.status().clone())
}
