//! The definition read for drawing: each machine's states with their transitions resolved to
//! indexes, nested machines (Parallel branches, Map processors) as children. Lenient: whatever
//! is not the expected shape is skipped, and a transition to no state is dropped.

use crate::labels;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Nested machines deeper than this are not read (a guard against stack exhaustion).
const MAX_DEPTH: usize = 48;

/// One machine: the top level, a Parallel branch, or a Map's item processor.
#[derive(Debug, Default)]
pub(crate) struct Machine {
    pub states: Vec<State>,
    /// The index of the `StartAt` state, when it names one.
    pub start: Option<usize>,
}

#[derive(Debug)]
pub(crate) struct State {
    pub name: String,
    /// The `Type` text as written (empty when missing or not a string).
    pub kind: String,
    /// `End: true`, or a Succeed or Fail state.
    pub end: bool,
    pub transitions: Vec<Transition>,
    /// Parallel branches, or the single item processor of a Map.
    pub children: Vec<Machine>,
}

/// What an edge means; its CSS class is `edge-<class>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    /// From the start marker to `StartAt`.
    Start,
    Next,
    /// A Choice rule's `Next`.
    Choice,
    /// A Choice state's `Default`.
    Default,
    /// A Catch's `Next`.
    Catch,
    /// From an ending state to the end marker.
    End,
}

impl EdgeKind {
    pub fn class(self) -> &'static str {
        match self {
            EdgeKind::Start => "start",
            EdgeKind::Next => "next",
            EdgeKind::Choice => "choice",
            EdgeKind::Default => "default",
            EdgeKind::Catch => "catch",
            EdgeKind::End => "end",
        }
    }
}

#[derive(Debug)]
pub(crate) struct Transition {
    pub to: usize,
    pub kind: EdgeKind,
    /// The short label drawn on the edge, and the full text for its tooltip.
    pub label: Option<(String, String)>,
}

/// Reads a machine object (`{"StartAt": ..., "States": {...}}`); anything else is an empty machine.
pub(crate) fn machine(value: &Value) -> Machine {
    read_machine(value, 0)
}

fn read_machine(value: &Value, depth: usize) -> Machine {
    let Some(states) = value.get("States").and_then(Value::as_object) else { return Machine::default() };
    let names: BTreeMap<&str, usize> = states.keys().enumerate().map(|(i, name)| (name.as_str(), i)).collect();
    let index = |name: &str| names.get(name).copied();
    let start = value.get("StartAt").and_then(Value::as_str).and_then(index);
    let states = states.iter().map(|(name, state)| read_state(name, state, &index, depth)).collect();
    Machine { states, start }
}

fn read_state(name: &str, state: &Value, index: &dyn Fn(&str) -> Option<usize>, depth: usize) -> State {
    let empty = Map::new();
    let fields = state.as_object().unwrap_or(&empty);
    let kind = fields.get("Type").and_then(Value::as_str).unwrap_or_default().to_string();
    let end = fields.get("End").and_then(Value::as_bool).unwrap_or(false) || kind == "Succeed" || kind == "Fail";
    let mut transitions = Vec::new();
    let mut add = |target: Option<&Value>, kind: EdgeKind, label: Option<(String, String)>| {
        if let Some(to) = target.and_then(Value::as_str).and_then(index) {
            transitions.push(Transition { to, kind, label });
        }
    };
    if kind == "Choice" {
        for rule in fields.get("Choices").and_then(Value::as_array).into_iter().flatten() {
            add(rule.get("Next"), EdgeKind::Choice, Some(labels::shorten(&labels::rule(rule))));
        }
        add(fields.get("Default"), EdgeKind::Default, Some(("Default".into(), "Default".into())));
    } else {
        add(fields.get("Next"), EdgeKind::Next, None);
    }
    for catcher in fields.get("Catch").and_then(Value::as_array).into_iter().flatten() {
        add(catcher.get("Next"), EdgeKind::Catch, Some(labels::shorten(&labels::errors(catcher))));
    }
    let mut children = Vec::new();
    if depth < MAX_DEPTH {
        match kind.as_str() {
            "Parallel" => {
                let branches = fields.get("Branches").and_then(Value::as_array);
                children.extend(branches.into_iter().flatten().map(|b| read_machine(b, depth + 1)));
            }
            "Map" => {
                if let Some(processor) = fields.get("ItemProcessor").or_else(|| fields.get("Iterator")) {
                    children.push(read_machine(processor, depth + 1));
                }
            }
            _ => {}
        }
    }
    State { name: name.to_string(), kind, end, transitions, children }
}
