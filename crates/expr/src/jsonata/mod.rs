//! JSONata expressions as AWS Step Functions runs them: jsonata-core for the language, plus
//! `$states`, workflow variables, AWS's extra functions, and AWS's errors.
//!
//! - [`Expression`]: one `{% ... %}` expression, parsed once.
//! - [`Template`]: a JSON value with expressions at any depth (`Arguments`, `Output`, ...).
//!
//! An expression made only of the common subset in [`fast`] is compiled at parse time and
//! evaluated directly on [`Value`]. Any other expression, and any evaluation the fast path
//! bails out of, runs on jsonata-core: a fresh `Evaluator` (a few small allocations) that
//! binds only the `$states` members and variables the expression reads, and registers only
//! the host functions it calls.

mod analyse;
mod convert;
mod fast;
mod functions;
mod template;

pub use convert::Unsupported;
pub use template::{CompileError, EvalFailure, Template};

use crate::path::ParseError;
use crate::{Rng, Value};
use jsonata_core::ast::AstNode;
use jsonata_core::evaluator::{Context, Evaluator};
use jsonata_core::value::{JMap, JValue};
use std::rc::Rc;
use std::sync::Arc;

/// One JSONata expression (the text between `{%` and `%}`), parsed once.
#[derive(Clone)]
pub struct Expression {
    inner: Arc<Inner>,
}

struct Inner {
    text: Box<str>,
    ast: AstNode,
    facts: analyse::Facts,
    /// `$now()`/`$millis()` appear (rewritten to read the clock variable).
    clock: bool,
    /// The fast path's program, when every node is in its subset.
    fast: Option<fast::Program>,
}

impl std::fmt::Debug for Expression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Expression").field(&self.as_str()).finish()
    }
}

impl PartialEq for Expression {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

/// What an expression can read.
pub struct Env<'a> {
    /// `$states.input`.
    pub input: &'a Value,
    /// `$states.result` (Task/Parallel/Map output, on success).
    pub result: Option<&'a Value>,
    /// `$states.errorOutput` (in a Catcher).
    pub error_output: Option<&'a Value>,
    /// `$states.context`, built only when read.
    pub context: &'a dyn Fn() -> Value,
    /// Workflow variables by name.
    pub variable: &'a dyn Fn(&str) -> Option<Value>,
    /// `$random()`, `$uuid()`.
    pub rng: &'a Rng,
    /// Epoch milliseconds, for `$now()` and `$millis()`.
    pub now: i64,
}

/// Why an evaluation gave no JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    /// The evaluation failed: JSONata's message (`T2001: ...`).
    Failed(String),
    /// The result is a function or a regular expression.
    Unsupported,
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::Failed(message) => f.write_str(message),
            EvalError::Unsupported => f.write_str("unsupported result type"),
        }
    }
}

impl Expression {
    /// Parses the expression text (without the delimiters).
    pub fn parse(text: &str) -> Result<Expression, ParseError> {
        let mut ast = jsonata_core::parser::parse(text).map_err(|e| ParseError::new(e.to_string()))?;
        let facts = analyse::analyse(&ast);
        let clock = functions::rewrite_clock(&mut ast);
        let fast = fast::compile(&ast);
        Ok(Expression { inner: Arc::new(Inner { text: text.into(), ast, facts, clock, fast }) })
    }

    pub fn as_str(&self) -> &str {
        &self.inner.text
    }

    /// The workflow variables it reads (`$name`; not `$states`, functions, or names it binds
    /// itself with `:=` or as lambda parameters).
    pub fn variables(&self) -> &[String] {
        &self.inner.facts.variables
    }

    /// What AWS rejects at validation: `(code, message)`.
    pub(crate) fn unsupported(&self) -> Option<String> {
        let facts = &self.inner.facts;
        if let Some(field) = &facts.top_level_field {
            return Some(format!("Reference to '{field}' at the top level is not supported."));
        }
        if facts.parent_variable {
            return Some("The context reference '$$' is not supported in JSONata expressions.".to_owned());
        }
        None
    }

    /// Whether it reads `$states.errorOutput` (valid only in a Catcher).
    pub fn reads_error_output(&self) -> bool {
        self.inner.facts.states.error_output
    }

    /// Evaluates; `Ok(None)` when the result is undefined.
    pub fn eval(&self, env: &Env) -> Result<Option<Value>, String> {
        self.evaluate(env).map_err(|e| e.to_string())
    }

    /// Evaluates, telling a failure from a result JSON cannot hold.
    pub fn evaluate(&self, env: &Env) -> Result<Option<Value>, EvalError> {
        match self.evaluate_fast(env) {
            Some(result) => Ok(result),
            None => self.evaluate_reference(env),
        }
    }

    /// Whether the expression is in the fast path's subset (for tests and diagnostics).
    #[doc(hidden)]
    pub fn is_fast(&self) -> bool {
        self.inner.fast.is_some()
    }

    /// The fast path's result; `None` when the expression is outside its subset or the
    /// evaluation bailed out (for tests: [`Expression::evaluate`] is what to call).
    #[doc(hidden)]
    pub fn evaluate_fast(&self, env: &Env) -> Option<Option<Value>> {
        self.inner.fast.as_ref()?.eval(env).ok()
    }

    /// Evaluates with jsonata-core, never the fast path (for tests: the reference the fast
    /// path is compared with).
    #[doc(hidden)]
    pub fn evaluate_reference(&self, env: &Env) -> Result<Option<Value>, EvalError> {
        let inner = &*self.inner;
        let facts = &inner.facts;
        let mut context = Context::new();
        if facts.states.any() {
            context.bind("states".to_owned(), states(facts.states, env));
        }
        for name in facts.variables.iter().chain(&facts.shadowing) {
            if let Some(value) = (env.variable)(name) {
                context.bind(name.clone(), convert::to_jvalue(&value));
            }
        }
        if inner.clock {
            context.bind(functions::NOW.to_owned(), JValue::Number(env.now as f64));
        }
        let mut evaluator = Evaluator::with_context(context);
        let draws = Rc::new(functions::Draws::default());
        draws.state.set(env.rng.state());
        if !facts.names.is_empty() {
            functions::register(&mut evaluator, &facts.names, &draws).map_err(|e| EvalError::Failed(e.to_string()))?;
        }
        let result = evaluator.evaluate(&inner.ast, &JValue::Undefined);
        for _ in 0..draws.count.get() {
            env.rng.next_u64();
        }
        match result {
            Ok(value) => convert::from_jvalue(&value).map_err(|_| EvalError::Unsupported),
            Err(e) => Err(EvalError::Failed(e.message().to_owned())),
        }
    }
}

/// `$states`, with the members the expression reads.
fn states(read: analyse::States, env: &Env) -> JValue {
    let mut members: Vec<(String, JValue)> = Vec::with_capacity(4);
    if read.input {
        members.push(("input".to_owned(), convert::to_jvalue(env.input)));
    }
    if let (true, Some(result)) = (read.result, env.result) {
        members.push(("result".to_owned(), convert::to_jvalue(result)));
    }
    if let (true, Some(error)) = (read.error_output, env.error_output) {
        members.push(("errorOutput".to_owned(), convert::to_jvalue(error)));
    }
    if read.context {
        members.push(("context".to_owned(), convert::to_jvalue(&(env.context)())));
    }
    JValue::Object(Rc::new(members.into_iter().collect::<JMap>()))
}
