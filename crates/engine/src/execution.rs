//! An execution: its threads, the event loop of `apply`, the end of threads and of the
//! execution, and aborting.

use crate::context::Context;
use crate::event::{Command, Event, Step, TaskId, TimerId};
use crate::history::{Details, HistoryEvent, StateType};
use crate::test_state::Inspection;
use crate::thread::{Child, Fault, Resume, TaskWait, Thread, ThreadId, Wait, NOT_RUNNING};
use crate::variables::Frame;
use asl::{Machine, StateId, StateMachine};
use expr::{Map, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// AWS's hard limit on the events of one execution's history.
pub const MAX_HISTORY_EVENTS: u64 = 25_000;

/// The facts of an execution that do not change: names, ARNs, start time, random seed.
#[derive(Debug, Clone)]
pub struct ExecutionInfo {
    pub execution_arn: String,
    pub name: String,
    pub role_arn: String,
    pub state_machine_arn: String,
    pub state_machine_name: String,
    /// Epoch milliseconds.
    pub start_time: i64,
    /// Seeds `States.UUID`, `States.MathRandom` and retry jitter.
    pub seed: u64,
    /// The random key of this execution's task tokens ([`crate::task_token`]): chosen when
    /// the execution starts and kept with it, never derived from ids.
    pub task_secret: u128,
    /// Keep history events. Without, ids are still counted (causes name them).
    pub record_history: bool,
}

/// Where an execution stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Running,
    Succeeded { output: Value },
    Failed { error: Option<String>, cause: Option<String> },
    TimedOut { error: Option<String>, cause: Option<String> },
    Aborted { error: Option<String>, cause: Option<String> },
}

impl Status {
    /// AWS's `ExecutionStatus`.
    pub fn name(&self) -> &'static str {
        match self {
            Status::Running => "RUNNING",
            Status::Succeeded { .. } => "SUCCEEDED",
            Status::Failed { .. } => "FAILED",
            Status::TimedOut { .. } => "TIMED_OUT",
            Status::Aborted { .. } => "ABORTED",
        }
    }
}

/// One execution of a state machine.
pub struct Execution {
    pub(crate) def: Arc<StateMachine>,
    pub(crate) info: ExecutionInfo,
    /// The execution's input (`$$.Execution.Input`).
    pub(crate) input: Value,
    pub(crate) threads: Vec<Option<Thread>>,
    free: Vec<ThreadId>,
    pub(crate) ready: VecDeque<ThreadId>,
    pub(crate) tasks: HashMap<TaskId, ThreadId>,
    pub(crate) timers: HashMap<TimerId, ThreadId>,
    pub(crate) execution_timer: Option<TimerId>,
    next_handle: u64,
    pub(crate) next_event_id: u64,
    pub(crate) status: Status,
    pub(crate) rng: expr::Rng,
    pub(crate) now: i64,
    /// Events of the thread being run go to a child execution (Distributed Map), not here.
    pub(crate) quiet: bool,
    /// `$$.Execution.RedriveCount`: how often the execution was redriven (none in TestState).
    pub(crate) redrive_count: Option<u32>,
    /// When the execution was last redriven (`$$.Execution.RedriveTime`).
    pub(crate) redrive_time: Option<i64>,
    /// TestState's `context`: fields put over the computed context object.
    pub(crate) context_patch: Option<Value>,
    /// TestState's record of the data flow; `None` in executions.
    pub(crate) inspect: Option<Box<Mutex<Inspection>>>,
    /// A `StopExecution` is aborting the threads.
    stopping: bool,
    /// `$$.Task.Token` while a callback or activity Task state evaluates its request.
    pub(crate) task_token: Option<String>,
}

/// How a step of a thread ended.
pub(crate) enum Outcome {
    /// Waiting for a task, a timer or children.
    Blocked,
    /// Go to this state with this input (the exit event is already written).
    Next(StateId, Value),
    /// The thread ends with this output (the exit event is already written).
    End(Value),
    /// The state failed: Retry and Catch decide what follows.
    Failed(Fault),
}

impl Execution {
    pub fn new(def: Arc<StateMachine>, info: ExecutionInfo) -> Execution {
        let rng = expr::Rng::new(info.seed);
        Execution {
            def,
            info,
            input: Value::Null,
            threads: Vec::new(),
            free: Vec::new(),
            ready: VecDeque::new(),
            tasks: HashMap::new(),
            timers: HashMap::new(),
            execution_timer: None,
            next_handle: 1,
            next_event_id: 1,
            status: Status::Running,
            rng,
            now: 0,
            quiet: false,
            redrive_count: Some(0),
            redrive_time: None,
            context_patch: None,
            inspect: None,
            stopping: false,
            task_token: None,
        }
    }

    pub fn status(&self) -> &Status {
        &self.status
    }

    pub fn info(&self) -> &ExecutionInfo {
        &self.info
    }

    /// Applies one event at time `now` (epoch milliseconds), appending the history events
    /// and commands it causes to `step`.
    pub fn apply(&mut self, event: Event, now: i64, step: &mut Step) {
        self.now = now;
        match event {
            Event::Started { input } => self.start(input, step),
            Event::Redriven => self.redrive(step),
            _ if self.status != Status::Running => {}
            Event::TaskSucceeded { task, output } => {
                if let Some(tid) = self.tasks.remove(&task) {
                    self.task_ended(tid, step);
                    self.resume(tid, Resume::TaskDone(Ok(output)));
                }
            }
            Event::TaskFailed { task, error, cause } => {
                if let Some(tid) = self.tasks.remove(&task) {
                    self.task_ended(tid, step);
                    let fault = Fault { error: Some(error), cause: Some(cause) };
                    self.resume(tid, Resume::TaskDone(Err(fault)));
                }
            }
            Event::TaskScheduleFailed { task, error, cause } => {
                if let Some(tid) = self.tasks.remove(&task) {
                    self.task_ended(tid, step);
                    let fault = Fault { error: Some(error), cause: Some(cause) };
                    if let Some(mut t) = self.take_thread(tid) {
                        self.quiet = t.quiet;
                        self.task_schedule_failed(&mut t, &fault, step);
                        self.quiet = false;
                        self.put_back(tid, t);
                    }
                    self.resume(tid, Resume::TaskFaulted(fault));
                }
            }
            Event::TaskHeartbeat { task } => self.heartbeat(task, step),
            Event::TaskSubmitted { task, output } => {
                let thread = self.tasks.get(&task).copied().and_then(|tid| Some((tid, self.take_thread(tid)?)));
                if let Some((tid, mut t)) = thread {
                    self.task_submitted(&mut t, output, step);
                    self.put_back(tid, t);
                }
            }
            Event::TaskStarted { task, worker } => {
                let thread = self.tasks.get(&task).copied().and_then(|tid| Some((tid, self.take_thread(tid)?)));
                if let Some((tid, mut t)) = thread {
                    self.task_started(&mut t, worker, step);
                    self.put_back(tid, t);
                }
            }
            Event::TimerFired { timer } => self.fire(timer, step),
            Event::TimersFired { timers } => {
                for timer in timers {
                    if self.status != Status::Running {
                        break;
                    }
                    self.fire(timer, step);
                }
            }
            Event::Stopped { error, cause } => {
                let fault = Fault { error, cause };
                self.end_all(
                    step,
                    |f| Details::ExecutionAborted { error: f.error.clone(), cause: f.cause.clone() },
                    fault,
                );
            }
        }
        while self.status == Status::Running {
            if self.next_event_id >= MAX_HISTORY_EVENTS {
                self.history_full(step);
                break;
            }
            let Some(tid) = self.ready.pop_front() else { break };
            self.run(tid, step);
        }
    }

    /// A timer fired: the execution's own bound, or a thread's.
    fn fire(&mut self, timer: TimerId, step: &mut Step) {
        if self.execution_timer == Some(timer) {
            self.execution_timer = None;
            let fault = Fault { error: Some(crate::errors::TIMEOUT.into()), cause: None };
            self.end_all(
                step,
                |f| Details::ExecutionTimedOut { error: f.error.clone(), cause: f.cause.clone() },
                fault,
            );
        } else if let Some(tid) = self.timers.remove(&timer) {
            self.timer_fired(tid, timer, step);
        }
    }

    fn start(&mut self, input: Value, step: &mut Step) {
        if self.next_event_id != 1 {
            return;
        }
        let mut last = 0;
        let role_arn = self.info.role_arn.clone();
        let details = Details::ExecutionStarted { input: self.copy_for_history(&input), role_arn };
        self.emit(step, &mut last, details);
        self.input = input.clone();
        if let Some(seconds) = self.def.timeout_seconds {
            let timer = self.handle();
            self.execution_timer = Some(timer);
            step.commands.push(Command::StartTimer { timer, fire_at: self.now + seconds as i64 * 1000 });
        }
        let machine = self.def.machine.clone();
        // AWS gives the first state's entered event previousEventId 0.
        self.spawn(machine, input, None, 0, false, Arc::default());
    }

    /// The id the next task or timer will get.
    pub(crate) fn peek_handle(&self) -> u64 {
        self.next_handle
    }

    /// The response a waited-for task was submitted with (`Event::TaskSubmitted`), if it
    /// was: after a restart the runtime does not send that request again.
    pub fn task_submission(&self, task: TaskId) -> Option<&Value> {
        let tid = *self.tasks.get(&task)?;
        match &self.threads.get(tid)?.as_ref()?.wait {
            Wait::Task(wait) if wait.task == task => wait.submitted.as_ref(),
            _ => None,
        }
    }

    /// A fresh id for a task or a timer.
    pub(crate) fn handle(&mut self) -> u64 {
        let h = self.next_handle;
        self.next_handle += 1;
        h
    }

    /// Writes a history event after `*last` and makes it the new last.
    pub(crate) fn emit(&mut self, step: &mut Step, last: &mut u64, details: Details) -> u64 {
        let previous = *last;
        let id = self.count_event(last);
        if self.info.record_history && !self.quiet {
            step.history.push(HistoryEvent { id, previous_event_id: previous, timestamp: self.now, details });
        }
        id
    }

    /// Takes the next event id (none while quiet) without writing an event.
    fn count_event(&mut self, last: &mut u64) -> u64 {
        if self.quiet {
            return *last;
        }
        let id = self.next_event_id;
        self.next_event_id += 1;
        *last = id;
        id
    }

    /// A copy of a payload for a history event, or nothing when history is off.
    pub(crate) fn copy_for_history(&self, value: &Value) -> Value {
        if self.info.record_history {
            value.clone()
        } else {
            Value::Null
        }
    }

    /// Starts a thread at `machine`'s start state.
    pub(crate) fn spawn(
        &mut self,
        machine: Arc<Machine>,
        input: Value,
        parent: Option<Child>,
        last_event: u64,
        quiet: bool,
        vars: Arc<Frame>,
    ) -> ThreadId {
        let state = machine.start_at;
        let thread = Thread {
            machine,
            state,
            input,
            parent,
            last_event,
            entered_event: 0,
            entered_previous: 0,
            entered_time: self.now,
            attempts: Vec::new(),
            retry_count: 0,
            wait: Wait::None,
            resume: Resume::Enter,
            started: false,
            quiet,
            vars,
            redrive: None,
        };
        let tid = match self.free.pop() {
            Some(tid) => {
                self.threads[tid] = Some(thread);
                tid
            }
            None => {
                self.threads.push(Some(thread));
                self.threads.len() - 1
            }
        };
        self.ready.push_back(tid);
        tid
    }

    pub(crate) fn take_thread(&mut self, tid: ThreadId) -> Option<Thread> {
        self.threads.get_mut(tid).and_then(Option::take)
    }

    pub(crate) fn put_back(&mut self, tid: ThreadId, t: Thread) {
        self.threads[tid] = Some(t);
    }

    pub(crate) fn thread_mut(&mut self, tid: ThreadId) -> Option<&mut Thread> {
        self.threads.get_mut(tid).and_then(Option::as_mut)
    }

    fn resume(&mut self, tid: ThreadId, resume: Resume) {
        if let Some(t) = self.thread_mut(tid) {
            t.wait = Wait::None;
            t.resume = resume;
            self.ready.push_back(tid);
        }
    }

    /// A timer of a blocked thread fired: a Wait state's, a retry's, or a task's bound.
    /// A task's timeout is written at once (`...TimedOut`); the thread handles the failure
    /// when it runs.
    fn timer_fired(&mut self, tid: ThreadId, timer: TimerId, step: &mut Step) {
        let Some(mut t) = self.take_thread(tid) else { return };
        let resume = match &t.wait {
            Wait::Backoff(_) => Resume::Attempt,
            Wait::Task(wait) => {
                let heartbeat = wait.heartbeat.is_some_and(|(h, _)| h == timer);
                let error = if heartbeat { crate::errors::HEARTBEAT_TIMEOUT } else { crate::errors::TIMEOUT };
                let Wait::Task(wait) = std::mem::replace(&mut t.wait, Wait::None) else { return };
                self.tasks.remove(&wait.task);
                step.commands.push(Command::CancelTask { task: wait.task });
                self.cancel_task_timers(&wait, step);
                let fault = Fault { error: Some(error.to_string()), cause: None };
                self.quiet = t.quiet;
                self.task_timed_out(&mut t, &fault, step);
                self.quiet = false;
                Resume::TaskFaulted(fault)
            }
            _ => Resume::TimerDone,
        };
        self.put_back(tid, t);
        self.resume(tid, resume);
    }

    /// A task sent a heartbeat: its heartbeat clock starts again.
    fn heartbeat(&mut self, task: TaskId, step: &mut Step) {
        let Some(&tid) = self.tasks.get(&task) else { return };
        let now = self.now;
        let next = self.handle();
        let Some(t) = self.thread_mut(tid) else { return };
        let Wait::Task(TaskWait { heartbeat: Some((timer, seconds)), .. }) = &mut t.wait else { return };
        let old = std::mem::replace(timer, next);
        let fire_at = now + *seconds as i64 * 1000;
        self.timers.remove(&old);
        self.timers.insert(next, tid);
        step.commands.push(Command::CancelTimer { timer: old });
        step.commands.push(Command::StartTimer { timer: next, fire_at });
    }

    /// A task finished: its timeout and heartbeat timers are no longer needed.
    fn task_ended(&mut self, tid: ThreadId, step: &mut Step) {
        let Some(t) = self.thread_mut(tid) else { return };
        if let Wait::Task(wait) = std::mem::replace(&mut t.wait, Wait::None) {
            self.cancel_task_timers(&wait, step);
        }
    }

    fn cancel_task_timers(&mut self, wait: &TaskWait, step: &mut Step) {
        let timers = wait.timeout.into_iter().chain(wait.heartbeat.map(|(h, _)| h));
        for timer in timers {
            self.timers.remove(&timer);
            step.commands.push(Command::CancelTimer { timer });
        }
    }

    /// The context object's facts for the thread's current state.
    pub(crate) fn context<'a>(&'a self, t: &'a Thread, retry: bool) -> Context<'a> {
        Context {
            info: &self.info,
            input: &self.input,
            state_name: &t.machine.states[t.state].name,
            entered_time: t.entered_time,
            retry_count: retry.then_some(t.retry_count),
            map_item: None,
            redrive_count: self.redrive_count,
            redrive_time: self.redrive_time,
            patch: self.context_patch.as_ref(),
            task_token: self.task_token.as_deref(),
        }
    }

    /// Records a stage of the data flow when TestState inspects this execution.
    pub(crate) fn note(&self, f: impl FnOnce(&mut Inspection)) {
        if let Some(inspect) = &self.inspect {
            if let Ok(mut inspection) = inspect.lock() {
                f(&mut inspection);
            }
        }
    }

    /// Runs a ready thread until it blocks or ends.
    fn run(&mut self, tid: ThreadId, step: &mut Step) {
        let Some(mut t) = self.threads.get_mut(tid).and_then(Option::take) else { return };
        if matches!(t.wait, Wait::Parked) {
            // Aborted while it was ready: it stays parked for a redrive.
            self.threads[tid] = Some(t);
            return;
        }
        self.quiet = t.quiet;
        loop {
            let outcome = match std::mem::replace(&mut t.resume, Resume::Idle) {
                Resume::Idle => Outcome::Blocked,
                Resume::Enter => {
                    self.enter(&mut t, step);
                    self.attempt(&mut t, tid, step)
                }
                Resume::Attempt => self.attempt(&mut t, tid, step),
                Resume::TaskDone(result) => self.task_done(&mut t, result, step),
                // Its `...TimedOut` event is written when the timer fired.
                Resume::TaskFaulted(fault) => Outcome::Failed(fault),
                Resume::TimerDone => self.timer_done(&mut t, step),
                Resume::JoinDone(result) => self.join_done(&mut t, result, step),
            };
            let outcome = match outcome {
                Outcome::Failed(fault) => self.handle_failure(&mut t, tid, fault, step),
                other => other,
            };
            match outcome {
                Outcome::Blocked => {
                    self.threads[tid] = Some(t);
                    return;
                }
                Outcome::Next(next, input) => {
                    t.started = false;
                    t.state = next;
                    t.input = input;
                    t.attempts.clear();
                    t.retry_count = 0;
                    t.resume = Resume::Enter;
                    if self.next_event_id >= MAX_HISTORY_EVENTS {
                        self.threads[tid] = Some(t);
                        self.history_full(step);
                        return;
                    }
                }
                Outcome::End(output) => {
                    self.free.push(tid);
                    self.finish(tid, t, Ok(output), step);
                    return;
                }
                Outcome::Failed(fault) => {
                    // The thread stays, parked in the state that failed, for a redrive.
                    let (parent, quiet, last) = (t.parent, t.quiet, t.last_event);
                    self.park(tid, t);
                    match parent {
                        None => self.end(last, Err(fault), step),
                        Some(child) => self.child_finished(tid, child, quiet, last, Err(fault), step),
                    }
                    return;
                }
            }
        }
    }

    /// Keeps a thread that failed or was aborted, to run its state again on a redrive
    /// (entering it again only if it had not been entered).
    fn park(&mut self, tid: ThreadId, mut t: Thread) {
        t.wait = Wait::Parked;
        if !matches!(t.resume, Resume::Enter) {
            t.resume = Resume::Attempt;
        }
        self.threads[tid] = Some(t);
    }

    /// Frees a parked thread and the children it parked.
    pub(crate) fn release(&mut self, tid: ThreadId) {
        if let Some(mut t) = self.take_thread(tid) {
            self.free.push(tid);
            self.release_join(&mut t);
        }
    }

    /// Frees the children a failed Parallel or Map kept for a redrive (it is retried or
    /// caught instead).
    pub(crate) fn release_join(&mut self, t: &mut Thread) {
        if let Some(join) = t.redrive.take() {
            for (_, child) in join.parked {
                self.release(child);
            }
        }
    }

    /// Writes the `...StateEntered` event of the thread's current state.
    pub(crate) fn enter(&mut self, t: &mut Thread, step: &mut Step) {
        t.entered_time = self.now;
        t.entered_previous = t.last_event;
        if !self.info.record_history {
            t.entered_event = self.count_event(&mut t.last_event);
            return;
        }
        let state = &t.machine.states[t.state];
        let details = Details::StateEntered {
            state_type: StateType::of(&state.kind),
            name: if self.info.record_history { state.name.clone() } else { String::new() },
            input: self.copy_for_history(&t.input),
        };
        t.entered_event = self.emit(step, &mut t.last_event, details);
    }

    /// Writes the `...StateExited` event of the thread's current state.
    pub(crate) fn exit(&mut self, t: &mut Thread, output: &Value, assigned: Option<Map>, step: &mut Step) {
        if !self.info.record_history {
            self.count_event(&mut t.last_event);
            return;
        }
        let state = &t.machine.states[t.state];
        let details = Details::StateExited {
            state_type: StateType::of(&state.kind),
            name: if self.info.record_history { state.name.clone() } else { String::new() },
            output: self.copy_for_history(output),
            assigned_variables: assigned,
        };
        self.emit(step, &mut t.last_event, details);
    }

    /// A thread ended: the execution ends, or its parent hears of it.
    fn finish(&mut self, tid: ThreadId, t: Thread, result: Result<Value, Fault>, step: &mut Step) {
        let Some(child) = t.parent else {
            self.end(t.last_event, result, step);
            return;
        };
        self.child_finished(tid, child, t.quiet, t.last_event, result, step);
    }

    /// The top-level thread ended.
    fn end(&mut self, mut last: u64, result: Result<Value, Fault>, step: &mut Step) {
        self.quiet = false;
        if let Some(timer) = self.execution_timer.take() {
            step.commands.push(Command::CancelTimer { timer });
        }
        match result {
            Ok(output) => {
                let details = Details::ExecutionSucceeded { output: self.copy_for_history(&output) };
                self.emit(step, &mut last, details);
                self.status = Status::Succeeded { output };
            }
            Err(fault) => {
                let details = Details::ExecutionFailed { error: fault.error.clone(), cause: fault.cause.clone() };
                self.emit(step, &mut last, details);
                self.status = Status::Failed { error: fault.error, cause: fault.cause };
            }
        }
    }

    /// Ends the execution from outside.
    ///
    /// A stop aborts every running state first (their `...StateAborted` events are written,
    /// except for a Wait state's, which AWS does not write), then writes `ExecutionAborted`
    /// after no event (`previousEventId` 0), as AWS records it.
    /// A timeout writes nothing but `ExecutionTimedOut`, after no event (`previousEventId`
    /// 0), and leaves no error or cause on the execution: that is what AWS records.
    fn end_all(&mut self, step: &mut Step, details: impl Fn(&Fault) -> Details, fault: Fault) {
        self.quiet = false;
        let timed_out = matches!(details(&fault), Details::ExecutionTimedOut { .. });
        let mut last = 0;
        if timed_out {
            // The runtime drops whatever still runs; no event tells of it.
            self.quiet = true;
        }
        self.stopping = !timed_out;
        for tid in 0..self.threads.len() {
            let is_root = self.threads[tid].as_ref().is_some_and(|t| t.parent.is_none());
            if is_root {
                self.abort(tid, None, step);
            }
        }
        self.quiet = false;
        self.stopping = false;
        self.emit(step, &mut last, details(&fault));
        self.status = if timed_out {
            Status::TimedOut { error: None, cause: None }
        } else {
            Status::Aborted { error: fault.error, cause: fault.cause }
        };
        self.ready.clear();
    }

    /// The history reached AWS's 25,000 events with the execution still going: event 25,000
    /// is `ExecutionFailed`.
    fn history_full(&mut self, step: &mut Step) {
        self.quiet = true;
        for tid in 0..self.threads.len() {
            if self.threads[tid].as_ref().is_some_and(|t| t.parent.is_none()) {
                self.abort(tid, None, step);
            }
        }
        self.quiet = false;
        if let Some(timer) = self.execution_timer.take() {
            step.commands.push(Command::CancelTimer { timer });
        }
        let mut last = self.next_event_id - 1;
        let fault = Fault {
            error: Some(crate::errors::RUNTIME.to_string()),
            cause: Some(format!("The execution reached the maximum number of history events ({MAX_HISTORY_EVENTS}).")),
        };
        self.emit(step, &mut last, Details::ExecutionFailed { error: fault.error.clone(), cause: fault.cause.clone() });
        self.status = Status::Failed { error: fault.error, cause: fault.cause };
        self.ready.clear();
    }

    /// Stops a thread and everything under it, cancelling its task or timer. `map` names the
    /// Map state when the thread is one of its iterations. The thread is parked for a
    /// redrive.
    pub(crate) fn abort(&mut self, tid: ThreadId, map: Option<&str>, step: &mut Step) {
        let Some(mut t) = self.threads.get_mut(tid).and_then(Option::take) else { return };
        let quiet = self.quiet;
        self.quiet = quiet || t.quiet;
        let blocked = match std::mem::replace(&mut t.wait, Wait::None) {
            // A task that timed out together with the failure that aborts it: its state has
            // not handled the timeout yet, so it is aborted too.
            Wait::None => matches!(t.resume, Resume::TaskFaulted(_)),
            Wait::Task(wait) => {
                self.tasks.remove(&wait.task);
                step.commands.push(Command::CancelTask { task: wait.task });
                self.cancel_task_timers(&wait, step);
                true
            }
            Wait::Timer(timer) | Wait::Backoff(timer) => {
                self.timers.remove(&timer);
                step.commands.push(Command::CancelTimer { timer });
                // A stopped Wait state writes no `WaitStateAborted` (AWS's recorded
                // StopExecution history).
                !(self.stopping && matches!(t.machine.states[t.state].kind, asl::Kind::Wait(_)))
            }
            Wait::Join(mut join) => {
                let state = &t.machine.states[t.state];
                let name = join.is_map.then(|| state.name.clone());
                for index in 0..join.children.len() {
                    let child = std::mem::replace(&mut join.children[index], NOT_RUNNING);
                    if child != NOT_RUNNING {
                        self.abort(child, name.as_deref(), step);
                        join.parked.push((index, child));
                        join.in_flight -= 1;
                    }
                }
                t.redrive = Some(join);
                true
            }
            Wait::Parked => false,
        };
        if blocked {
            let state = &t.machine.states[t.state];
            let details = Details::StateAborted { state_type: StateType::of(&state.kind), name: state.name.clone() };
            self.emit(step, &mut t.last_event, details);
        }
        if let (Some(child), Some(name)) = (t.parent, map) {
            let details = Details::MapIterationAborted { name: name.to_string(), index: child.index };
            self.emit(step, &mut t.last_event, details);
        }
        self.quiet = quiet;
        self.park(tid, t);
    }
}
