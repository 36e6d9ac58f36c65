//! The functions AWS adds to JSONata (`$partition`, `$range`, `$hash`, `$random`, `$uuid`,
//! `$parse`), the one it takes away (`$eval`), and deterministic `$now()`/`$millis()`.
//!
//! `$now` and `$millis` are rewritten in the tree at parse time into reads of a bound
//! variable holding the evaluation's clock (`$now(p, tz)` becomes `$fromMillis(t, p, tz)`),
//! so that JSONata's own date formatting applies.

use super::convert;
use crate::Rng;
use jsonata_core::ast::{AstNode, Stage};
use jsonata_core::evaluator::{Evaluator, EvaluatorError};
use jsonata_core::value::JValue;
use sha2::Digest;
use std::cell::Cell;
use std::rc::Rc;

/// The variable `$now()`/`$millis()` read; a name no expression can spell.
pub const NOW: &str = "sfn now";

/// What the impure functions draw from during one evaluation: a copy of the execution's
/// random generator, and how many numbers were drawn (to advance the real one after).
#[derive(Default)]
pub struct Draws {
    pub state: Cell<u64>,
    pub count: Cell<u64>,
}

impl Draws {
    fn next(&self) -> u64 {
        let rng = Rng::new(self.state.get());
        let n = rng.next_u64();
        self.state.set(rng.state());
        self.count.set(self.count.get() + 1);
        n
    }
}

fn error(message: impl Into<String>) -> EvaluatorError {
    EvaluatorError::EvaluationError(message.into())
}

fn signature(index: usize, name: &str) -> EvaluatorError {
    error(format!("T0410: Argument {index} of function \"{name}\" does not match function signature"))
}

/// Registers the functions among `names` (the names an expression uses).
pub fn register(evaluator: &mut Evaluator, names: &[String], draws: &Rc<Draws>) -> Result<(), EvaluatorError> {
    for name in names {
        match name.as_str() {
            "partition" => evaluator.register_fn("partition", partition)?,
            "range" => evaluator.register_fn("range", range)?,
            "hash" => evaluator.register_fn("hash", hash)?,
            "parse" => evaluator.register_fn("parse", parse)?,
            "uuid" => {
                let draws = Rc::clone(draws);
                evaluator.register_fn("uuid", move |args: &[JValue]| {
                    if !args.is_empty() {
                        return Err(signature(1, "uuid"));
                    }
                    let mut bytes = [0u8; 16];
                    bytes[..8].copy_from_slice(&draws.next().to_be_bytes());
                    bytes[8..].copy_from_slice(&draws.next().to_be_bytes());
                    Ok(JValue::from(uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()))
                })?
            }
            "random" => {
                let draws = Rc::clone(draws);
                evaluator.register_fn_override("random", move |args: &[JValue]| random(args, &draws))?
            }
            "eval" => evaluator
                .register_fn_override("eval", |_: &[JValue]| Err(error("T1006: Attempted to invoke a non-function")))?,
            _ => {}
        }
    }
    Ok(())
}

/// `$partition(array, size)`: consecutive chunks of `size` items, the last one shorter.
fn partition(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    if args.len() > 2 {
        return Err(signature(3, "partition"));
    }
    let items: Vec<JValue> = match args.first() {
        None | Some(JValue::Undefined) => return Ok(JValue::Undefined),
        Some(JValue::Array(items)) => items.iter().cloned().collect(),
        Some(other) => vec![other.clone()],
    };
    let size = match args.get(1) {
        Some(JValue::Number(n)) if n.fract() == 0.0 && *n >= 1.0 => *n as usize,
        Some(JValue::Number(_)) => return Err(error("The chunk size argument must be a positive integer")),
        None | Some(JValue::Undefined) => return Ok(JValue::Undefined),
        Some(_) => return Err(signature(2, "partition")),
    };
    Ok(JValue::array(items.chunks(size).map(|chunk| JValue::array(chunk.to_vec())).collect()))
}

/// `$range(start, end, step)`: from start to end inclusive; the bounds and step are truncated
/// to integers. One item collapses to a scalar and none to undefined, as a JSONata sequence does.
fn range(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    if args.len() > 3 {
        return Err(signature(4, "range"));
    }
    let mut bounds = [0i64; 3];
    for (i, arg) in args.iter().enumerate() {
        match arg {
            JValue::Number(n) if n.is_finite() && n.abs() < 9.007_199_254_740_992e15 => bounds[i] = n.trunc() as i64,
            JValue::Undefined => return Ok(JValue::Undefined),
            _ => return Err(signature(i + 1, "range")),
        }
    }
    if args.len() < 3 {
        return Ok(JValue::Undefined);
    }
    let [start, end, step] = bounds;
    if step == 0 || (step > 0 && start > end) || (step < 0 && start < end) {
        return Ok(JValue::Undefined);
    }
    let count = (end - start) / step + 1;
    if count > 10_000_000 {
        return Err(error("D2014: The size of the sequence allocated by the range operator must not exceed 1e7"));
    }
    if count == 1 {
        return Ok(JValue::from(start));
    }
    Ok(JValue::array((0..count).map(|i| JValue::from(start + i * step)).collect()))
}

/// `$hash(value, algorithm)`: the hex digest of the string's UTF-8 bytes.
fn hash(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    if args.len() > 2 {
        return Err(signature(3, "hash"));
    }
    let text = match args.first() {
        None | Some(JValue::Undefined) => return Ok(JValue::Undefined),
        Some(JValue::String(s)) => s.clone(),
        Some(_) => return Err(signature(1, "hash")),
    };
    let algorithm = match args.get(1) {
        Some(JValue::String(s)) => s.clone(),
        None | Some(JValue::Undefined) => return Ok(JValue::Undefined),
        Some(_) => return Err(signature(2, "hash")),
    };
    let bytes = text.as_bytes();
    let digest = match &*algorithm {
        "MD5" => hex(&md5::Md5::digest(bytes)),
        "SHA-1" => hex(&sha1::Sha1::digest(bytes)),
        "SHA-256" => hex(&sha2::Sha256::digest(bytes)),
        "SHA-384" => hex(&sha2::Sha384::digest(bytes)),
        "SHA-512" => hex(&sha2::Sha512::digest(bytes)),
        other => {
            return Err(error(format!(
                "The hash algorithm '{other}' is not supported. Supported algorithms: MD5, SHA-1, SHA-256, SHA-384, SHA-512"
            )))
        }
    };
    Ok(JValue::from(digest))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `$random([seed])`: a number in [0, 1); with a seed, the same number for the same seed.
fn random(args: &[JValue], draws: &Draws) -> Result<JValue, EvaluatorError> {
    let bits = match args {
        [] => draws.next(),
        [JValue::Number(seed)] => Rng::new(seed.to_bits()).next_u64(),
        [JValue::String(seed)] => {
            let digest = sha2::Sha256::digest(seed.as_bytes());
            let mut first = [0u8; 8];
            first.copy_from_slice(&digest[..8]);
            Rng::new(u64::from_be_bytes(first)).next_u64()
        }
        [JValue::Undefined] => draws.next(),
        [_] => return Err(signature(1, "random")),
        _ => return Err(signature(2, "random")),
    };
    Ok(JValue::Number((bits >> 11) as f64 / (1u64 << 53) as f64))
}

/// `$parse(text)`: JSON text to a value.
fn parse(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    if args.len() > 1 {
        return Err(signature(2, "parse"));
    }
    match args.first() {
        None | Some(JValue::Undefined) => Ok(JValue::Undefined),
        Some(JValue::String(text)) => match crate::json::from_str::<crate::Value>(text) {
            Ok(value) => Ok(convert::to_jvalue(&value)),
            Err(e) => Err(error(format!("Unable to parse the JSON string: {e}"))),
        },
        Some(_) => Err(signature(1, "parse")),
    }
}

/// Rewrites `$now(...)` and `$millis()` into reads of [`NOW`]; true if any was found.
pub fn rewrite_clock(node: &mut AstNode) -> bool {
    let mut found = false;
    if let AstNode::Function { name, args, .. } = node {
        if name == "millis" && args.is_empty() {
            *node = AstNode::Variable(NOW.to_owned());
            return true;
        }
        if name == "now" {
            let mut rest = std::mem::take(args);
            rest.iter_mut().for_each(|a| found |= rewrite_clock(a));
            rest.insert(0, AstNode::Variable(NOW.to_owned()));
            *node = AstNode::Function { name: "fromMillis".to_owned(), args: rest, is_builtin: true };
            return true;
        }
    }
    for_each_child(node, &mut |child| found |= rewrite_clock(child));
    found
}

fn for_each_child(node: &mut AstNode, f: &mut dyn FnMut(&mut AstNode)) {
    match node {
        AstNode::Path { steps } => {
            for step in steps {
                f(&mut step.node);
                for stage in &mut step.stages {
                    if let Stage::Filter(n) = stage {
                        f(n);
                    }
                }
            }
        }
        AstNode::Binary { lhs, rhs, .. } => {
            f(lhs);
            f(rhs);
        }
        AstNode::Unary { operand, .. } => f(operand),
        AstNode::Function { args, .. } => args.iter_mut().for_each(f),
        AstNode::Call { procedure, args } => {
            f(procedure);
            args.iter_mut().for_each(f);
        }
        AstNode::Lambda { body, .. } => f(body),
        AstNode::Array(items) | AstNode::ArrayGroup(items) | AstNode::Block(items) => items.iter_mut().for_each(f),
        AstNode::Object(pairs) => pairs.iter_mut().for_each(|(k, v)| {
            f(k);
            f(v);
        }),
        AstNode::ObjectTransform { input, pattern } => {
            f(input);
            pattern.iter_mut().for_each(|(k, v)| {
                f(k);
                f(v);
            });
        }
        AstNode::Conditional { condition, then_branch, else_branch } => {
            f(condition);
            f(then_branch);
            if let Some(e) = else_branch {
                f(e);
            }
        }
        AstNode::FunctionApplication(inner) => f(inner),
        AstNode::Sort { input, terms } => {
            f(input);
            terms.iter_mut().for_each(|(t, _)| f(t));
        }
        AstNode::Transform { location, update, delete } => {
            f(location);
            f(update);
            if let Some(d) = delete {
                f(d);
            }
        }
        _ => {}
    }
}
