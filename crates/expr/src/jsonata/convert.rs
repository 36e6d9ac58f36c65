//! Conversion between state data ([`Value`]) and jsonata-core's values ([`JValue`]).
//!
//! JSONata numbers are doubles. Going back, a double with no fraction prints as an integer
//! (`3`, not `3.0`), as JavaScript's `JSON.stringify` prints it; key order is kept both ways.

use crate::json::Number;
use crate::{Map, Str, Value};
use jsonata_core::value::{JArray, JMap, JValue};
use std::rc::Rc;

/// Why a JSONata result has no JSON form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsupported {
    /// A function, a regular expression: AWS says "returned an unsupported result type".
    Function,
}

/// State data to a JSONata value.
pub fn to_jvalue(value: &Value) -> JValue {
    match value {
        Value::Null => JValue::Null,
        Value::Bool(b) => JValue::Bool(*b),
        Value::Number(n) => JValue::Number(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => JValue::String(s.as_str().into()),
        Value::Array(items) => {
            let mut flat = true;
            let items = items
                .iter()
                .map(|item| {
                    flat &= !item.is_array();
                    to_jvalue(item)
                })
                .collect();
            JValue::Array(JArray::new_flat(items, flat))
        }
        Value::Object(map) => {
            let out: JMap = map.iter().map(|(key, item)| (key.to_string(), to_jvalue(item))).collect();
            JValue::Object(Rc::new(out))
        }
    }
}

/// A JSONata value to state data. `Ok(None)`: undefined. Undefined members of objects are
/// dropped and undefined array items skipped, as `JSON.stringify` does with what JSONata
/// builds (JSONata itself never puts undefined in an array).
pub fn from_jvalue(value: &JValue) -> Result<Option<Value>, Unsupported> {
    Ok(Some(match value {
        JValue::Undefined => return Ok(None),
        JValue::Null => Value::Null,
        JValue::Bool(b) => Value::Bool(*b),
        JValue::Number(n) => number(*n),
        JValue::String(s) => Value::String(Str::from(&**s)),
        JValue::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items.iter() {
                if let Some(v) = from_jvalue(item)? {
                    out.push(v);
                }
            }
            Value::Array(out)
        }
        JValue::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (key, item) in map.iter() {
                if let Some(v) = from_jvalue(item)? {
                    out.insert(key.as_str(), v);
                }
            }
            Value::Object(out)
        }
        _ => return Err(Unsupported::Function),
    }))
}

/// A double as JSON prints it: integral values within the exactly representable range as
/// integers, the rest as floats; non-finite values (which JSON cannot hold) as null.
pub fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        // `-0` prints as `0` in JavaScript.
        return Value::Number(Number::from(n as i64));
    }
    if n.fract() == 0.0 && n.abs() < 1e19 {
        if n >= 0.0 {
            return Value::Number(Number::from(n as u64));
        }
        if n >= i64::MIN as f64 {
            return Value::Number(Number::from(n as i64));
        }
    }
    Value::from(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn round_trip_keeps_order_and_integers() {
        let v = json!({"z": 1, "a": [1.5, -0.0, 3, "x", null, true], "m": {"b": 2, "a": 1}});
        let back = from_jvalue(&to_jvalue(&v)).unwrap().unwrap();
        assert_eq!(json::to_string(&back), r#"{"z":1,"a":[1.5,0,3,"x",null,true],"m":{"b":2,"a":1}}"#);
    }

    #[test]
    fn numbers_print_as_javascript_does() {
        assert_eq!(json::to_string(&number(3.0)), "3");
        assert_eq!(json::to_string(&number(0.5)), "0.5");
        assert_eq!(json::to_string(&number(1e18)), "1000000000000000000");
        assert_eq!(json::to_string(&number(f64::NAN)), "null");
    }

    #[test]
    fn undefined_and_functions() {
        assert_eq!(from_jvalue(&JValue::Undefined), Ok(None));
        assert_eq!(from_jvalue(&JValue::builtin("sum")), Err(Unsupported::Function));
    }
}
