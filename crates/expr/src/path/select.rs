//! Reading a compiled path: definite paths walk borrowed values, indefinite ones collect
//! every match in document order, as Jayway does.

use super::{filter, is_definite, Segment};
use crate::{Map, Value};
use std::borrow::Cow;

/// Reads `segments` from `input`, which is also the root for `$` inside filters.
pub(super) fn select_borrowed<'v>(segments: &[Segment], definite: bool, input: &'v Value) -> Option<Cow<'v, Value>> {
    if definite {
        if let Some((Segment::Names(names), parents)) = segments.split_last() {
            return merge(walk(input, parents)?, names).map(Cow::Owned);
        }
        walk(input, segments).map(Cow::Borrowed)
    } else {
        let mut out = Vec::new();
        collect(input, segments, input, &mut out);
        Some(Cow::Owned(Value::Array(out.into_iter().cloned().collect())))
    }
}

/// Like [`select_borrowed`], from an owned root (the context object): moves the value out
/// instead of cloning it when the path is definite.
pub(super) fn select_owned(segments: &[Segment], definite: bool, mut root: Value) -> Option<Value> {
    let plain = segments.iter().all(|s| matches!(s, Segment::Name(_) | Segment::Index(_)));
    if definite && plain {
        walk_mut(&mut root, segments).map(std::mem::take)
    } else {
        select_borrowed(segments, definite, &root).map(Cow::into_owned)
    }
}

/// Reads a path found inside a filter, relative to `node`.
pub(super) fn select_in<'v>(segments: &[Segment], node: &'v Value, root: &'v Value) -> Option<Cow<'v, Value>> {
    if is_definite(segments) {
        select_borrowed(segments, true, node)
    } else {
        let mut out = Vec::new();
        collect(node, segments, root, &mut out);
        Some(Cow::Owned(Value::Array(out.into_iter().cloned().collect())))
    }
}

/// Follows names and indexes.
fn walk<'v>(mut value: &'v Value, segments: &[Segment]) -> Option<&'v Value> {
    for segment in segments {
        value = match segment {
            Segment::Name(name) => value.as_object()?.get(name)?,
            Segment::Index(i) => {
                let array = value.as_array()?;
                array.get(resolve_index(*i, array.len())?)?
            }
            _ => return None,
        };
    }
    Some(value)
}

fn walk_mut<'v>(mut value: &'v mut Value, segments: &[Segment]) -> Option<&'v mut Value> {
    for segment in segments {
        value = match segment {
            Segment::Name(name) => value.as_object_mut()?.get_mut(name)?,
            Segment::Index(i) => {
                let array = value.as_array_mut()?;
                let i = resolve_index(*i, array.len())?;
                array.get_mut(i)?
            }
            _ => return None,
        };
    }
    Some(value)
}

/// A negative index counts from the end.
pub(super) fn resolve_index(i: i64, len: usize) -> Option<usize> {
    let i = if i < 0 { i.checked_add(i64::try_from(len).ok()?)? } else { i };
    usize::try_from(i).ok().filter(|&i| i < len)
}

/// Jayway's multi-name leaf (`$['a','b']`): an object of the members that exist.
fn merge(value: &Value, names: &[Box<str>]) -> Option<Value> {
    let object = value.as_object()?;
    let mut out = Map::new();
    for name in names {
        if let Some(v) = object.get(name) {
            out.insert(name.to_string(), v.clone());
        }
    }
    Some(Value::Object(out))
}

/// Collects every match of `segments` under `node`.
fn collect<'v>(node: &'v Value, segments: &[Segment], root: &'v Value, out: &mut Vec<&'v Value>) {
    match segments.split_first() {
        None => out.push(node),
        Some((Segment::Names(names), [])) => {
            // A trailing union of names inside an indefinite path still selects each member.
            if let Some(object) = node.as_object() {
                out.extend(names.iter().filter_map(|n| object.get(n)));
            }
        }
        Some((segment, rest)) => step(node, segment, root, &mut |child| collect(child, rest, root, out)),
    }
}

/// Applies one segment to `node`, calling `f` on each match.
fn step<'v>(node: &'v Value, segment: &Segment, root: &'v Value, f: &mut dyn FnMut(&'v Value)) {
    match segment {
        Segment::Name(name) => {
            if let Some(v) = node.as_object().and_then(|o| o.get(name)) {
                f(v);
            }
        }
        Segment::Names(names) => {
            if let Some(object) = node.as_object() {
                names.iter().filter_map(|n| object.get(n)).for_each(f);
            }
        }
        Segment::Index(i) => {
            if let Some(v) = node.as_array().and_then(|a| a.get(resolve_index(*i, a.len())?)) {
                f(v);
            }
        }
        Segment::Indexes(indexes) => {
            if let Some(array) = node.as_array() {
                indexes.iter().filter_map(|&i| array.get(resolve_index(i, array.len())?)).for_each(f);
            }
        }
        Segment::Wildcard => children(node, f),
        Segment::Slice { start, end } => {
            if let Some(array) = node.as_array() {
                let len = i64::try_from(array.len()).unwrap_or(i64::MAX);
                let bound = |b: i64| if b < 0 { (len + b).max(0) } else { b.min(len) };
                let from = start.map_or(0, bound);
                let to = end.map_or(len, bound);
                for i in from..to {
                    if let Some(v) = usize::try_from(i).ok().and_then(|i| array.get(i)) {
                        f(v);
                    }
                }
            }
        }
        Segment::Filter(expr) => match node {
            Value::Array(items) => {
                items.iter().filter(|item| filter::matches(expr, item, root)).for_each(f);
            }
            // Jayway applies a filter on an object to the object itself.
            Value::Object(_) if filter::matches(expr, node, root) => f(node),
            _ => {}
        },
        Segment::Scan(inner) => scan(node, inner, root, f),
    }
}

/// `..inner`: the segment applied to the node, then to every descendant, depth first.
fn scan<'v>(node: &'v Value, inner: &Segment, root: &'v Value, f: &mut dyn FnMut(&'v Value)) {
    // Jayway tests a scanned filter on objects only (each object once, as itself); applying
    // it to arrays as well would report every matching element twice.
    if !(matches!(inner, Segment::Filter(_)) && node.is_array()) {
        step(node, inner, root, f);
    }
    match node {
        Value::Object(o) => o.values().for_each(|v| scan(v, inner, root, f)),
        Value::Array(a) => a.iter().for_each(|v| scan(v, inner, root, f)),
        _ => {}
    }
}

fn children<'v>(node: &'v Value, f: &mut dyn FnMut(&'v Value)) {
    match node {
        Value::Object(o) => o.values().for_each(f),
        Value::Array(a) => a.iter().for_each(f),
        _ => {}
    }
}

/// Why a path selects nothing, in the words of Jayway JsonPath (which AWS quotes after
/// `Invalid path '<path>' : `). Verified against AWS: the two "No results" and "Missing
/// property" forms. The texts for a wrong type follow Jayway's source and are unverified.
pub(super) fn missing_reason(segments: &[Segment], input: &Value) -> String {
    let full = canonical(segments);
    let mut at = String::from("$");
    let mut value = input;
    let last = segments.len().saturating_sub(1);
    for (i, segment) in segments.iter().enumerate() {
        match segment {
            Segment::Name(name) => match value {
                Value::Object(object) => {
                    at.push_str(&format!("['{name}']"));
                    match object.get(name) {
                        Some(v) => value = v,
                        None if i == last => break,
                        None => return format!("Missing property in path {at}"),
                    }
                }
                other => {
                    return format!(
                        "Expected to find an object with property ['{name}'] in path {at} but found '{}'. \
                         This is not a json object according to the JsonProvider: \
                         'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.",
                        java_class(other)
                    )
                }
            },
            Segment::Index(index) => match value {
                Value::Array(array) => match resolve_index(*index, array.len()) {
                    Some(k) => {
                        at.push_str(&format!("[{index}]"));
                        value = &array[k];
                    }
                    None => break,
                },
                Value::Null => return format!("The path {at} is null"),
                Value::String(s) => {
                    return format!("Filter: [{index}] can only be applied to arrays. Current context is: {s}")
                }
                other => {
                    return format!("Filter: [{index}] can only be applied to arrays. Current context is: {other}")
                }
            },
            _ => break,
        }
    }
    format!("No results for path: {full}")
}

/// Jayway's normalised form of a path: `$['a'][0]`.
fn canonical(segments: &[Segment]) -> String {
    let mut out = String::from("$");
    for segment in segments {
        match segment {
            Segment::Name(n) => out.push_str(&format!("['{n}']")),
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
            Segment::Names(ns) => {
                let quoted: Vec<String> = ns.iter().map(|n| format!("'{n}'")).collect();
                out.push_str(&format!("[{}]", quoted.join(",")));
            }
            Segment::Indexes(is) => {
                let list: Vec<String> = is.iter().map(i64::to_string).collect();
                out.push_str(&format!("[{}]", list.join(",")));
            }
            Segment::Wildcard => out.push_str("[*]"),
            Segment::Slice { start, end } => {
                let b = |x: &Option<i64>| x.map(|v| v.to_string()).unwrap_or_default();
                out.push_str(&format!("[{}:{}]", b(start), b(end)));
            }
            Segment::Filter(_) => out.push_str("[?]"),
            Segment::Scan(inner) => {
                out.push_str("..");
                out.push_str(canonical(std::slice::from_ref(&**inner)).trim_start_matches('$'));
            }
        }
    }
    out
}

/// The Java class JsonSmart uses for a JSON value (part of a Jayway message).
fn java_class(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "java.lang.Boolean",
        Value::Number(n) if n.is_f64() => "java.lang.Double",
        Value::Number(n) if n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()) => "java.lang.Integer",
        Value::Number(_) => "java.lang.Long",
        Value::String(_) => "java.lang.String",
        Value::Array(_) => "net.minidev.json.JSONArray",
        Value::Object(_) => "net.minidev.json.JSONObject",
    }
}
