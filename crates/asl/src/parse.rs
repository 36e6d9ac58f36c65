//! The parser and validator: JSON in, a [`StateMachine`] and every [`Diagnostic`] out.
//!
//! The top level and each `States` set (the machine, Parallel branches, Map processors) are
//! read here, with the graph checks (targets, reachability, a terminal state). The states
//! themselves are read in the submodules.

mod choice;
mod errors;
mod json_error;
mod map;
mod paths;
mod state;
mod task;
mod util;

use crate::{Diagnostic, Machine, MachineType, QueryLanguage, Severity, StateMachine};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use util::{child, Ctx, Obj, MAX_SECONDS, MISSING_END, MISSING_TARGET};

/// What parsing a definition gives: the model when there is no error, and every problem.
#[derive(Debug)]
pub struct Parsed {
    pub machine: Option<StateMachine>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    /// The Error-severity diagnostics.
    pub fn errors(&self) -> Vec<Diagnostic> {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Error).cloned().collect()
    }
}

/// Parses and validates a definition given as JSON text. Text that is not JSON gives one
/// diagnostic with AWS's code for it (`INVALID_JSON_DESCRIPTION`).
pub fn parse_str(text: &str, kind: MachineType) -> Parsed {
    let mut ctx = Ctx::new(kind);
    if text.trim().is_empty() {
        ctx.schema("Definition must be a valid JSON object", "");
        return Parsed { machine: None, diagnostics: ctx.diagnostics };
    }
    match serde_json::from_str::<Value>(text) {
        Ok(value) => parse(&value, kind),
        Err(e) => {
            let (message, location) = json_error::describe(text, &e);
            ctx.error("INVALID_JSON_DESCRIPTION", message, location);
            Parsed { machine: None, diagnostics: ctx.diagnostics }
        }
    }
}

/// Parses and validates a definition.
pub fn parse(definition: &Value, kind: MachineType) -> Parsed {
    let mut ctx = Ctx::new(kind);
    let machine = top_level(&mut ctx, definition);
    let machine = if ctx.error_count() == 0 { machine } else { None };
    Parsed { machine, diagnostics: ctx.diagnostics }
}

const TOP_FIELDS: &[&str] = &["Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage"];

fn top_level(ctx: &mut Ctx, definition: &Value) -> Option<StateMachine> {
    let Value::Object(map) = definition else {
        ctx.schema("Expected value of type Object", "/");
        return None;
    };
    let obj = Obj::new(map, "/");
    obj.only(ctx, TOP_FIELDS);
    if !obj.has("States") {
        // AWS reports only this when States is missing.
        obj.require(ctx, &["States", "StartAt"]);
        return None;
    }
    let comment = obj.str(ctx, "Comment").map(str::to_owned);
    let version = obj.str(ctx, "Version").map(str::to_owned);
    if let Some(v) = &version {
        if v != "1.0" {
            ctx.schema("Value is not one of the allowed values: [1.0]", obj.at("Version"));
        }
    }
    let timeout_seconds = obj.int(ctx, "TimeoutSeconds", 0, MAX_SECONDS);
    let query_language = query_language(ctx, obj).unwrap_or_default();
    ctx.machine_jsonata = query_language == QueryLanguage::JSONata;
    let machine = machine(ctx, obj, query_language)?;
    Some(StateMachine { comment, version, timeout_seconds, query_language, machine: Arc::new(machine) })
}

/// Reads a `QueryLanguage` field.
pub(crate) fn query_language(ctx: &mut Ctx, obj: Obj) -> Option<QueryLanguage> {
    match obj.str(ctx, "QueryLanguage")? {
        "JSONPath" => Some(QueryLanguage::JSONPath),
        "JSONata" => Some(QueryLanguage::JSONata),
        other => {
            ctx.schema(
                format!("Value '{other}' is not one of the allowed values: [JSONPath, JSONata]"),
                obj.at("QueryLanguage"),
            );
            None
        }
    }
}

/// The names of a `States` set, resolved to ids, and the edges found while reading it.
pub(crate) struct Scope {
    ids: HashMap<String, usize>,
    /// Outgoing transitions of each state, by target name (for the reachability walk).
    edges: Vec<Vec<String>>,
    current: usize,
}

impl Scope {
    /// Resolves a transition target (`Next`, `Default`, a rule's or catcher's `Next`).
    /// A missing target gives `MISSING_TRANSITION_TARGET` and `None`.
    pub(crate) fn target(&mut self, ctx: &mut Ctx, obj: Obj, key: &str) -> Option<usize> {
        let name = obj.str(ctx, key)?;
        self.edges[self.current].push(name.to_owned());
        match self.ids.get(name) {
            Some(id) => Some(*id),
            None => {
                ctx.error(MISSING_TARGET, format!("Missing 'Next' target: {name}"), obj.at(key));
                None
            }
        }
    }
}

/// Reads `StartAt` and `States` (plus `Comment`) of the object at `obj`: the top level, a
/// Parallel branch, or a Map processor. Other fields are the caller's business.
pub(crate) fn machine(ctx: &mut Ctx, obj: Obj, ql: QueryLanguage) -> Option<Machine> {
    let comment = obj.str(ctx, "Comment").map(str::to_owned);
    let has_all = obj.require(ctx, &["StartAt", "States"]);
    let start_at = obj.str(ctx, "StartAt");
    let states = obj.object(ctx, "States");
    if !has_all {
        return None;
    }
    let (start_at, states) = (start_at?, states?);
    let states_ptr = obj.at("States");
    let ids: HashMap<String, usize> = states.keys().enumerate().map(|(i, k)| (k.clone(), i)).collect();
    let mut scope = Scope { ids, edges: vec![Vec::new(); states.len()], current: 0 };
    let mut built = Vec::with_capacity(states.len());
    let mut terminal = false;
    for (i, (name, value)) in states.iter().enumerate() {
        let ptr = child(&states_ptr, name);
        check_name(ctx, name, &ptr);
        scope.current = i;
        let (state, is_terminal) = state::state(ctx, &mut scope, name, value, &ptr, ql);
        terminal |= is_terminal;
        built.push(state);
    }
    let start = scope.ids.get(start_at).copied();
    if start.is_none() {
        ctx.error(MISSING_TARGET, format!("Missing 'Next' target: {start_at}"), obj.at("StartAt"));
    }
    if !terminal {
        ctx.error(MISSING_END, "Workflow has no terminal state", "");
    } else if let Some(start) = start {
        report_unreachable(ctx, &scope, states, start, &states_ptr);
    }
    let states: Option<Vec<_>> = built.into_iter().collect();
    Some(Machine { comment, start_at: start?, states: states? })
}

fn check_name(ctx: &mut Ctx, name: &str, ptr: &str) {
    let len = name.chars().count();
    if len == 0 || len > 80 {
        ctx.schema("State name must be between 1 and 80 characters", ptr);
    }
    if ctx.names.contains_key(name) {
        ctx.error(util::DUPLICATE_NAME, format!("Duplicate State name: {name}"), ptr);
    } else {
        ctx.names.insert(name.to_owned(), ptr.to_owned());
    }
}

fn report_unreachable(ctx: &mut Ctx, scope: &Scope, states: &Map<String, Value>, start: usize, ptr: &str) {
    let mut seen = vec![false; states.len()];
    let mut stack = vec![start];
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id], true) {
            continue;
        }
        for target in &scope.edges[id] {
            if let Some(t) = scope.ids.get(target) {
                stack.push(*t);
            }
        }
    }
    for (i, name) in states.keys().enumerate() {
        if !seen[i] {
            ctx.error(MISSING_TARGET, format!("State \"{name}\" is not reachable."), child(ptr, name));
        }
    }
}
