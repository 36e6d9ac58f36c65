//! What each state type does when it runs, and what follows a failure (Retry, Catch).

mod fork;
mod jsonata;
mod simple;
pub(crate) mod task;

use crate::dataflow;
use crate::errors;
use crate::event::{Command, Step};
use crate::execution::{Execution, Outcome};
use crate::history::Details;
use crate::retry::{self, Decision};
use crate::thread::{Fault, Thread, Wait};
use crate::variables::Frame;
use asl::{Assign, Kind, PathField, State, Transition};
use expr::{Failure, Scope, Template};
use expr::{Map, Value};

impl Execution {
    /// Runs the thread's current state (after it was entered, or again after a retry delay).
    pub(crate) fn attempt(&mut self, t: &mut Thread, tid: usize, step: &mut Step) -> Outcome {
        let machine = t.machine.clone();
        let state = &machine.states[t.state];
        match &state.kind {
            Kind::Pass(pass) => self.pass(t, state, pass, step),
            Kind::Choice(choice) => self.choice(t, state, choice, step),
            Kind::Wait(wait) => self.wait(t, tid, state, wait, step),
            Kind::Succeed => self.succeed(t, state, step),
            Kind::Fail(fail) => self.fail(t, state, fail, step),
            Kind::Task(task) => self.task(t, tid, state, task, step),
            Kind::Parallel(parallel) => self.parallel(t, tid, state, parallel, step),
            Kind::Map(map) => self.map(t, tid, state, map, step),
        }
    }

    /// Evaluates `f` with the state's effective input (its input after `InputPath`) as `$`.
    /// A failure comes back as the outcome that raises it in the state.
    pub(crate) fn on_effective<R>(
        &self,
        t: &Thread,
        state: &State,
        retry: bool,
        f: impl FnOnce(&Scope) -> Result<R, Failure>,
    ) -> Result<R, Outcome> {
        let result = self.with_scope(t, retry, &t.input, |scope| {
            let effective = dataflow::select(&state.input_path, scope)?;
            self.note(|i| i.after_input_path = Some((*effective).clone()));
            f(&Scope { input: &effective, ..*scope })
        });
        result.map_err(|failure| self.raise(t, failure))
    }

    /// Evaluates `f` with `input` as `$`, the thread's context object as `$$` and its
    /// workflow variables.
    pub(crate) fn with_scope<R>(
        &self,
        t: &Thread,
        retry: bool,
        input: &Value,
        f: impl FnOnce(&Scope) -> Result<R, Failure>,
    ) -> Result<R, Failure> {
        let ctx = self.context(t, retry);
        let make = || ctx.to_value();
        f(&Scope { input, context: &make, rng: &self.rng, variables: &*t.vars })
    }

    /// Evaluates an `Assign` against `input` (the state's result, or its effective input),
    /// with the variables as they were when the state was entered.
    pub(crate) fn assignment(
        &self,
        t: &Thread,
        assign: Option<&Assign>,
        input: &Value,
        retry: bool,
    ) -> Result<Option<Map>, Failure> {
        let Some(assign) = assign else { return Ok(None) };
        let values = match assign {
            Assign::JsonPath(template) => self.with_scope(t, retry, input, |scope| template.eval(scope))?,
            Assign::Jsonata(_) => {
                return Err(Failure::runtime(
                    "The JSONata query language: not supported by this version of Stepstone yet",
                ))
            }
        };
        match values {
            // An empty `Assign` assigns nothing, and the exit event shows no variables.
            Value::Object(map) if !map.is_empty() => Ok(Some(map)),
            _ => Ok(None),
        }
    }

    /// A failure the interpreter raised in the current state: its cause names the state.
    pub(crate) fn raise(&self, t: &Thread, failure: Failure) -> Outcome {
        if failure.error == errors::DATA_LIMIT_EXCEEDED {
            return Outcome::Failed(failure.into());
        }
        let name = &t.machine.states[t.state].name;
        Outcome::Failed(errors::in_state(failure, name, t.entered_event).into())
    }

    /// The end of a state that produced `result`: `ResultSelector`, `ResultPath`,
    /// `OutputPath`, the exit event and the transition.
    pub(crate) fn complete(&mut self, t: &mut Thread, result: Value, io: Io<'_>, step: &mut Step) -> Outcome {
        let name = &t.machine.states[t.state].name;
        let result = match io.result_selector {
            None => result,
            Some(selector) => match self.with_scope(t, io.retry, &result, |scope| selector.eval(scope)) {
                Ok(v) => v,
                Err(f) => return self.raise(t, f),
            },
        };
        if let Err(f) = dataflow::check_size(&result, name) {
            return self.raise(t, f);
        }
        self.note(|i| i.after_result_selector = Some(result.clone()));
        let assigned = match self.assignment(t, io.assign, &result, io.retry) {
            Ok(a) => a,
            Err(f) => return self.raise(t, f),
        };
        let input = std::mem::take(&mut t.input);
        let merged = match dataflow::merge(io.result_path, input, result) {
            Ok(v) => v,
            Err(f) => return self.raise(t, f),
        };
        self.note(|i| i.after_result_path = Some(merged.clone()));
        let exit = Exit { output_path: io.output_path, transition: io.transition, retry: io.retry, assigned };
        self.leave(t, merged, exit, step)
    }

    /// `OutputPath`, the assignment of variables, the exit event and the transition.
    pub(crate) fn leave(&mut self, t: &mut Thread, value: Value, exit: Exit<'_>, step: &mut Step) -> Outcome {
        let output = match exit.output_path {
            PathField::Default => value,
            path => match self
                .with_scope(t, exit.retry, &value, |scope| dataflow::select(path, scope).map(|v| v.into_owned()))
            {
                Ok(v) => v,
                Err(f) => return self.raise(t, f),
            },
        };
        if let Some(assigned) = &exit.assigned {
            if let Err(f) = Frame::assign(&mut t.vars, assigned) {
                return self.raise(t, f);
            }
        }
        self.exit(t, &output, exit.assigned, step);
        match exit.transition {
            Transition::Next(next) => Outcome::Next(next, output),
            Transition::End => Outcome::End(output),
        }
    }

    /// Retry, then Catch, then give up: what follows a failed state.
    pub(crate) fn handle_failure(&mut self, t: &mut Thread, tid: usize, fault: Fault, step: &mut Step) -> Outcome {
        let machine = t.machine.clone();
        let state = &machine.states[t.state];
        let (retriers, catchers, failed_event) = match &state.kind {
            Kind::Task(task) => (&task.retry[..], &task.catch[..], None),
            Kind::Parallel(p) => (&p.retry[..], &p.catch[..], Some(Details::ParallelStateFailed)),
            Kind::Map(m) => (&m.retry[..], &m.catch[..], Some(Details::MapStateFailed)),
            _ => return Outcome::Failed(fault),
        };
        // A Parallel or Map that failed before it started writes no `...StateFailed`.
        let failed_event = failed_event.filter(|_| t.started);
        let error = fault.error.as_deref().unwrap_or("");
        if let Decision::RetryAfter(delay) = retry::decide(retriers, &mut t.attempts, error, &self.rng) {
            // The retry starts the children afresh: those kept for a redrive go.
            self.release_join(t);
            t.retry_count += 1;
            let timer = self.handle();
            self.timers.insert(timer, tid);
            t.wait = Wait::Backoff(timer);
            step.commands.push(Command::StartTimer { timer, fire_at: self.now + delay });
            return Outcome::Blocked;
        }
        if let Some(details) = failed_event {
            self.emit(step, &mut t.last_event, details);
        }
        let Some(catcher) = catchers.iter().find(|c| errors::matches(&c.error_equals, error)) else {
            return Outcome::Failed(fault);
        };
        self.release_join(t);
        let mut error_output = Map::new();
        // AWS gives an empty string for a missing part (a task timeout has no cause).
        error_output.insert("Error", Value::from(fault.error.unwrap_or_default()));
        error_output.insert("Cause", Value::from(fault.cause.unwrap_or_default()));
        let error_output = Value::Object(error_output);
        if state.jsonata.is_some() {
            let default = if catcher.output.is_none() { error_output.clone() } else { Value::Null };
            let leave = jsonata::Leave {
                output: catcher.output.as_ref(),
                assign: catcher.assign.as_ref(),
                default,
                transition: Transition::Next(catcher.next),
            };
            let reads = jsonata::Reads { error_output: Some(&error_output), retry: true, ..Default::default() };
            return self.jsonata_leave(t, leave, reads, step);
        }
        // Only the catcher's Assign runs, against the error output.
        let assigned = match self.assignment(t, catcher.assign.as_ref(), &error_output, true) {
            Ok(a) => a,
            Err(f) => return self.raise(t, f),
        };
        let input = std::mem::take(&mut t.input);
        let output = match dataflow::merge(&catcher.result_path, input, error_output) {
            Ok(v) => v,
            Err(f) => return self.raise(t, f),
        };
        let exit = Exit {
            output_path: &PathField::Default,
            transition: Transition::Next(catcher.next),
            retry: true,
            assigned,
        };
        self.leave(t, output, exit, step)
    }

    /// The timer of a Wait state fired.
    pub(crate) fn timer_done(&mut self, t: &mut Thread, step: &mut Step) -> Outcome {
        let machine = t.machine.clone();
        let state = &machine.states[t.state];
        match &state.kind {
            Kind::Wait(wait) if state.jsonata.is_some() => {
                let output = state.jsonata.as_ref().and_then(|j| j.output.as_ref());
                let default = if output.is_none() { t.input.clone() } else { Value::Null };
                let leave =
                    jsonata::Leave { output, assign: state.assign.as_ref(), default, transition: wait.transition };
                self.jsonata_leave(t, leave, jsonata::Reads::default(), step)
            }
            Kind::Wait(wait) => {
                let effective = self.on_effective(t, state, false, |scope| Ok(scope.input.clone()));
                let value = match effective {
                    Ok(v) => v,
                    Err(outcome) => return outcome,
                };
                let assigned = match self.assignment(t, state.assign.as_ref(), &value, false) {
                    Ok(a) => a,
                    Err(f) => return self.raise(t, f),
                };
                let exit =
                    Exit { output_path: &state.output_path, transition: wait.transition, retry: false, assigned };
                self.leave(t, value, exit, step)
            }
            // Only Wait states start plain timers.
            _ => Outcome::Blocked,
        }
    }
}

/// How a state leaves: `OutputPath`, where it goes, and the variables it assigns.
pub(crate) struct Exit<'a> {
    pub output_path: &'a PathField,
    pub transition: Transition,
    /// Whether `$$.State.RetryCount` exists (states that can retry).
    pub retry: bool,
    pub assigned: Option<Map>,
}

/// The data-flow fields that finish a state with a result.
pub(crate) struct Io<'a> {
    pub result_selector: Option<&'a Template>,
    pub result_path: &'a PathField,
    pub output_path: &'a PathField,
    pub transition: Transition,
    /// Whether `$$.State.RetryCount` exists (states that can retry).
    pub retry: bool,
    /// The state's `Assign`, evaluated against the result.
    pub assign: Option<&'a Assign>,
}
