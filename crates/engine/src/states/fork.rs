//! Parallel and Map: start children, gather their results, and fail when one fails.

use super::jsonata::{fields, Leave, Reads};
use super::Io;
use crate::context::Context;
use crate::errors;
use crate::event::Step;
use crate::execution::{Execution, Outcome};
use crate::history::Details;
use crate::thread::{Child, Fault, Join, Resume, Thread, ThreadId, Wait, NOT_RUNNING};
use crate::variables::Frame;
use asl::{Count, Kind, Map, Parallel, PathField, ProcessorMode, State};
use expr::jsonata::EvalFailure;
use expr::Value;
use expr::{Failure, Scope};
use std::collections::VecDeque;
use std::sync::Arc;

impl Execution {
    pub(super) fn parallel(
        &mut self,
        t: &mut Thread,
        tid: ThreadId,
        state: &State,
        p: &Parallel,
        step: &mut Step,
    ) -> Outcome {
        let input = if let Some(j) = fields(state) {
            let reads = Reads { retry: true, ..Default::default() };
            match self.eval_field(t, j.arguments.as_ref(), reads) {
                Ok(arguments) => arguments.unwrap_or_else(|| t.input.clone()),
                Err(e) => return self.raise_eval(t, e, step),
            }
        } else {
            let input = self.on_effective(t, state, true, |scope| match &p.parameters {
                Some(template) => template.eval(scope),
                None => Ok(scope.input.clone()),
            });
            match input {
                Ok(v) => v,
                Err(outcome) => return outcome,
            }
        };
        self.note(|i| match state.jsonata {
            Some(_) => i.after_arguments = Some(input.clone()),
            None => i.after_parameters = Some(input.clone()),
        });
        self.emit(step, &mut t.last_event, Details::ParallelStateStarted);
        t.started = true;
        let n = p.branches.len();
        let mut join = Join {
            is_map: false,
            results: vec![Value::Null; n],
            children: vec![NOT_RUNNING; n],
            in_flight: n,
            remaining: n,
            pending: VecDeque::new(),
            limit: 0,
            selector_input: Value::Null,
            parked: Vec::new(),
        };
        for (index, branch) in p.branches.iter().enumerate() {
            let vars = Frame::child(&t.vars);
            let child = self.spawn(
                branch.clone(),
                input.clone(),
                Some(Child { parent: tid, index }),
                t.last_event,
                t.quiet,
                vars,
            );
            join.children[index] = child;
        }
        t.wait = Wait::Join(Box::new(join));
        Outcome::Blocked
    }

    pub(super) fn map(&mut self, t: &mut Thread, tid: ThreadId, state: &State, m: &Map, step: &mut Step) -> Outcome {
        let prepared = if let Some(j) = fields(state) {
            match self.jsonata_map_setup(t, j, m) {
                Ok(v) => Ok(v),
                Err(e) => {
                    // AWS records MapStateFailed after the evaluation of Items fails.
                    t.started = true;
                    return self.raise_eval(t, e, step);
                }
            }
        } else {
            self.on_effective(t, state, true, |scope| {
                let items = match &m.items_path {
                    PathField::Default => scope.input.clone(),
                    PathField::Null => Value::object(),
                    PathField::Path(path) => path.select_required(scope)?.into_owned(),
                };
                let Value::Array(items) = items else {
                    return Err(Failure::runtime(format!("Map state input must be an array but was: {items}")));
                };
                let limit = match &m.max_concurrency {
                    None => 0,
                    Some(Count::Value(n)) => *n as usize,
                    Some(Count::Path(path)) => match path.select_required(scope)?.as_ref() {
                        Value::Number(n) if n.as_u64().is_some() => n.as_u64().unwrap_or(0) as usize,
                        other => {
                            let shown = match other {
                                Value::String(s) => s.to_string(),
                                v => v.to_string(),
                            };
                            return Err(Failure::runtime(format!(
                            "The MaxConcurrencyPath field refers to value \"{shown}\" which is not a valid integer: {}",
                            path.as_str()
                        )));
                        }
                    },
                };
                let selector_input = if m.item_selector.is_some() { scope.input.clone() } else { Value::Null };
                Ok((items, limit, selector_input))
            })
        };
        let (items, limit, selector_input) = match prepared {
            Ok(v) => v,
            Err(outcome) => return outcome,
        };
        let length = items.len();
        self.note(|i| i.max_concurrency = Some(limit));
        self.emit(step, &mut t.last_event, Details::MapStateStarted { length });
        t.started = true;
        if m.mode == ProcessorMode::Distributed {
            let map_run_arn = self.map_run_arn(m.label.as_deref().unwrap_or(&state.name));
            self.emit(step, &mut t.last_event, Details::MapRunStarted { map_run_arn });
        }
        if length == 0 {
            return self.join_done(t, Ok(Vec::new()), step);
        }
        let join = Join {
            is_map: true,
            results: vec![Value::Null; length],
            children: vec![NOT_RUNNING; length],
            in_flight: 0,
            remaining: length,
            pending: items.into_iter().enumerate().collect(),
            limit,
            selector_input,
            parked: Vec::new(),
        };
        t.wait = Wait::Join(Box::new(join));
        match self.start_iterations(t, tid, step) {
            Ok(()) => Outcome::Blocked,
            Err(fault) => {
                self.abort_children(t, step);
                Outcome::Failed(fault)
            }
        }
    }

    /// Starts Map iterations while the concurrency limit allows.
    pub(crate) fn start_iterations(&mut self, t: &mut Thread, tid: ThreadId, step: &mut Step) -> Result<(), Fault> {
        let machine = t.machine.clone();
        let state = &machine.states[t.state];
        let Kind::Map(m) = &state.kind else { return Ok(()) };
        loop {
            let (index, item) = {
                let Wait::Join(join) = &mut t.wait else { return Ok(()) };
                if join.limit != 0 && join.in_flight >= join.limit {
                    return Ok(());
                }
                let Some(next) = join.pending.pop_front() else { return Ok(()) };
                next
            };
            let input = match self.item_input(t, state, m, index, item) {
                Ok(input) => input,
                Err(ItemError::Fault(fault)) => return Err(fault),
                // A JSONata ItemSelector failed: its EvaluationFailed event, then the Map fails.
                Err(ItemError::Eval(e)) => match self.raise_eval(t, e, step) {
                    Outcome::Failed(fault) => return Err(fault),
                    _ => return Ok(()),
                },
            };
            let distributed = m.mode == ProcessorMode::Distributed;
            let name = if self.info.record_history { state.name.clone() } else { String::new() };
            self.quiet = t.quiet || distributed;
            self.emit(step, &mut t.last_event, Details::MapIterationStarted { name, index });
            self.quiet = t.quiet;
            let quiet = t.quiet || distributed;
            // A Distributed Map's children are executions of their own: they see no variable.
            let vars = if distributed { Arc::default() } else { Frame::child(&t.vars) };
            let child =
                self.spawn(m.processor.clone(), input, Some(Child { parent: tid, index }), t.last_event, quiet, vars);
            if let Wait::Join(join) = &mut t.wait {
                join.children[index] = child;
                join.in_flight += 1;
            }
        }
    }

    /// Aborts every running child of a Parallel or Map thread. The join is kept, with the
    /// aborted children parked, for a redrive.
    fn abort_children(&mut self, t: &mut Thread, step: &mut Step) {
        if let Wait::Join(mut join) = std::mem::replace(&mut t.wait, Wait::None) {
            let name = join.is_map.then(|| t.machine.states[t.state].name.clone());
            for index in 0..join.children.len() {
                let child = std::mem::replace(&mut join.children[index], NOT_RUNNING);
                if child != NOT_RUNNING {
                    self.abort(child, name.as_deref(), step);
                    join.parked.push((index, child));
                    join.in_flight -= 1;
                }
            }
            self.release_join(t);
            t.redrive = Some(join);
        }
    }

    /// A branch or iteration ended.
    pub(crate) fn child_finished(
        &mut self,
        tid: ThreadId,
        child: Child,
        quiet: bool,
        last: u64,
        result: Result<Value, Fault>,
        step: &mut Step,
    ) {
        let pid = child.parent;
        let Some(mut p) = self.take_thread(pid) else { return };
        let Wait::Join(join) = &mut p.wait else {
            self.put_back(pid, p);
            return;
        };
        debug_assert_eq!(join.children[child.index], tid);
        join.children[child.index] = NOT_RUNNING;
        join.in_flight -= 1;
        let is_map = join.is_map;
        let mut last = last;
        let name =
            if is_map && self.info.record_history { p.machine.states[p.state].name.clone() } else { String::new() };
        match result {
            Ok(output) => {
                if is_map {
                    let details = Details::MapIterationSucceeded { name, index: child.index };
                    self.quiet = quiet;
                    self.emit(step, &mut last, details);
                    self.quiet = p.quiet;
                }
                let Wait::Join(join) = &mut p.wait else {
                    self.put_back(pid, p);
                    return;
                };
                join.results[child.index] = output;
                join.remaining -= 1;
                p.last_event = last;
                if join.remaining == 0 {
                    let results = std::mem::take(&mut join.results);
                    p.wait = Wait::None;
                    p.resume = Resume::JoinDone(Ok(results));
                    self.ready.push_back(pid);
                } else if is_map {
                    if let Err(fault) = self.start_iterations(&mut p, pid, step) {
                        self.abort_children(&mut p, step);
                        p.resume = Resume::JoinDone(Err(fault));
                        self.ready.push_back(pid);
                    }
                }
            }
            Err(fault) => {
                if is_map {
                    let details = Details::MapIterationFailed { name, index: child.index };
                    let mut after = last;
                    self.quiet = quiet;
                    self.emit(step, &mut after, details);
                    self.quiet = p.quiet;
                }
                p.last_event = last;
                if let Wait::Join(join) = &mut p.wait {
                    join.parked.push((child.index, tid));
                }
                self.abort_children(&mut p, step);
                p.resume = Resume::JoinDone(Err(fault));
                self.ready.push_back(pid);
            }
        }
        self.put_back(pid, p);
    }

    /// The children of a Parallel or Map state are all done (or one failed).
    pub(crate) fn join_done(&mut self, t: &mut Thread, result: Result<Vec<Value>, Fault>, step: &mut Step) -> Outcome {
        let machine = t.machine.clone();
        let state = &machine.states[t.state];
        let distributed = matches!(&state.kind, Kind::Map(m) if m.mode == ProcessorMode::Distributed);
        let results = match result {
            Ok(results) => results,
            Err(fault) => {
                if distributed {
                    let details = Details::MapRunFailed { error: fault.error.clone(), cause: fault.cause.clone() };
                    self.emit(step, &mut t.last_event, details);
                }
                return Outcome::Failed(fault);
            }
        };
        let io = match &state.kind {
            Kind::Parallel(p) => Io {
                result_selector: p.result_selector.as_ref(),
                result_path: &p.result_path,
                output_path: &state.output_path,
                transition: p.transition,
                retry: true,
                assign: state.assign.as_ref(),
            },
            Kind::Map(m) => {
                if distributed {
                    self.emit(step, &mut t.last_event, Details::MapRunSucceeded);
                }
                self.emit(step, &mut t.last_event, Details::MapStateSucceeded);
                Io {
                    result_selector: m.result_selector.as_ref(),
                    result_path: &m.result_path,
                    output_path: &state.output_path,
                    transition: m.transition,
                    retry: true,
                    assign: state.assign.as_ref(),
                }
            }
            _ => return Outcome::Blocked,
        };
        let result = Value::Array(results);
        self.note(|i| i.result = Some(result.clone()));
        if let Some(j) = fields(state) {
            let default = if j.output.is_none() { result.clone() } else { Value::Null };
            let leave = Leave { output: j.output.as_ref(), assign: io.assign, default, transition: io.transition };
            let reads = Reads { result: Some(&result), retry: true, ..Default::default() };
            return self.jsonata_leave(t, leave, reads, step);
        }
        self.complete(t, result, io, step)
    }

    /// The ARN of a Distributed Map's run: the state machine's ARN with `mapRun` for
    /// `stateMachine`, the label, and a run id.
    fn map_run_arn(&mut self, label: &str) -> String {
        let id = self.handle();
        let base = self.info.state_machine_arn.replacen(":stateMachine:", ":mapRun:", 1);
        format!("{base}/{label}:{id:08x}-0000-4000-8000-{:012x}", self.rng.next_u64() & 0xffff_ffff_ffff)
    }
}

impl Execution {
    /// An iteration's input: the item, or what `ItemSelector` makes of it.
    fn item_input(&self, t: &Thread, state: &State, m: &Map, index: usize, item: Value) -> Result<Value, ItemError> {
        if let Some(j) = fields(state) {
            let Some(selector) = &j.item_selector else { return Ok(item) };
            let reads = Reads { map_item: Some((index, &item)), retry: true, ..Default::default() };
            return self.with_env(t, reads, |env| selector.eval(env)).map_err(ItemError::Eval);
        }
        let Some(selector) = &m.item_selector else { return Ok(item) };
        let Wait::Join(join) = &t.wait else { return Ok(item) };
        let ctx = Context {
            info: &self.info,
            input: &self.input,
            state_name: &state.name,
            entered_time: t.entered_time,
            retry_count: Some(t.retry_count),
            map_item: Some((index, &item)),
            redrive_count: self.redrive_count,
            redrive_time: self.redrive_time,
            patch: self.context_patch.as_ref(),
            task_token: None,
        };
        let make = || ctx.to_value();
        let scope = Scope { input: &join.selector_input, context: &make, rng: &self.rng, variables: &*t.vars };
        selector.eval(&scope).map_err(|f| ItemError::Fault(errors::in_state(f, &state.name, t.entered_event).into()))
    }

    /// A JSONata Map's items (`Items`, or the input) and concurrency limit.
    fn jsonata_map_setup(
        &self,
        t: &Thread,
        j: &asl::JsonataFields,
        m: &Map,
    ) -> Result<(Vec<Value>, usize, Value), EvalFailure> {
        let reads = Reads { retry: true, ..Default::default() };
        let items = match &j.items {
            Some(template) => match self.eval_field(t, Some(template), reads)? {
                Some(Value::Array(items)) => items,
                other => return Err(template.unexpected_type("Items", "array", &other.unwrap_or_default())),
            },
            None => match &t.input {
                Value::Array(items) => items.clone(),
                other => {
                    return Err(EvalFailure {
                        failure: Failure::new(
                            "States.QueryEvaluationError",
                            format!("Map state input must be an array but was: {other}"),
                        ),
                        location: String::new(),
                    })
                }
            },
        };
        let limit = match self.jsonata_count(t, j.max_concurrency.as_ref(), "MaxConcurrency", 0, reads)? {
            Some(n) => n as usize,
            None => match &m.max_concurrency {
                Some(Count::Value(n)) => *n as usize,
                _ => 0,
            },
        };
        Ok((items, limit, Value::Null))
    }
}

/// Why an iteration's input could not be made.
enum ItemError {
    /// A JSONPath `ItemSelector` failed (the cause already names the state).
    Fault(Fault),
    /// A JSONata `ItemSelector` failed: it gets an `EvaluationFailed` event.
    Eval(EvalFailure),
}
