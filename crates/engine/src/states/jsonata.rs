//! States in JSONata mode: `Arguments`, `Output`, `Assign`, `Items`, `Condition` and the other
//! expression fields, evaluated with `$states`, and `States.QueryEvaluationError` with its
//! `EvaluationFailed` event when one fails.

use super::simple::parse_timestamp;
use crate::context::Context;
use crate::event::Step;
use crate::execution::{Execution, Outcome};
use crate::history::Details;
use crate::thread::Thread;
use crate::variables::Frame;
use asl::{Assign, JsonataFields, State, Transition};
use expr::jsonata::{Env, EvalFailure, Template};
use expr::{Failure, Map, Value, Variables};

const QUERY_EVALUATION_ERROR: &str = "States.QueryEvaluationError";

/// What the expressions of one evaluation can read besides the state input.
#[derive(Default, Clone, Copy)]
pub(crate) struct Reads<'a> {
    /// `$states.result`.
    pub result: Option<&'a Value>,
    /// `$states.errorOutput`.
    pub error_output: Option<&'a Value>,
    /// `$states.context.Map.Item`.
    pub map_item: Option<(usize, &'a Value)>,
    /// `$states.context.State.RetryCount` exists.
    pub retry: bool,
}

/// How a JSONata state leaves.
pub(crate) struct Leave<'a> {
    pub output: Option<&'a Template>,
    pub assign: Option<&'a Assign>,
    /// The output when there is no `Output`.
    pub default: Value,
    pub transition: Transition,
}

impl Execution {
    /// Evaluates `f` with the JSONata environment of the thread's current state.
    pub(crate) fn with_env<R>(&self, t: &Thread, reads: Reads<'_>, f: impl FnOnce(&Env) -> R) -> R {
        let ctx = Context { map_item: reads.map_item, ..self.context(t, reads.retry) };
        let make = || ctx.to_value();
        let variable = |name: &str| t.vars.get(name).cloned();
        let env = Env {
            input: &t.input,
            result: reads.result,
            error_output: reads.error_output,
            context: &make,
            variable: &variable,
            rng: &self.rng,
            now: self.now,
        };
        f(&env)
    }

    /// Evaluates an optional template (None when absent).
    pub(crate) fn eval_field(
        &self,
        t: &Thread,
        template: Option<&Template>,
        reads: Reads<'_>,
    ) -> Result<Option<Value>, EvalFailure> {
        match template {
            None => Ok(None),
            Some(template) => self.with_env(t, reads, |env| template.eval(env)).map(Some),
        }
    }

    /// A JSONata evaluation failed: `EvaluationFailed`, then the state fails with
    /// `States.QueryEvaluationError`.
    pub(crate) fn raise_eval(&mut self, t: &mut Thread, failure: EvalFailure, step: &mut Step) -> Outcome {
        let outcome = self.raise(t, failure.failure);
        if let Outcome::Failed(fault) = &outcome {
            let name = t.machine.states[t.state].name.clone();
            let details = Details::EvaluationFailed {
                error: fault.error.clone(),
                cause: fault.cause.clone(),
                location: (!failure.location.is_empty()).then_some(failure.location),
                state: name,
            };
            // AWS chains a failure while entering the state (before any other event of it)
            // to the event before the entry; a Wait evaluates after it has entered.
            let entering =
                t.last_event == t.entered_event && !matches!(t.machine.states[t.state].kind, asl::Kind::Wait(_));
            let mut last = if entering { t.entered_previous } else { t.last_event };
            self.emit(step, &mut last, details);
            t.last_event = last;
        }
        outcome
    }

    /// The state's `Output` (or its default) and `Assign`, both against the variables as
    /// they were when the state was entered; then the exit event and the transition.
    pub(crate) fn jsonata_leave(
        &mut self,
        t: &mut Thread,
        leave: Leave<'_>,
        reads: Reads<'_>,
        step: &mut Step,
    ) -> Outcome {
        let output = match self.eval_field(t, leave.output, reads) {
            Ok(Some(v)) => v,
            Ok(None) => leave.default,
            Err(e) => return self.raise_eval(t, e, step),
        };
        let assigned = match self.jsonata_assignment(t, leave.assign, reads) {
            Ok(a) => a,
            Err(e) => return self.raise_eval(t, e, step),
        };
        if let Err(f) = crate::dataflow::check_size(&output, &t.machine.states[t.state].name) {
            return self.raise(t, f);
        }
        if let Some(assigned) = &assigned {
            if let Err(f) = Frame::assign(&mut t.vars, assigned) {
                return self.raise(t, f);
            }
        }
        self.exit(t, &output, assigned, step);
        match leave.transition {
            Transition::Next(next) => Outcome::Next(next, output),
            Transition::End => Outcome::End(output),
        }
    }

    fn jsonata_assignment(
        &self,
        t: &Thread,
        assign: Option<&Assign>,
        reads: Reads<'_>,
    ) -> Result<Option<Map>, EvalFailure> {
        let template = match assign {
            None => return Ok(None),
            Some(Assign::Jsonata(template)) => template,
            // A JSONPath Assign cannot appear in a JSONata state (the validator refuses it).
            Some(Assign::JsonPath(_)) => return Ok(None),
        };
        match self.eval_field(t, Some(template), reads)? {
            Some(Value::Object(map)) if !map.is_empty() => Ok(Some(map)),
            _ => Ok(None),
        }
    }

    /// A JSONata number field (`Seconds`, `TimeoutSeconds`, `MaxConcurrency`): a whole
    /// number, at least `min`.
    pub(crate) fn jsonata_count(
        &self,
        t: &Thread,
        template: Option<&Template>,
        field: &str,
        min: u64,
        reads: Reads<'_>,
    ) -> Result<Option<u64>, EvalFailure> {
        let Some(template) = template else { return Ok(None) };
        let value = self.with_env(t, reads, |env| template.eval(env))?;
        match value.as_u64() {
            Some(n) if n >= min => Ok(Some(n)),
            _ => Err(EvalFailure {
                failure: Failure::new(
                    QUERY_EVALUATION_ERROR,
                    format!("The {field} field must be a whole number of at least {min}, but was: {value}"),
                ),
                location: field.to_owned(),
            }),
        }
    }

    /// A JSONata `Timestamp`: an ISO-8601 text, as epoch milliseconds.
    pub(crate) fn jsonata_timestamp(&self, t: &Thread, template: &Template) -> Result<i64, EvalFailure> {
        let value = self.with_env(t, Reads::default(), |env| template.eval(env))?;
        let text = match &value {
            Value::String(s) => s.to_string(),
            other => other.to_string(),
        };
        value.as_str().and_then(parse_timestamp).ok_or_else(|| EvalFailure {
            failure: Failure::new(
                QUERY_EVALUATION_ERROR,
                format!("The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {text}"),
            ),
            location: "Timestamp".to_owned(),
        })
    }

    /// A JSONata Choice rule's `Condition`.
    pub(crate) fn jsonata_condition(&self, t: &Thread, condition: &Template) -> Result<bool, EvalFailure> {
        let value = self.with_env(t, Reads::default(), |env| condition.eval(env))?;
        match value {
            Value::Bool(b) => Ok(b),
            other => Err(condition.unexpected_type("Condition", "boolean", &other)),
        }
    }

    /// A JSONata Fail state's `Error` or `Cause`.
    pub(crate) fn jsonata_text(&self, t: &Thread, template: Option<&Template>) -> Result<Option<String>, EvalFailure> {
        Ok(self.eval_field(t, template, Reads::default())?.map(|v| match v {
            Value::String(s) => s.to_string(),
            other => other.to_string(),
        }))
    }
}

/// The JSONata fields of a state (every JSONata state has them, maybe all empty).
pub(crate) fn fields(state: &State) -> Option<&JsonataFields> {
    state.jsonata.as_ref()
}
