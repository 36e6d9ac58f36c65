//! Evaluation of a [`Program`] on state data, following jsonata-js 2.0.6 step by step for
//! the cases it accepts and bailing out on the rest.

use super::compile::js_special_key;
use super::{Arith, Bail, Compare, Function, Node, Program, Root};
use crate::jsonata::{convert, Env};
use crate::{Map, Str, Value};

/// An intermediate result: undefined, a value borrowed from the environment, or one built.
/// Built values have their numbers as JSON prints them (see [`owned`]).
enum R<'a> {
    Undefined,
    Borrowed(&'a Value),
    Owned(Value),
}

impl R<'_> {
    fn get(&self) -> Option<&Value> {
        match self {
            R::Undefined => None,
            R::Borrowed(v) => Some(v),
            R::Owned(v) => Some(v),
        }
    }

    fn into_value(self) -> Option<Value> {
        match self {
            R::Undefined => None,
            R::Borrowed(v) => Some(owned(v)),
            R::Owned(v) => Some(v),
        }
    }
}

type Out<'a> = Result<R<'a>, Bail>;

impl Program {
    /// Evaluates; `Ok(None)` when the result is undefined.
    pub fn eval(&self, env: &Env) -> Result<Option<Value>, Bail> {
        Ok(eval(&self.root, env)?.into_value())
    }
}

/// A copy of state data with its numbers as a JSONata round trip leaves them: doubles, printed
/// as integers when integral.
fn owned(value: &Value) -> Value {
    let mut out = value.clone();
    normalise(&mut out);
    out
}

/// Rewrites numbers as jsonata-core prints them (`2.0` as `2`, integers past 2^53 rounded).
/// Only the parts that change are written, so a shared object stays shared.
fn normalise(value: &mut Value) {
    if !needs_normalising(value) {
        return;
    }
    match value {
        Value::Number(n) => *value = convert::number(n.as_f64().unwrap_or(0.0)),
        Value::Array(items) => items.iter_mut().for_each(normalise),
        Value::Object(map) => map.values_mut().for_each(normalise),
        _ => {}
    }
}

fn needs_normalising(value: &Value) -> bool {
    !value.summary().canonical_numbers
}

fn eval<'a>(node: &Node, env: &Env<'a>) -> Out<'a> {
    match node {
        Node::Literal(value) => Ok(R::Owned(value.clone())),
        Node::Path { root, keys } => path(root, keys, env),
        Node::Negate(operand) => match eval(operand, env)?.get() {
            None => Ok(R::Undefined),
            Some(Value::Number(n)) => Ok(R::Owned(convert::number(-n.as_f64().ok_or(Bail)?))),
            Some(_) => Err(Bail),
        },
        Node::Arith(op, lhs, rhs) => {
            let (l, r) = (eval(lhs, env)?, eval(rhs, env)?);
            let (Some(a), Some(b)) = (number(&l)?, number(&r)?) else { return Ok(R::Undefined) };
            let n = match op {
                Arith::Add => a + b,
                Arith::Subtract => a - b,
                Arith::Multiply => a * b,
                Arith::Divide => a / b,
                Arith::Modulo => a % b,
            };
            if n.is_finite() {
                Ok(R::Owned(convert::number(n)))
            } else {
                Err(Bail)
            }
        }
        Node::Compare(op, lhs, rhs) => {
            let (l, r) = (eval(lhs, env)?, eval(rhs, env)?);
            compare(*op, l.get(), r.get())
        }
        Node::Equal(negate, lhs, rhs) => {
            let (l, r) = (eval(lhs, env)?, eval(rhs, env)?);
            let (Some(a), Some(b)) = (l.get(), r.get()) else { return Ok(R::Owned(Value::Bool(false))) };
            Ok(R::Owned(Value::Bool(equal(a, b)? != *negate)))
        }
        Node::And(lhs, rhs) => {
            let value = truthy(eval(lhs, env)?.get()) && truthy(eval(rhs, env)?.get());
            Ok(R::Owned(Value::Bool(value)))
        }
        Node::Or(lhs, rhs) => {
            let value = truthy(eval(lhs, env)?.get()) || truthy(eval(rhs, env)?.get());
            Ok(R::Owned(Value::Bool(value)))
        }
        Node::Concat(lhs, rhs) => {
            let (l, r) = (eval(lhs, env)?, eval(rhs, env)?);
            let mut text = String::new();
            for side in [l.get(), r.get()].into_iter().flatten() {
                text.push_str(&string(side)?);
            }
            Ok(R::Owned(Value::String(Str::from(text))))
        }
        Node::Conditional(condition, then, otherwise) => {
            if truthy(eval(condition, env)?.get()) {
                eval(then, env)
            } else if let Some(otherwise) = otherwise {
                eval(otherwise, env)
            } else {
                Ok(R::Undefined)
            }
        }
        Node::Block(items) => {
            let mut last = R::Undefined;
            for item in items.iter() {
                last = eval(item, env)?;
            }
            Ok(last)
        }
        Node::Object(shape, nodes) => {
            let mut out = shape.clone();
            let mut undefined = Vec::new();
            for ((key, slot), node) in out.iter_mut().zip(nodes.iter()) {
                match eval(node, env)?.into_value() {
                    Some(value) => *slot = value,
                    None => undefined.push(key.clone()),
                }
            }
            // A key whose value is undefined is left out.
            for key in undefined {
                out.remove(&key);
            }
            Ok(R::Owned(Value::Object(out)))
        }
        Node::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (item, constructor) in items.iter() {
                match eval(item, env)? {
                    R::Undefined => {}
                    R::Borrowed(Value::Array(values)) if !constructor => out.extend(values.iter().map(owned)),
                    R::Owned(Value::Array(values)) if !constructor => out.extend(values),
                    other => out.extend(other.into_value()),
                }
            }
            Ok(R::Owned(Value::Array(out)))
        }
        Node::Call(Function::Merge, arg) => match &**arg {
            Node::Array(items) => merge_items(items, env),
            other => merge(eval(other, env)?),
        },
        Node::Call(function, arg) => call(*function, eval(arg, env)?),
    }
}

/// A path, as jsonata-js evaluates one that starts with a variable and then steps through
/// field names.
fn path<'a>(root: &Root, keys: &[Str], env: &Env<'a>) -> Out<'a> {
    let owned_root;
    let value: &Value = match root {
        Root::Input => return Ok(walk(env.input, keys).borrowed()),
        Root::Result => match env.result {
            Some(result) => return Ok(walk(result, keys).borrowed()),
            None => return Ok(R::Undefined),
        },
        Root::ErrorOutput => match env.error_output {
            Some(error) => return Ok(walk(error, keys).borrowed()),
            None => return Ok(R::Undefined),
        },
        Root::Context => {
            owned_root = (env.context)();
            &owned_root
        }
        Root::Variable(name) => match (env.variable)(name) {
            Some(value) => {
                owned_root = value;
                &owned_root
            }
            None => return Ok(R::Undefined),
        },
    };
    Ok(match walk(value, keys) {
        Found::Nothing => R::Undefined,
        Found::One(v) => R::Owned(owned(v)),
        Found::Many(items) => R::Owned(Value::Array(items.into_iter().map(owned).collect())),
    })
}

/// What a path finds: a sequence collapsed as jsonata-js collapses it (none: undefined; one:
/// the item; more: an array).
enum Found<'v> {
    Nothing,
    One(&'v Value),
    Many(Vec<&'v Value>),
}

impl<'v> Found<'v> {
    fn borrowed(self) -> R<'v> {
        match self {
            Found::Nothing => R::Undefined,
            Found::One(v) => R::Borrowed(v),
            Found::Many(items) => R::Owned(Value::Array(items.into_iter().map(owned).collect())),
        }
    }
}

/// One step's result for one input item: a field's value, or the sequence a lookup over an
/// array gives.
enum Step<'v> {
    Plain(&'v Value),
    Sequence(Vec<&'v Value>),
}

/// jsonata-js's `lookup`: a field of an object; over an array, the fields of its items
/// (recursively), array values flattened one level.
fn lookup<'v>(item: &'v Value, key: &str) -> Option<Step<'v>> {
    match item {
        Value::Object(map) => map.get(key).map(Step::Plain),
        Value::Array(items) => {
            let mut out = Vec::new();
            for item in items {
                match lookup(item, key) {
                    Some(Step::Plain(Value::Array(values))) => out.extend(values.iter()),
                    Some(Step::Plain(value)) => out.push(value),
                    Some(Step::Sequence(values)) => out.extend(values),
                    None => {}
                }
            }
            Some(Step::Sequence(out))
        }
        _ => None,
    }
}

/// The path `root.k1...kn`. Objects all the way down take the short road; an array on the
/// way switches to jsonata-js's sequence rules.
fn walk<'v>(root: &'v Value, keys: &[Str]) -> Found<'v> {
    let mut current = root;
    for (i, key) in keys.iter().enumerate() {
        match current {
            Value::Object(map) => match map.get(key) {
                Some(value) => current = value,
                None => return Found::Nothing,
            },
            Value::Array(items) => return sequence(items.iter().collect(), &keys[i..]),
            _ => return Found::Nothing,
        }
    }
    Found::One(current)
}

/// The remaining steps over a sequence of items (never empty `keys`).
fn sequence<'v>(mut items: Vec<&'v Value>, keys: &[Str]) -> Found<'v> {
    for (i, key) in keys.iter().enumerate() {
        let last = i + 1 == keys.len();
        let results: Vec<Step<'v>> = items.iter().filter_map(|item| lookup(item, key)).collect();
        if last && results.len() == 1 {
            // A lone array found in an object is the result as it is, not a sequence.
            if let Step::Plain(value @ Value::Array(_)) = results[0] {
                return Found::One(value);
            }
        }
        let mut next = Vec::with_capacity(results.len());
        for result in results {
            match result {
                Step::Plain(Value::Array(values)) => next.extend(values.iter()),
                Step::Plain(value) => next.push(value),
                Step::Sequence(values) => next.extend(values),
            }
        }
        if next.is_empty() {
            return Found::Nothing;
        }
        items = next;
    }
    match items.len() {
        0 => Found::Nothing,
        1 => Found::One(items[0]),
        _ => Found::Many(items),
    }
}

/// An arithmetic operand: `None` when undefined; anything but a number is an error.
fn number(value: &R) -> Result<Option<f64>, Bail> {
    match value.get() {
        None => Ok(None),
        Some(Value::Number(n)) => n.as_f64().map(Some).ok_or(Bail),
        Some(_) => Err(Bail),
    }
}

fn compare<'a>(op: Compare, lhs: Option<&Value>, rhs: Option<&Value>) -> Out<'a> {
    let comparable = |v: Option<&Value>| matches!(v, None | Some(Value::Number(_)) | Some(Value::String(_)));
    if !comparable(lhs) || !comparable(rhs) {
        return Err(Bail);
    }
    let ordering = match (lhs, rhs) {
        (Some(Value::Number(a)), Some(Value::Number(b))) => {
            let (a, b) = (a.as_f64().ok_or(Bail)?, b.as_f64().ok_or(Bail)?);
            a.partial_cmp(&b).ok_or(Bail)?
        }
        // JavaScript orders strings by UTF-16 code units.
        (Some(Value::String(a)), Some(Value::String(b))) => a.encode_utf16().cmp(b.encode_utf16()),
        (Some(_), Some(_)) => return Err(Bail),
        _ => return Ok(R::Undefined),
    };
    let result = match op {
        Compare::Less => ordering.is_lt(),
        Compare::LessOrEqual => ordering.is_le(),
        Compare::Greater => ordering.is_gt(),
        Compare::GreaterOrEqual => ordering.is_ge(),
    };
    Ok(R::Owned(Value::Bool(result)))
}

/// `=` on two defined values; arrays and objects are left to jsonata-core.
fn equal(a: &Value, b: &Value) -> Result<bool, Bail> {
    Ok(match (a, b) {
        (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => return Err(Bail),
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Null, Value::Null) => true,
        _ => false,
    })
}

/// jsonata-js's `$boolean`, with undefined as false (as `and`, `or` and `? :` read it).
fn truthy(value: Option<&Value>) -> bool {
    value.is_some_and(boolean)
}

fn boolean(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => match items.as_slice() {
            [] => false,
            [one] => boolean(one),
            many => many.iter().any(boolean),
        },
        Value::Object(map) => !map.is_empty(),
    }
}

/// jsonata-js's `$string` for the values it prints without rounding: strings, booleans, null,
/// and integers below 10^15 in magnitude.
fn string(value: &Value) -> Result<std::borrow::Cow<'_, str>, Bail> {
    Ok(match value {
        Value::String(s) => std::borrow::Cow::Borrowed(s.as_str()),
        Value::Bool(true) => "true".into(),
        Value::Bool(false) => "false".into(),
        Value::Null => "null".into(),
        Value::Number(n) => {
            let f = n.as_f64().ok_or(Bail)?;
            if f.fract() != 0.0 || f.abs() >= 1e15 {
                return Err(Bail);
            }
            (f as i64).to_string().into()
        }
        _ => return Err(Bail),
    })
}

fn call(function: Function, arg: R) -> Out {
    let Some(value) = arg.get() else {
        return Ok(match function {
            Function::Count => R::Owned(Value::from(0)),
            Function::Exists => R::Owned(Value::Bool(false)),
            _ => R::Undefined,
        });
    };
    let out = match function {
        Function::Merge => return merge(arg),
        Function::Count => Value::from(match value {
            Value::Array(items) => items.len() as u64,
            _ => 1,
        }),
        Function::Sum => {
            let mut total = 0.0;
            match value {
                Value::Number(n) => total = n.as_f64().ok_or(Bail)?,
                Value::Array(items) => {
                    for item in items {
                        match item {
                            Value::Number(n) => total += n.as_f64().ok_or(Bail)?,
                            _ => return Err(Bail),
                        }
                    }
                }
                _ => return Err(Bail),
            }
            if !total.is_finite() {
                return Err(Bail);
            }
            convert::number(total)
        }
        Function::Exists => Value::Bool(true),
        Function::Boolean => Value::Bool(boolean(value)),
        Function::Not => Value::Bool(!boolean(value)),
        Function::String => match value {
            Value::String(_) => return Ok(arg),
            other => Value::String(Str::from(&*string(other)?)),
        },
        Function::Length => match value {
            Value::String(s) => Value::from(s.chars().count() as u64),
            _ => return Err(Bail),
        },
        Function::Uppercase | Function::Lowercase => match value {
            Value::String(s) if s.is_ascii() => Value::String(Str::from(if matches!(function, Function::Uppercase) {
                s.to_ascii_uppercase()
            } else {
                s.to_ascii_lowercase()
            })),
            _ => return Err(Bail),
        },
    };
    Ok(R::Owned(out))
}

/// `$merge`: one object or an array of objects, later keys replacing earlier ones in place.
fn merge(arg: R) -> Out {
    let parts = match arg {
        R::Undefined => return Ok(R::Undefined),
        R::Borrowed(Value::Array(items)) => items.iter().map(R::Borrowed).collect(),
        R::Owned(Value::Array(items)) => items.into_iter().map(R::Owned).collect(),
        object => vec![object],
    };
    merge_objects(parts)
}

/// `$merge([a, b, ...])` with the array built here: the items stay borrowed until merged, so
/// that a field a later object replaces is never copied.
fn merge_items<'a>(items: &[(Node, bool)], env: &Env<'a>) -> Out<'a> {
    let mut parts = Vec::with_capacity(items.len());
    for (item, constructor) in items.iter() {
        match eval(item, env)? {
            R::Undefined => {}
            R::Borrowed(Value::Array(values)) if !constructor => parts.extend(values.iter().map(R::Borrowed)),
            R::Owned(Value::Array(values)) if !constructor => parts.extend(values.into_iter().map(R::Owned)),
            other => parts.push(other),
        }
    }
    merge_objects(parts)
}

fn merge_objects(parts: Vec<R>) -> Out {
    for part in &parts {
        // Anything but an object fails the signature; JavaScript orders index-like keys first.
        let Some(Value::Object(map)) = part.get() else { return Err(Bail) };
        if map.keys().any(|k| js_special_key(k)) {
            return Err(Bail);
        }
    }
    let mut parts = parts.into_iter();
    let mut out = match parts.next() {
        None => Map::new(),
        Some(R::Owned(Value::Object(map))) => map,
        Some(R::Borrowed(Value::Object(map))) => {
            let rest = parts.as_slice();
            let mut out = Map::with_capacity(map.len() + 1);
            for (key, value) in map.iter() {
                // A field a later object sets keeps its place; its value comes later.
                let replaced =
                    rest.iter().any(|r| r.get().and_then(Value::as_object).is_some_and(|m| m.contains_key(key)));
                out.insert(key.clone(), if replaced { Value::Null } else { owned(value) });
            }
            out
        }
        Some(_) => return Err(Bail),
    };
    for part in parts {
        match part {
            R::Owned(Value::Object(map)) => map.into_iter().for_each(|(k, v)| {
                out.insert(k, v);
            }),
            R::Borrowed(Value::Object(map)) => map.iter().for_each(|(k, v)| {
                out.insert(k.clone(), owned(v));
            }),
            _ => return Err(Bail),
        }
    }
    Ok(R::Owned(Value::Object(out)))
}
