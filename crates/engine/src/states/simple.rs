//! The states that finish at once or wait on a timer: Pass, Choice, Wait, Succeed, Fail.

use super::jsonata::{fields, Leave, Reads};
use super::{Exit, Io};
use crate::errors;
use crate::event::{Command, Step};
use crate::execution::{Execution, Outcome};
use crate::thread::{Fault, Thread, Wait};
use asl::{Choice, Fail, Pass, State, Text, Transition, WaitFor};
use expr::Value;
use expr::{Failure, Scope};

impl Execution {
    pub(super) fn pass(&mut self, t: &mut Thread, state: &State, pass: &Pass, step: &mut Step) -> Outcome {
        if let Some(j) = fields(state) {
            let default = if j.output.is_none() { t.input.clone() } else { Value::Null };
            let leave = Leave {
                output: j.output.as_ref(),
                assign: state.assign.as_ref(),
                default,
                transition: pass.transition,
            };
            return self.jsonata_leave(t, leave, Reads::default(), step);
        }
        let result = self.on_effective(t, state, false, |scope| match (&pass.result, &pass.parameters) {
            (Some(result), _) => Ok(result.clone()),
            (None, Some(parameters)) => parameters.eval(scope),
            (None, None) => Ok(scope.input.clone()),
        });
        let result = match result {
            Ok(v) => v,
            Err(outcome) => return outcome,
        };
        // TestState shows a `Result` as the result, anything else as the parameters.
        self.note(|i| match pass.result {
            Some(_) => i.result = Some(result.clone()),
            None => i.after_parameters = Some(result.clone()),
        });
        let io = Io {
            result_selector: None,
            result_path: &pass.result_path,
            output_path: &state.output_path,
            transition: pass.transition,
            retry: false,
            assign: state.assign.as_ref(),
        };
        self.complete(t, result, io, step)
    }

    pub(super) fn choice(&mut self, t: &mut Thread, state: &State, choice: &Choice, step: &mut Step) -> Outcome {
        if let Some(j) = fields(state) {
            return self.jsonata_choice(t, state, j, choice, step);
        }
        // A matching rule assigns its own `Assign`; the state's applies when none matches.
        let chosen = self.on_effective(t, state, false, |scope| {
            for branch in &choice.choices {
                if branch.rule.eval(scope)? {
                    return Ok((scope.input.clone(), branch.next, branch.assign.as_ref()));
                }
            }
            match choice.default {
                Some(next) => Ok((scope.input.clone(), next, state.assign.as_ref())),
                None => Err(Failure::new(errors::NO_CHOICE_MATCHED, "No Matches!")),
            }
        });
        let (effective, next, assign) = match chosen {
            Ok(v) => v,
            Err(outcome) => return outcome,
        };
        let assigned = match self.assignment(t, assign, &effective, false) {
            Ok(a) => a,
            Err(f) => return self.raise(t, f),
        };
        let exit = Exit { output_path: &state.output_path, transition: Transition::Next(next), retry: false, assigned };
        self.leave(t, effective, exit, step)
    }

    pub(super) fn wait(
        &mut self,
        t: &mut Thread,
        tid: usize,
        state: &State,
        wait: &asl::Wait,
        step: &mut Step,
    ) -> Outcome {
        let fire_at = if let Some(j) = fields(state) {
            let at = match (&j.seconds, &j.timestamp) {
                (Some(seconds), _) => self
                    .jsonata_count(t, Some(seconds), "Seconds", 0, Reads::default())
                    .map(|s| self.now.saturating_add((s.unwrap_or(0) as i64).saturating_mul(1000))),
                (None, Some(timestamp)) => self.jsonata_timestamp(t, timestamp),
                (None, None) => Ok(match wait.until {
                    WaitFor::Timestamp(at) => at,
                    WaitFor::Seconds(s) => self.now.saturating_add((s as i64).saturating_mul(1000)),
                    _ => self.now,
                }),
            };
            match at {
                Ok(at) => at,
                Err(e) => return self.raise_eval(t, e, step),
            }
        } else {
            match self.on_effective(t, state, false, |scope| wait_until(&wait.until, scope, self.now)) {
                Ok(at) => at,
                Err(outcome) => return outcome,
            }
        };
        if fire_at <= self.now {
            return self.timer_done(t, step);
        }
        let timer = self.handle();
        self.timers.insert(timer, tid);
        t.wait = Wait::Timer(timer);
        step.commands.push(Command::StartTimer { timer, fire_at });
        Outcome::Blocked
    }

    pub(super) fn succeed(&mut self, t: &mut Thread, state: &State, step: &mut Step) -> Outcome {
        if let Some(j) = fields(state) {
            let default = if j.output.is_none() { t.input.clone() } else { Value::Null };
            let leave = Leave { output: j.output.as_ref(), assign: None, default, transition: Transition::End };
            return self.jsonata_leave(t, leave, Reads::default(), step);
        }
        let effective = match self.on_effective(t, state, false, |scope| Ok(scope.input.clone())) {
            Ok(v) => v,
            Err(outcome) => return outcome,
        };
        let exit = Exit { output_path: &state.output_path, transition: Transition::End, retry: false, assigned: None };
        self.leave(t, effective, exit, step)
    }

    pub(super) fn fail(&mut self, t: &mut Thread, state: &State, fail: &Fail, step: &mut Step) -> Outcome {
        if let Some(j) = fields(state) {
            let texts = self
                .jsonata_text(t, j.error.as_ref())
                .and_then(|error| Ok((error, self.jsonata_text(t, j.cause.as_ref())?)));
            return match texts {
                // A literal Error/Cause is compiled as a JSONata field too.
                Ok((error, cause)) => Outcome::Failed(Fault {
                    error: error.or_else(|| literal(&fail.error)),
                    cause: cause.or_else(|| literal(&fail.cause)),
                }),
                Err(e) => self.raise_eval(t, e, step),
            };
        }
        let ctx = self.context(t, false);
        let make = || ctx.to_value();
        let scope = Scope { input: &t.input, context: &make, rng: &self.rng, variables: &*t.vars };
        let text = |text: &Option<Text>, field: &str| -> Result<Option<String>, Failure> {
            match text {
                None => Ok(None),
                Some(Text::Literal(s)) => Ok(Some(s.clone())),
                Some(Text::Expr(expr)) => match expr.eval(field, &scope)? {
                    Value::String(s) => Ok(Some(s.to_string())),
                    other => Ok(Some(other.to_string())),
                },
            }
        };
        let error = match text(&fail.error, "ErrorPath") {
            Ok(v) => v,
            Err(f) => return self.raise(t, f),
        };
        let cause = match text(&fail.cause, "CausePath") {
            Ok(v) => v,
            Err(f) => return self.raise(t, f),
        };
        Outcome::Failed(Fault { error, cause })
    }
}

fn literal(text: &Option<Text>) -> Option<String> {
    match text {
        Some(Text::Literal(s)) => Some(s.clone()),
        _ => None,
    }
}

impl Execution {
    /// A JSONata Choice: the first rule whose `Condition` holds gives the next state, its
    /// `Output` and `Assign`; without one, `Default` with the state's own.
    fn jsonata_choice(
        &mut self,
        t: &mut Thread,
        state: &State,
        j: &asl::JsonataFields,
        choice: &Choice,
        step: &mut Step,
    ) -> Outcome {
        for branch in &choice.choices {
            let Some(condition) = &branch.condition else { continue };
            match self.jsonata_condition(t, condition) {
                Ok(true) => {
                    let default = if branch.output.is_none() { t.input.clone() } else { Value::Null };
                    let leave = Leave {
                        output: branch.output.as_ref(),
                        assign: branch.assign.as_ref(),
                        default,
                        transition: Transition::Next(branch.next),
                    };
                    return self.jsonata_leave(t, leave, Reads::default(), step);
                }
                Ok(false) => {}
                Err(e) => return self.raise_eval(t, e, step),
            }
        }
        let Some(next) = choice.default else {
            return self.raise(t, Failure::new(errors::NO_CHOICE_MATCHED, "No Matches!"));
        };
        let default = if j.output.is_none() { t.input.clone() } else { Value::Null };
        let leave = Leave {
            output: j.output.as_ref(),
            assign: state.assign.as_ref(),
            default,
            transition: Transition::Next(next),
        };
        self.jsonata_leave(t, leave, Reads::default(), step)
    }
}

/// When a Wait state ends, in epoch milliseconds.
fn wait_until(until: &WaitFor, scope: &Scope, now: i64) -> Result<i64, Failure> {
    match until {
        WaitFor::Seconds(s) => Ok(now.saturating_add((*s as i64).saturating_mul(1000))),
        WaitFor::Timestamp(at) => Ok(*at),
        WaitFor::SecondsPath(path) => {
            let p = path.as_str();
            let Some(value) = path.select(scope) else {
                return Err(Failure::runtime(format!(
                    "The SecondsPath parameter does not reference an input value: {p}"
                )));
            };
            let seconds = match value.as_ref() {
                Value::Number(n) => match n.as_i64() {
                    Some(s) => s,
                    None => {
                        return Err(Failure::runtime(format!(
                            "The SecondsPath parameter cannot be parsed as a long value: {p} == {n}"
                        )))
                    }
                },
                other => {
                    return Err(Failure::runtime(format!(
                        "The SecondsPath parameter cannot be parsed as a long value: {p} == {}",
                        plain(other)
                    )))
                }
            };
            if seconds < 0 {
                return Err(Failure::runtime(format!(
                    "The SecondsPath parameter references a negative value: {p} == {seconds}"
                )));
            }
            Ok(now.saturating_add(seconds.saturating_mul(1000)))
        }
        WaitFor::TimestampPath(path) => {
            let p = path.as_str();
            let Some(value) = path.select(scope) else {
                return Err(Failure::runtime(format!(
                    "The TimestampPath parameter does not reference an input value: {p}"
                )));
            };
            let parsed = value.as_str().and_then(parse_timestamp);
            parsed.ok_or_else(|| {
                Failure::runtime(format!(
                    "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {p} == {}",
                    plain(value.as_ref())
                ))
            })
        }
    }
}

/// A value as AWS prints it in causes: strings bare, the rest as JSON.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.to_string(),
        other => other.to_string(),
    }
}

/// Parses an ISO-8601 extended offset date-time (`2016-03-14T01:59:00Z`,
/// `2016-03-14T01:59:00.123+01:00`) to epoch milliseconds.
pub(crate) fn parse_timestamp(text: &str) -> Option<i64> {
    // RFC 3339 allows a space or a lower-case `t` between date and time; ISO-8601's
    // extended format, which AWS requires, does not.
    if text.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    chrono::DateTime::parse_from_rfc3339(text).ok().map(|t| t.timestamp_millis())
}
