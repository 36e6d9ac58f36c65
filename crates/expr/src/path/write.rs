//! Writing at a reference path, as `ResultPath` does.
//!
//! Missing object members on the way are created as empty objects. Anything else that stops
//! the path (a member of a non-object, an index into a non-array or out of its bounds, an
//! index under a member that had to be created) is `States.ResultPathMatchFailure`, with
//! AWS's cause `Unable to apply ReferencePath <path> to input <input JSON>`.

use super::{select::resolve_index, Segment};
use crate::Failure;
use crate::{Map, Value};

pub(super) fn write(text: &str, segments: &[Segment], target: &mut Value, value: Value) -> Result<(), Failure> {
    if segments.is_empty() {
        *target = value;
        return Ok(());
    }
    // Check first, so that a failure leaves the target untouched and quotes it as it was.
    if !applicable(segments, target) {
        return Err(failure(text, target));
    }
    match put(segments, target, value) {
        Some(()) => Ok(()),
        None => Err(failure(text, target)),
    }
}

fn failure(text: &str, target: &Value) -> Failure {
    let input = crate::json::to_string(target);
    Failure::new("States.ResultPathMatchFailure", format!("Unable to apply ReferencePath {text} to input {input}"))
}

/// True when [`put`] will succeed.
fn applicable(segments: &[Segment], target: &Value) -> bool {
    let mut value = target;
    for (i, segment) in segments.iter().enumerate() {
        match segment {
            Segment::Name(name) => {
                let Some(object) = value.as_object() else { return false };
                match object.get(name) {
                    Some(v) => value = v,
                    // Created from here on: only names can follow.
                    None => return segments[i + 1..].iter().all(|s| matches!(s, Segment::Name(_))),
                }
            }
            Segment::Index(index) => {
                let Some(array) = value.as_array() else { return false };
                let Some(v) = resolve_index(*index, array.len()).and_then(|k| array.get(k)) else { return false };
                value = v;
            }
            _ => return false,
        }
    }
    true
}

fn put(segments: &[Segment], target: &mut Value, value: Value) -> Option<()> {
    let (last, parents) = segments.split_last()?;
    let mut node = target;
    for segment in parents {
        node = match segment {
            Segment::Name(name) => {
                let object = node.as_object_mut()?;
                if !object.contains_key(name) {
                    object.insert(String::from(&**name), Value::Object(Map::new()));
                }
                object.get_mut(name)?
            }
            Segment::Index(index) => {
                let array = node.as_array_mut()?;
                let k = resolve_index(*index, array.len())?;
                array.get_mut(k)?
            }
            _ => return None,
        };
    }
    match last {
        Segment::Name(name) => {
            let object = node.as_object_mut()?;
            match object.get_mut(name) {
                Some(slot) => *slot = value,
                None => {
                    object.insert(String::from(&**name), value);
                }
            }
        }
        Segment::Index(index) => {
            let array = node.as_array_mut()?;
            let k = resolve_index(*index, array.len())?;
            *array.get_mut(k)? = value;
        }
        _ => return None,
    }
    Some(())
}
