//! TestState: one state run once, in isolation, through the interpreter's own code paths,
//! with its data flow recorded (`inspectionData`) and its fate reported as AWS does
//! (`SUCCEEDED`, `FAILED`, `RETRIABLE`, `CAUGHT_ERROR`).
//!
//! The state runs inside a throw-away [`Execution`]: it is entered, attempted, and what it
//! waits for is answered at once (a Task by its mock, a Wait by its timer, a Map or
//! Parallel by its mocked result). Its history and commands are dropped.

use crate::errors;
use crate::event::Step;
use crate::execution::{Execution, ExecutionInfo, Outcome};
use crate::retry::{self, Decision};
use crate::thread::{Fault, Thread, Wait};
use crate::variables::Frame;
use asl::{Kind, Machine, StateId, StateMachine};
use expr::{Map, Value};
use std::sync::Arc;

/// The name a single-state definition's state gets (as AWS's context object shows it).
pub const SINGLE_STATE_NAME: &str = "StateName";

/// What to test.
pub struct TestState {
    pub definition: Arc<StateMachine>,
    /// The state to run (`stateName`); `None` runs the machine's `StartAt`.
    pub state_name: Option<String>,
    pub input: Value,
    /// The workflow variables the state sees.
    pub variables: Map,
    /// Fields put over the context object.
    pub context: Option<Value>,
    pub mock: Option<Mock>,
    /// `stateConfiguration.retrierRetryCount`: retries made so far.
    pub retrier_retry_count: u32,
    pub info: ExecutionInfo,
    /// Epoch milliseconds.
    pub now: i64,
}

/// `mock`: what the state's invocation returns instead of running.
#[derive(Debug, Clone, PartialEq)]
pub enum Mock {
    Result(Value),
    Error { error: String, cause: String },
}

/// `TestExecutionStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestStatus {
    Succeeded,
    Failed,
    /// A retrier would retry the error.
    Retriable,
    /// A catcher caught the error.
    CaughtError,
}

impl TestStatus {
    pub fn name(self) -> &'static str {
        match self {
            TestStatus::Succeeded => "SUCCEEDED",
            TestStatus::Failed => "FAILED",
            TestStatus::Retriable => "RETRIABLE",
            TestStatus::CaughtError => "CAUGHT_ERROR",
        }
    }
}

/// The stages of a state's data flow, as far as it got (`InspectionData`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inspection {
    pub input: Option<Value>,
    pub after_input_path: Option<Value>,
    pub after_parameters: Option<Value>,
    pub after_arguments: Option<Value>,
    pub result: Option<Value>,
    pub after_result_selector: Option<Value>,
    pub after_result_path: Option<Value>,
    /// Every variable after the state: those given and those it assigned.
    pub variables: Option<Value>,
    pub max_concurrency: Option<usize>,
    pub error_details: Option<ErrorDetails>,
}

impl Inspection {
    /// The data-flow stages in AWS's order, by their `inspectionData` names.
    pub fn stages(&self) -> [(&'static str, &Option<Value>); 8] {
        [
            ("input", &self.input),
            ("afterInputPath", &self.after_input_path),
            ("afterParameters", &self.after_parameters),
            ("afterArguments", &self.after_arguments),
            ("result", &self.result),
            ("afterResultSelector", &self.after_result_selector),
            ("afterResultPath", &self.after_result_path),
            ("variables", &self.variables),
        ]
    }
}

/// `InspectionErrorDetails`: which Retry or Catch handled the error.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorDetails {
    pub catch_index: Option<usize>,
    pub retry_index: Option<usize>,
    pub retry_backoff_interval_seconds: Option<u64>,
}

/// What happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub status: TestStatus,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub next_state: Option<String>,
    pub inspection: Inspection,
}

/// A request TestState refuses, with AWS's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// `ValidationException`.
    Validation(String),
    /// `InvalidDefinition`.
    InvalidDefinition(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Validation(m) | Error::InvalidDefinition(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

/// The error a Task gets when it has no mock: Stepstone has no service to call in
/// TestState, so the invocation fails as a failed call fails (`States.TaskFailed`), and
/// Retry and Catch see it.
pub const UNMOCKED_TASK_ERROR: &str = "States.TaskFailed";

/// Runs one state once. `Err` is a request AWS refuses before running anything.
pub fn run(request: TestState) -> Result<Report, Error> {
    let (machine, id) = locate(&request.definition, request.state_name.as_deref())?;
    let state = &machine.states[id];
    check_mock(&state.kind, request.mock.as_ref())?;
    let mut vars = Arc::<Frame>::default();
    Frame::assign(&mut vars, &request.variables).map_err(|f| Error::Validation(f.cause))?;

    let mut exec = Execution::new(request.definition.clone(), request.info);
    exec.now = request.now;
    exec.input = request.input.clone();
    exec.redrive_count = None;
    exec.context_patch = request.context;
    exec.inspect = Some(Box::default());
    let tid = exec.spawn(machine.clone(), request.input.clone(), None, 0, false, vars);
    exec.ready.clear();
    let Some(mut t) = exec.take_thread(tid) else {
        return Err(Error::Validation("The state could not be started.".into()));
    };
    t.state = id;
    t.retry_count = request.retrier_retry_count;
    let mut step = Step::default();
    exec.enter(&mut t, &mut step);
    let mut outcome = exec.attempt(&mut t, tid, &mut step);
    if let Outcome::Blocked = outcome {
        outcome = answer(&mut exec, &mut t, request.mock, &mut step);
    }
    let mut report = match outcome {
        Outcome::Next(next, output) => success(output, Some(machine.states[next].name.clone())),
        Outcome::End(output) => success(output, None),
        Outcome::Failed(fault) => failure(&mut exec, &mut t, tid, fault, request.retrier_retry_count, &mut step),
        Outcome::Blocked => Report {
            status: TestStatus::Failed,
            output: None,
            error: Some(errors::RUNTIME.into()),
            cause: Some("The state did not finish.".into()),
            next_state: None,
            inspection: Inspection::default(),
        },
    };
    let mut inspection = exec.inspect.take().and_then(|m| m.into_inner().ok()).unwrap_or_default();
    inspection.input = Some(request.input);
    shape_for_state(&mut inspection, state);
    if !t.vars.own().is_empty() {
        inspection.variables = Some(Value::Object(t.vars.own().clone()));
    }
    inspection.error_details = report.inspection.error_details.take();
    report.inspection = inspection;
    Ok(report)
}

/// The state named `name` (else `StartAt`) and the machine it is in, searched in the top
/// level, then in branches and Map processors.
pub fn locate(definition: &StateMachine, name: Option<&str>) -> Result<(Arc<Machine>, StateId), Error> {
    let machine = &definition.machine;
    let Some(name) = name else { return Ok((machine.clone(), machine.start_at)) };
    search(machine, name).ok_or_else(|| {
        Error::Validation(format!("State with name '{name}' was not found in the state machine definition."))
    })
}

fn search(machine: &Arc<Machine>, name: &str) -> Option<(Arc<Machine>, StateId)> {
    if let Some(id) = machine.find(name) {
        return Some((machine.clone(), id));
    }
    machine.states.iter().find_map(|state| match &state.kind {
        Kind::Parallel(p) => p.branches.iter().find_map(|b| search(b, name)),
        Kind::Map(m) => search(&m.processor, name),
        _ => None,
    })
}

/// AWS's rules on which states take a mock and which need one.
fn check_mock(kind: &Kind, mock: Option<&Mock>) -> Result<(), Error> {
    let type_name = match kind {
        Kind::Pass(_) => "Pass",
        Kind::Choice(_) => "Choice",
        Kind::Wait(_) => "Wait",
        Kind::Succeed => "Succeed",
        Kind::Fail(_) => "Fail",
        Kind::Task(_) => return Ok(()),
        Kind::Parallel(_) | Kind::Map(_) => {
            return match mock {
                None => Err(Error::InvalidDefinition(
                    "TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]".into(),
                )),
                Some(Mock::Result(value)) => check_fork_result(kind, value),
                Some(Mock::Error { .. }) => Ok(()),
            }
        }
    };
    match mock {
        Some(_) => {
            Err(Error::Validation(format!("State type '{type_name}' is not supported when a mock is specified")))
        }
        None => Ok(()),
    }
}

fn check_fork_result(kind: &Kind, value: &Value) -> Result<(), Error> {
    let Value::Array(items) = value else {
        return Err(Error::Validation("Mocked result must be an array.".into()));
    };
    if let Kind::Parallel(p) = kind {
        if items.len() != p.branches.len() {
            return Err(Error::Validation(
                "Mocked result must contain the same number of items as number of Parallel branches.".into(),
            ));
        }
    }
    Ok(())
}

/// Answers what the blocked state waits for: the task, the timer or the children.
fn answer(exec: &mut Execution, t: &mut Thread, mock: Option<Mock>, step: &mut Step) -> Outcome {
    let fault = |error: String, cause: String| Fault { error: Some(error), cause: Some(cause) };
    match std::mem::replace(&mut t.wait, Wait::None) {
        Wait::Task(_) => {
            let result = match mock {
                Some(Mock::Result(value)) => Ok(value),
                Some(Mock::Error { error, cause }) => Err(fault(error, cause)),
                None => {
                    let resource = match &t.machine.states[t.state].kind {
                        Kind::Task(task) => task.resource.clone(),
                        _ => String::new(),
                    };
                    let cause = format!(
                        "Stepstone does not call '{resource}' in TestState: give the state a mock result or errorOutput."
                    );
                    Err(fault(UNMOCKED_TASK_ERROR.into(), cause))
                }
            };
            exec.task_done(t, result, step)
        }
        Wait::Timer(_) => exec.timer_done(t, step),
        Wait::Join(_) => match mock {
            Some(Mock::Result(Value::Array(items))) => exec.join_done(t, Ok(items), step),
            Some(Mock::Error { error, cause }) => Outcome::Failed(fault(error, cause)),
            // `check_mock` let nothing else through.
            _ => Outcome::Blocked,
        },
        Wait::None | Wait::Backoff(_) | Wait::Parked => Outcome::Blocked,
    }
}

fn success(output: Value, next_state: Option<String>) -> Report {
    Report {
        status: TestStatus::Succeeded,
        output: Some(output),
        error: None,
        cause: None,
        next_state,
        inspection: Inspection::default(),
    }
}

/// Retry (would the state be retried?), then Catch (through the interpreter's own
/// catch), then failure.
fn failure(exec: &mut Execution, t: &mut Thread, tid: usize, fault: Fault, retries: u32, step: &mut Step) -> Report {
    let machine = t.machine.clone();
    let (retriers, catchers) = match &machine.states[t.state].kind {
        Kind::Task(task) => (&task.retry[..], &task.catch[..]),
        Kind::Parallel(p) => (&p.retry[..], &p.catch[..]),
        Kind::Map(m) => (&m.retry[..], &m.catch[..]),
        _ => (&[][..], &[][..]),
    };
    let error = fault.error.clone().unwrap_or_default();
    let mut report = Report {
        status: TestStatus::Failed,
        output: None,
        error: fault.error.clone(),
        cause: fault.cause.clone(),
        next_state: None,
        inspection: Inspection::default(),
    };
    if let Some(index) = retry::retrier_for(retriers, &error) {
        let mut attempts = vec![0; retriers.len()];
        attempts[index] = retries;
        if let Decision::RetryAfter(millis) = retry::decide(retriers, &mut attempts, &error, &exec.rng) {
            report.status = TestStatus::Retriable;
            report.inspection.error_details = Some(ErrorDetails {
                retry_index: Some(index),
                retry_backoff_interval_seconds: Some(((millis + 500) / 1000) as u64),
                ..Default::default()
            });
            return report;
        }
    }
    let Some(catch_index) = catchers.iter().position(|c| errors::matches(&c.error_equals, &error)) else {
        return report;
    };
    // Every retrier is spent, so the interpreter goes straight to its catchers.
    t.attempts = retriers.iter().map(|r| r.max_attempts.min(u64::from(u32::MAX)) as u32).collect();
    match exec.handle_failure(t, tid, fault, step) {
        Outcome::Next(next, output) => {
            report.status = TestStatus::CaughtError;
            report.output = Some(output);
            report.next_state = Some(machine.states[next].name.clone());
            report.inspection.error_details =
                Some(ErrorDetails { catch_index: Some(catch_index), ..Default::default() });
        }
        // The catcher's own data flow failed.
        Outcome::Failed(fault) => {
            report.error = fault.error;
            report.cause = fault.cause;
        }
        _ => {}
    }
    report
}

/// What AWS shows for each state type: a Pass with `Result` has a result but no
/// parameters; Fail, which has no `InputPath`, still shows its input after it.
fn shape_for_state(inspection: &mut Inspection, state: &asl::State) {
    match &state.kind {
        Kind::Pass(pass) if pass.result.is_some() => {
            inspection.after_input_path = None;
            inspection.after_parameters = None;
        }
        Kind::Fail(_) if state.jsonata.is_none() => {
            inspection.after_input_path = inspection.input.clone();
        }
        _ => {}
    }
}

/// A single state's definition as a state machine that runs it: the state is named
/// [`SINGLE_STATE_NAME`], and every state it can go to is a `Succeed` placeholder.
pub fn single_state_definition(state: &serde_json::Value) -> serde_json::Value {
    use serde_json::{json, Value as Json};
    let mut states = serde_json::Map::new();
    states.insert(SINGLE_STATE_NAME.into(), state.clone());
    let mut targets: Vec<&Json> = vec![&state["Next"], &state["Default"]];
    for list in ["Choices", "Catch"] {
        if let Some(items) = state[list].as_array() {
            targets.extend(items.iter().map(|item| &item["Next"]));
        }
    }
    for target in targets {
        if let Some(name) = target.as_str() {
            if !states.contains_key(name) {
                states.insert(name.to_string(), json!({"Type": "Succeed"}));
            }
        }
    }
    json!({"StartAt": SINGLE_STATE_NAME, "States": states})
}
