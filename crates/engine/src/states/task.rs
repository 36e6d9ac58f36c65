//! The Task state: hand the effective parameters to the runtime, then shape its result.

use super::jsonata::{fields, Leave, Reads};
use super::Io;
use crate::dataflow;
use crate::event::{Command, Step};
use crate::execution::{Execution, Outcome};
use crate::history::Details;
use crate::thread::{Fault, TaskWait, Thread, Wait};
use asl::{Count, Kind, State, Task};
use expr::Value;
use expr::{Failure, Scope};

impl Execution {
    pub(super) fn task(&mut self, t: &mut Thread, tid: usize, state: &State, task: &Task, step: &mut Step) -> Outcome {
        // The task id is the next handle: nothing below takes one before `self.handle()`, so
        // `$$.Task.Token` is the token the runtime accepts for this task.
        if is_callback(&task.resource) || is_activity(&task.resource) {
            self.task_token = Some(crate::task_token(self.info.task_secret, self.peek_handle()));
        }
        let prepared = self.task_request(t, state, task, step);
        self.task_token = None;
        let (parameters, timeout, heartbeat) = match prepared {
            Ok(v) => v,
            Err(outcome) => return outcome,
        };
        self.task_run(t, tid, state, task, parameters, timeout, heartbeat, step)
    }

    /// The effective request of a Task state (`Parameters` or `Arguments`) and its bounds.
    #[allow(clippy::type_complexity)]
    fn task_request(
        &mut self,
        t: &mut Thread,
        state: &State,
        task: &Task,
        step: &mut Step,
    ) -> Result<(Value, Option<u64>, Option<u64>), Outcome> {
        let prepared = if let Some(j) = fields(state) {
            let reads = Reads { retry: true, ..Default::default() };
            let prepared = self.eval_field(t, j.arguments.as_ref(), reads).and_then(|arguments| {
                let timeout = self.jsonata_count(t, j.timeout_seconds.as_ref(), "TimeoutSeconds", 1, reads)?;
                let heartbeat = self.jsonata_count(t, j.heartbeat_seconds.as_ref(), "HeartbeatSeconds", 1, reads)?;
                let literal = |c: &Option<Count>| match c {
                    Some(Count::Value(n)) => Some(*n),
                    _ => None,
                };
                Ok((
                    arguments.unwrap_or_else(|| t.input.clone()),
                    timeout.or_else(|| literal(&task.timeout)),
                    heartbeat.or_else(|| literal(&task.heartbeat)),
                ))
            });
            match prepared {
                Ok(v) => Ok(v),
                Err(e) => return Err(self.raise_eval(t, e, step)),
            }
        } else {
            self.on_effective(t, state, true, |scope| {
                let parameters = match &task.parameters {
                    Some(template) => template.eval(scope)?,
                    None => scope.input.clone(),
                };
                Ok((parameters, count(task.timeout.as_ref(), scope)?, count(task.heartbeat.as_ref(), scope)?))
            })
        };
        prepared
    }

    /// Schedules the task: its history events, its bounds and the `RunTask` command.
    #[allow(clippy::too_many_arguments)]
    fn task_run(
        &mut self,
        t: &mut Thread,
        tid: usize,
        state: &State,
        task: &Task,
        parameters: Value,
        timeout: Option<u64>,
        heartbeat: Option<u64>,
        step: &mut Step,
    ) -> Outcome {
        self.note(|i| match state.jsonata {
            Some(_) => i.after_arguments = Some(parameters.clone()),
            None => i.after_parameters = Some(parameters.clone()),
        });
        let task_id = self.handle();
        let (scheduled, started) = if is_activity(&task.resource) {
            // An activity starts when a worker takes it (`Event::TaskStarted`).
            let scheduled = Details::ActivityScheduled {
                resource: task.resource.clone(),
                input: self.copy_for_history(&parameters),
                timeout_seconds: timeout,
                heartbeat_seconds: heartbeat,
            };
            (scheduled, None)
        } else if is_lambda_function(&task.resource) {
            let scheduled = Details::LambdaFunctionScheduled {
                resource: task.resource.clone(),
                input: self.copy_for_history(&parameters),
                timeout_seconds: timeout,
            };
            (scheduled, Some(Details::LambdaFunctionStarted))
        } else {
            let (resource_type, resource) = split_resource(&task.resource);
            let scheduled = Details::TaskScheduled {
                resource_type: resource_type.clone(),
                resource: resource.clone(),
                region: region_of(&task.resource, &self.info().state_machine_arn),
                parameters: self.copy_for_history(&parameters),
                timeout_seconds: timeout,
                heartbeat_seconds: heartbeat,
            };
            (scheduled, Some(Details::TaskStarted { resource_type, resource }))
        };
        self.emit(step, &mut t.last_event, scheduled);
        if let Some(started) = started {
            self.emit(step, &mut t.last_event, started);
        }
        self.tasks.insert(task_id, tid);
        let bound = |seconds: u64, step: &mut Step, this: &mut Execution| {
            let timer = this.handle();
            this.timers.insert(timer, tid);
            step.commands.push(Command::StartTimer { timer, fire_at: this.now + seconds as i64 * 1000 });
            timer
        };
        let timeout_timer = timeout.map(|s| bound(s, step, self));
        let heartbeat_timer = heartbeat.map(|s| (bound(s, step, self), s));
        t.wait =
            Wait::Task(TaskWait { task: task_id, timeout: timeout_timer, heartbeat: heartbeat_timer, submitted: None });
        step.commands.push(Command::RunTask {
            task: task_id,
            state: state.name.clone(),
            resource: task.resource.clone(),
            input: parameters,
            timeout_seconds: timeout,
            heartbeat_seconds: heartbeat,
        });
        Outcome::Blocked
    }

    /// The runtime reported the task's result.
    pub(crate) fn task_done(&mut self, t: &mut Thread, result: Result<Value, Fault>, step: &mut Step) -> Outcome {
        let machine = t.machine.clone();
        let state = &machine.states[t.state];
        let Kind::Task(task) = &state.kind else { return Outcome::Blocked };
        let (resource_type, resource) = split_resource(&task.resource);
        // A result over the payload limit fails the task itself (`TaskFailed`), naming the
        // integration (`lambda`) or, for a plain ARN, the resource.
        let result = result.and_then(|output| {
            let source = if task.resource.starts_with("arn:aws:states:::") { &resource_type } else { &task.resource };
            dataflow::check_size(&output, source).map(|()| output).map_err(Fault::from)
        });
        let lambda = is_lambda_function(&task.resource);
        let activity = is_activity(&task.resource);
        match result {
            Ok(output) => {
                self.note(|i| i.result = Some(output.clone()));
                let output_copy = self.copy_for_history(&output);
                let details = if activity {
                    Details::ActivitySucceeded { output: output_copy }
                } else if lambda {
                    Details::LambdaFunctionSucceeded { output: output_copy }
                } else {
                    Details::TaskSucceeded { resource_type, resource, output: output_copy }
                };
                self.emit(step, &mut t.last_event, details);
                if let Some(j) = fields(state) {
                    let default = if j.output.is_none() { output.clone() } else { Value::Null };
                    let leave = Leave {
                        output: j.output.as_ref(),
                        assign: state.assign.as_ref(),
                        default,
                        transition: task.transition,
                    };
                    let reads = Reads { result: Some(&output), retry: true, ..Default::default() };
                    return self.jsonata_leave(t, leave, reads, step);
                }
                let io = Io {
                    result_selector: task.result_selector.as_ref(),
                    result_path: &task.result_path,
                    output_path: &state.output_path,
                    transition: task.transition,
                    retry: true,
                    assign: state.assign.as_ref(),
                };
                self.complete(t, output, io, step)
            }
            Err(fault) => {
                let (error, cause) = (fault.error.clone(), fault.cause.clone());
                let details = if activity {
                    Details::ActivityFailed { error, cause }
                } else if lambda {
                    Details::LambdaFunctionFailed { error, cause }
                } else {
                    Details::TaskFailed { resource_type, resource, error, cause }
                };
                self.emit(step, &mut t.last_event, details);
                Outcome::Failed(fault)
            }
        }
    }
}

impl Execution {
    /// The task could not be scheduled: `ActivityScheduleFailed` for an activity, the
    /// ordinary failure event otherwise; then Retry and Catch.
    pub(crate) fn task_schedule_failed(&mut self, t: &mut Thread, fault: &Fault, step: &mut Step) {
        let machine = t.machine.clone();
        let Kind::Task(task) = &machine.states[t.state].kind else { return };
        let (error, cause) = (fault.error.clone(), fault.cause.clone());
        let details = if is_activity(&task.resource) {
            Details::ActivityScheduleFailed { error, cause }
        } else if is_lambda_function(&task.resource) {
            Details::LambdaFunctionFailed { error, cause }
        } else {
            let (resource_type, resource) = split_resource(&task.resource);
            Details::TaskFailed { resource_type, resource, error, cause }
        };
        self.emit(step, &mut t.last_event, details);
    }

    /// The task ran out of time: `TaskTimedOut`, then Retry and Catch.
    pub(crate) fn task_timed_out(&mut self, t: &mut Thread, fault: &Fault, step: &mut Step) {
        let machine = t.machine.clone();
        let Kind::Task(task) = &machine.states[t.state].kind else { return };
        let (error, cause) = (fault.error.clone(), fault.cause.clone());
        let details = if is_activity(&task.resource) {
            Details::ActivityTimedOut { error, cause }
        } else if is_lambda_function(&task.resource) {
            Details::LambdaFunctionTimedOut { error, cause }
        } else {
            let (resource_type, resource) = split_resource(&task.resource);
            Details::TaskTimedOut { resource_type, resource, error, cause }
        };
        self.emit(step, &mut t.last_event, details);
    }
}

/// Resolves `TimeoutSeconds`/`TimeoutSecondsPath` and the like.
fn count(count: Option<&Count>, scope: &Scope) -> Result<Option<u64>, Failure> {
    match count {
        None => Ok(None),
        Some(Count::Value(n)) => Ok(Some(*n)),
        Some(Count::Path(path)) => match path.select_required(scope) {
            Err(f) => Err(f),
            Ok(v) => match v.as_u64() {
                Some(n) => Ok(Some(n)),
                None => Err(Failure::runtime(format!(
                    "The {} field refers to value \"{}\" which is not a valid integer: {}",
                    "TimeoutSecondsPath",
                    v,
                    path.as_str()
                ))),
            },
        },
    }
}

impl Execution {
    /// The task's request went out: `TaskSubmitted` (for a service integration), and the
    /// task keeps waiting for its result.
    pub(crate) fn task_submitted(&mut self, t: &mut Thread, output: Value, step: &mut Step) {
        let machine = t.machine.clone();
        let Kind::Task(task) = &machine.states[t.state].kind else { return };
        let Wait::Task(wait) = &mut t.wait else { return };
        if wait.submitted.is_some() || is_activity(&task.resource) || is_lambda_function(&task.resource) {
            return;
        }
        wait.submitted = Some(output.clone());
        let (resource_type, resource) = split_resource(&task.resource);
        let output = self.copy_for_history(&output);
        self.emit(step, &mut t.last_event, Details::TaskSubmitted { resource_type, resource, output });
    }

    /// A worker took the task: `ActivityStarted` with its name, for an activity.
    pub(crate) fn task_started(&mut self, t: &mut Thread, worker: String, step: &mut Step) {
        let Kind::Task(task) = &t.machine.states[t.state].kind else { return };
        if is_activity(&task.resource) {
            self.emit(step, &mut t.last_event, Details::ActivityStarted { worker_name: worker });
        }
    }
}

/// An activity ARN (`arn:aws:states:<region>:<account>:activity:<name>`): its tasks wait for
/// a worker to poll (`GetActivityTask`) instead of being run.
pub fn is_activity(resource: &str) -> bool {
    let parts: Vec<&str> = resource.splitn(7, ':').collect();
    matches!(parts.as_slice(), ["arn", _, "states", _, _, "activity", name] if !name.is_empty())
}

/// A callback task (`….waitForTaskToken`): its request carries `$$.Task.Token`, and the task
/// ends when someone calls `SendTaskSuccess` or `SendTaskFailure` with it.
pub fn is_callback(resource: &str) -> bool {
    resource.ends_with(".waitForTaskToken")
}

/// A Lambda function given by its ARN as the `Resource` (AWS writes `LambdaFunction...`
/// events for it, where `arn:aws:states:::lambda:invoke` gets `Task...` events).
fn is_lambda_function(resource: &str) -> bool {
    let parts: Vec<&str> = resource.splitn(7, ':').collect();
    matches!(parts.as_slice(), ["arn", _, "lambda", _, _, "function", _])
}

/// AWS's `resourceType` and `resource` of history events: `arn:aws:states:::lambda:invoke`
/// gives `lambda` and `invoke`; other ARNs give their service and the rest.
fn split_resource(resource: &str) -> (String, String) {
    if let Some(rest) = resource.strip_prefix("arn:aws:states:::") {
        if let Some((service, api)) = rest.split_once(':') {
            return (service.to_string(), api.to_string());
        }
    }
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    match parts.as_slice() {
        [_, _, service, _, _, rest] => (service.to_string(), rest.to_string()),
        _ => (String::new(), resource.to_string()),
    }
}

/// The region a Task's resource names, else (`arn:aws:states:::...` names none) the region
/// the execution runs in, taken from its state machine's ARN.
fn region_of(resource: &str, state_machine_arn: &str) -> String {
    let region = |arn: &str| arn.split(':').nth(3).unwrap_or("").to_string();
    match region(resource) {
        named if !named.is_empty() => named,
        _ => match region(state_machine_arn) {
            own if !own.is_empty() => own,
            _ => "us-east-1".to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::region_of;

    #[test]
    fn the_region_is_the_resources_else_the_executions() {
        let machine = "arn:aws:states:eu-west-1:123456789012:stateMachine:m";
        assert_eq!(region_of("arn:aws:lambda:ap-south-1:123456789012:function:f", machine), "ap-south-1");
        assert_eq!(region_of("arn:aws:states:::http:invoke", machine), "eu-west-1");
        assert_eq!(region_of("arn:aws:states:::lambda:invoke", "not an arn"), "us-east-1");
    }
}
