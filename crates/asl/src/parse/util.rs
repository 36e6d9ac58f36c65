//! The validation context: collects diagnostics, builds JSON pointers, reads typed fields.

use crate::{Diagnostic, MachineType, Severity};
use serde_json::{Map, Value};
use std::collections::HashMap;

pub(crate) const SCHEMA: &str = "SCHEMA_VALIDATION_FAILED";
pub(crate) const MISSING_TARGET: &str = "MISSING_TRANSITION_TARGET";
pub(crate) const MISSING_END: &str = "MISSING_END_STATE";
pub(crate) const DUPLICATE_NAME: &str = "DUPLICATE_STATE_NAME";
pub(crate) const UNSUPPORTED_JSONATA: &str = "UNSUPPORTED_JSONATA_EXPRESSION";

/// Largest value AWS accepts for most second and count fields.
pub(crate) const MAX_SECONDS: u64 = 99_999_999;

/// What the whole parse shares: the problems found so far and the machine type.
pub(crate) struct Ctx {
    pub diagnostics: Vec<Diagnostic>,
    pub machine_type: MachineType,
    /// Every state name seen in the whole definition, with its pointer, to report duplicates
    /// across Parallel branches and Map processors.
    pub names: HashMap<String, String>,
    /// The top-level `QueryLanguage`: JSONata there forbids JSONPath in any state (a
    /// JSONata Map or Parallel state does not).
    pub machine_jsonata: bool,
}

impl Ctx {
    pub fn new(machine_type: MachineType) -> Self {
        Ctx { diagnostics: Vec::new(), machine_type, names: HashMap::new(), machine_jsonata: false }
    }

    pub fn error(&mut self, code: &'static str, message: impl Into<String>, location: impl Into<String>) {
        self.diagnostics.push(Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            location: location.into(),
            value_error: false,
        });
    }

    /// An error AWS raises alone, as `Error=ValueError` (see [`Diagnostic::value_error`]).
    pub fn value_error(&mut self, message: impl Into<String>, location: impl Into<String>) {
        self.schema(message, location);
        if let Some(last) = self.diagnostics.last_mut() {
            last.value_error = true;
        }
    }

    pub fn schema(&mut self, message: impl Into<String>, location: impl Into<String>) {
        self.error(SCHEMA, message, location);
    }

    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Error).count()
    }
}

/// Reads `key` as a list of objects and each element with `read` (given the element and
/// whether it is the last). An absent field is an empty list; `None` when the field or any
/// element is wrong (already reported), after every element was read.
pub(crate) fn objects<'a, T>(
    ctx: &mut Ctx,
    obj: Obj<'a>,
    key: &str,
    mut read: impl FnMut(&mut Ctx, Obj<'_>, bool) -> Option<T>,
) -> Option<Vec<T>> {
    let Some(list) = obj.array(ctx, key) else {
        return if obj.has(key) { None } else { Some(Vec::new()) };
    };
    let ptr = obj.at(key);
    let mut out = Vec::with_capacity(list.len());
    let mut ok = true;
    for (i, value) in list.iter().enumerate() {
        let at = index(&ptr, i);
        let Value::Object(map) = value else {
            ctx.schema("Expected value of type Object", at);
            ok = false;
            continue;
        };
        match read(ctx, Obj::new(map, &at), i + 1 == list.len()) {
            Some(item) => out.push(item),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// The pointer of `key` inside the object at `ptr` (RFC 6901: `~` is `~0`, `/` is `~1`).
pub(crate) fn child(ptr: &str, key: &str) -> String {
    let escaped = key.replace('~', "~0").replace('/', "~1");
    if ptr == "/" {
        format!("/{escaped}")
    } else {
        format!("{ptr}/{escaped}")
    }
}

/// The pointer of element `i` inside the array at `ptr`, in AWS's form (`/States/C/Choices[0]`).
pub(crate) fn index(ptr: &str, i: usize) -> String {
    format!("{ptr}[{i}]")
}

/// An object being read, with its pointer.
#[derive(Clone, Copy)]
pub(crate) struct Obj<'a> {
    pub map: &'a Map<String, Value>,
    pub ptr: &'a str,
}

impl<'a> Obj<'a> {
    pub fn new(map: &'a Map<String, Value>, ptr: &'a str) -> Self {
        Obj { map, ptr }
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    pub fn at(&self, key: &str) -> String {
        child(self.ptr, key)
    }

    /// Reports `These fields are required: [..]` for the missing ones; true when all are there.
    pub fn require(&self, ctx: &mut Ctx, keys: &[&str]) -> bool {
        let missing: Vec<&str> = keys.iter().copied().filter(|k| !self.has(k)).collect();
        if missing.is_empty() {
            return true;
        }
        ctx.schema(format!("These fields are required: [{}]", missing.join(", ")), self.ptr);
        false
    }

    /// Reports every field not in `allowed`.
    pub fn only(&self, ctx: &mut Ctx, allowed: &[&str]) {
        for key in self.map.keys() {
            if !allowed.contains(&key.as_str()) {
                ctx.schema(format!("Field '{key}' is not supported"), self.ptr);
            }
        }
    }

    fn wrong_type(&self, ctx: &mut Ctx, key: &str, expected: &str) {
        ctx.schema(format!("Expected value of type {expected}"), self.at(key));
    }

    pub fn str(&self, ctx: &mut Ctx, key: &str) -> Option<&'a str> {
        match self.get(key)? {
            Value::String(s) => Some(s),
            _ => {
                self.wrong_type(ctx, key, "String");
                None
            }
        }
    }

    pub fn bool(&self, ctx: &mut Ctx, key: &str) -> Option<bool> {
        match self.get(key)? {
            Value::Bool(b) => Some(*b),
            _ => {
                self.wrong_type(ctx, key, "Boolean");
                None
            }
        }
    }

    pub fn object(&self, ctx: &mut Ctx, key: &str) -> Option<&'a Map<String, Value>> {
        match self.get(key)? {
            Value::Object(m) => Some(m),
            _ => {
                self.wrong_type(ctx, key, "Object");
                None
            }
        }
    }

    pub fn array(&self, ctx: &mut Ctx, key: &str) -> Option<&'a Vec<Value>> {
        match self.get(key)? {
            Value::Array(a) => Some(a),
            _ => {
                self.wrong_type(ctx, key, "Array");
                None
            }
        }
    }

    pub fn number(&self, ctx: &mut Ctx, key: &str) -> Option<f64> {
        match self.get(key)? {
            Value::Number(n) => n.as_f64(),
            _ => {
                self.wrong_type(ctx, key, "Number");
                None
            }
        }
    }

    /// An integer in `min..=max`.
    pub fn int(&self, ctx: &mut Ctx, key: &str, min: u64, max: u64) -> Option<u64> {
        let v = self.get(key)?;
        let n = match v {
            Value::Number(n) => n,
            _ => {
                self.wrong_type(ctx, key, "Integer");
                return None;
            }
        };
        let int = n.as_u64().or_else(|| {
            // 3.0 is an integer too; negative values fall through to the range message.
            n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= u64::MAX as f64).map(|f| f as u64)
        });
        match int {
            Some(i) if i >= min && i <= max => Some(i),
            Some(_) => {
                range_error(ctx, self.at(key), min, max);
                None
            }
            None if n.as_i64().is_some() => {
                range_error(ctx, self.at(key), min, max);
                None
            }
            None => {
                self.wrong_type(ctx, key, "Integer");
                None
            }
        }
    }
}

fn range_error(ctx: &mut Ctx, at: String, min: u64, max: u64) {
    if max == u64::MAX {
        ctx.schema(format!("Value must be greater than or equal to {min}"), at);
    } else {
        ctx.schema(format!("Value must be between {min} and {max}"), at);
    }
}

/// True for a JSONata expression string: exactly `{% ... %}`.
pub(crate) fn is_jsonata(v: &Value) -> bool {
    match v {
        Value::String(s) => s.starts_with("{%") && s.ends_with("%}") && s.len() >= 4,
        _ => false,
    }
}
