//! What each state type does when it runs, and what follows a failure (Retry, Catch).

mod fork;
mod simple;
mod task;

use crate::dataflow;
use crate::errors;
use crate::event::{Command, Step};
use crate::execution::{Execution, Outcome};
use crate::history::Details;
use crate::retry::{self, Decision};
use crate::thread::{Fault, Thread, Wait};
use asl::{Kind, PathField, State, Transition};
use expr::{Failure, Scope, Template};
use expr::{Map, Value};

impl Execution {
    /// Runs the thread's current state (after it was entered, or again after a retry delay).
    pub(crate) fn attempt(&mut self, t: &mut Thread, tid: usize, step: &mut Step) -> Outcome {
        let machine = t.machine.clone();
        let state = &machine.states[t.state];
        if let Some(feature) = unsupported(state) {
            let cause = format!("{feature}: not supported by this version of Stepstone yet");
            return self.raise(t, Failure::runtime(cause));
        }
        match &state.kind {
            Kind::Pass(pass) => self.pass(t, state, pass, step),
            Kind::Choice(choice) => self.choice(t, state, choice, step),
            Kind::Wait(wait) => self.wait(t, tid, state, wait, step),
            Kind::Succeed => self.succeed(t, state, step),
            Kind::Fail(fail) => self.fail(t, fail),
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
        let ctx = self.context(t, retry);
        let make = || ctx.to_value();
        let scope = Scope { input: &t.input, context: &make, rng: &self.rng };
        let result = dataflow::select(&state.input_path, &scope)
            .and_then(|effective| f(&Scope { input: &effective, context: &make, rng: &self.rng }));
        result.map_err(|failure| self.raise(t, failure))
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
            Some(selector) => {
                let ctx = self.context(t, io.retry);
                let make = || ctx.to_value();
                let scope = Scope { input: &result, context: &make, rng: &self.rng };
                match selector.eval(&scope) {
                    Ok(v) => v,
                    Err(f) => return self.raise(t, f),
                }
            }
        };
        if let Err(f) = dataflow::check_size(&result, name) {
            return self.raise(t, f);
        }
        let input = std::mem::take(&mut t.input);
        let merged = match dataflow::merge(io.result_path, input, result) {
            Ok(v) => v,
            Err(f) => return self.raise(t, f),
        };
        self.leave(t, merged, io.output_path, io.transition, io.retry, step)
    }

    /// `OutputPath`, the exit event and the transition.
    pub(crate) fn leave(
        &mut self,
        t: &mut Thread,
        value: Value,
        output_path: &PathField,
        transition: Transition,
        retry: bool,
        step: &mut Step,
    ) -> Outcome {
        let output = {
            let ctx = self.context(t, retry);
            let make = || ctx.to_value();
            match dataflow::select_owned(output_path, value, &make, &self.rng) {
                Ok(v) => v,
                Err(f) => return self.raise(t, f),
            }
        };
        self.exit(t, &output, step);
        match transition {
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
        let mut error_output = Map::new();
        // AWS gives an empty string for a missing part (a task timeout has no cause).
        error_output.insert("Error", Value::from(fault.error.unwrap_or_default()));
        error_output.insert("Cause", Value::from(fault.cause.unwrap_or_default()));
        let input = std::mem::take(&mut t.input);
        let output = match dataflow::merge(&catcher.result_path, input, Value::Object(error_output)) {
            Ok(v) => v,
            Err(f) => return self.raise(t, f),
        };
        self.exit(t, &output, step);
        Outcome::Next(catcher.next, output)
    }

    /// The timer of a Wait state fired.
    pub(crate) fn timer_done(&mut self, t: &mut Thread, step: &mut Step) -> Outcome {
        let machine = t.machine.clone();
        let state = &machine.states[t.state];
        match &state.kind {
            Kind::Wait(wait) => {
                let value = match self.on_effective(t, state, false, |scope| Ok(scope.input.clone())) {
                    Ok(v) => v,
                    Err(outcome) => return outcome,
                };
                self.leave(t, value, &state.output_path, wait.transition, false, step)
            }
            // Only Wait states start plain timers.
            _ => Outcome::Blocked,
        }
    }
}

/// A feature of the state that this interpreter does not run yet, rather than run it wrong.
fn unsupported(state: &asl::State) -> Option<&'static str> {
    if state.jsonata.is_some() {
        return Some("The JSONata query language");
    }
    let catchers = match &state.kind {
        Kind::Task(t) => &t.catch[..],
        Kind::Parallel(p) => &p.catch[..],
        Kind::Map(m) => &m.catch[..],
        _ => &[],
    };
    let choice_assigns = match &state.kind {
        Kind::Choice(c) => c.choices.iter().any(|b| b.assign.is_some()),
        _ => false,
    };
    if state.assign.is_some() || choice_assigns || catchers.iter().any(|c| c.assign.is_some()) {
        return Some("Workflow variables (Assign)");
    }
    None
}

/// The data-flow fields that finish a state with a result.
pub(crate) struct Io<'a> {
    pub result_selector: Option<&'a Template>,
    pub result_path: &'a PathField,
    pub output_path: &'a PathField,
    pub transition: Transition,
    /// Whether `$$.State.RetryCount` exists (states that can retry).
    pub retry: bool,
}
