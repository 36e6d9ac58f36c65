//! The typed model of a definition. Transitions are resolved to indexes, paths and templates
//! are compiled, so the interpreter never looks a name up or parses text while it runs.

use expr::choice::Rule;
use expr::Value;
use expr::{jsonata, Expr, Path, Template};
use std::sync::Arc;

/// Index of a state inside its [`Machine`]'s `states`.
pub type StateId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueryLanguage {
    #[default]
    JSONPath,
    JSONata,
}

/// STANDARD or EXPRESS: some integrations are not allowed in EXPRESS machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MachineType {
    #[default]
    Standard,
    Express,
}

/// A whole definition.
#[derive(Debug, Clone)]
pub struct StateMachine {
    pub comment: Option<String>,
    pub version: Option<String>,
    /// The execution's own `TimeoutSeconds`.
    pub timeout_seconds: Option<u64>,
    pub query_language: QueryLanguage,
    /// `StartAt` and `States`.
    pub machine: Arc<Machine>,
}

/// A set of states with a start: the top level, a Parallel branch, or a Map's processor.
#[derive(Debug, Clone)]
pub struct Machine {
    pub comment: Option<String>,
    pub start_at: StateId,
    /// In definition order.
    pub states: Vec<State>,
}

impl Machine {
    pub fn state(&self, id: StateId) -> &State {
        &self.states[id]
    }

    pub fn find(&self, name: &str) -> Option<StateId> {
        self.states.iter().position(|s| s.name == name)
    }
}

/// One state: the fields every type shares, and its type's own.
#[derive(Debug, Clone)]
pub struct State {
    pub name: String,
    pub comment: Option<String>,
    /// The state's own `QueryLanguage`, when it sets one.
    pub query_language: Option<QueryLanguage>,
    /// `InputPath` (every type but Fail).
    pub input_path: PathField,
    /// `OutputPath` (every type but Fail).
    pub output_path: PathField,
    /// `Assign`: the workflow variables the state sets.
    pub assign: Option<Assign>,
    /// JSONata states only: their JSONata fields, compiled. A typed field that such a
    /// field replaces (`Seconds`, `TimeoutSeconds`, ...) holds a neutral placeholder.
    pub jsonata: Option<JsonataFields>,
    pub kind: Kind,
}

/// The fields of a JSONata state, compiled (each may hold literals, `{% %}` expressions or
/// both). A field that is absent takes its default.
#[derive(Debug, Clone, Default)]
pub struct JsonataFields {
    /// Task, Parallel: the task's parameters, or the branches' input (default: the input).
    pub arguments: Option<jsonata::Template>,
    /// Every type but Fail (default: the input, or the result for Task, Parallel and Map).
    pub output: Option<jsonata::Template>,
    /// Map: the items (default: the input).
    pub items: Option<jsonata::Template>,
    /// Map: each item's input.
    pub item_selector: Option<jsonata::Template>,
    /// Fail.
    pub error: Option<jsonata::Template>,
    pub cause: Option<jsonata::Template>,
    /// Wait.
    pub seconds: Option<jsonata::Template>,
    pub timestamp: Option<jsonata::Template>,
    /// Task.
    pub timeout_seconds: Option<jsonata::Template>,
    pub heartbeat_seconds: Option<jsonata::Template>,
    /// Map.
    pub max_concurrency: Option<jsonata::Template>,
}

impl JsonataFields {
    /// The AWS field names and where each is kept.
    pub const FIELDS: [&'static str; 11] = [
        "Arguments",
        "Output",
        "Items",
        "ItemSelector",
        "Error",
        "Cause",
        "Seconds",
        "Timestamp",
        "TimeoutSeconds",
        "HeartbeatSeconds",
        "MaxConcurrency",
    ];

    pub fn slot(&mut self, field: &str) -> Option<&mut Option<jsonata::Template>> {
        Some(match field {
            "Arguments" => &mut self.arguments,
            "Output" => &mut self.output,
            "Items" => &mut self.items,
            "ItemSelector" => &mut self.item_selector,
            "Error" => &mut self.error,
            "Cause" => &mut self.cause,
            "Seconds" => &mut self.seconds,
            "Timestamp" => &mut self.timestamp,
            "TimeoutSeconds" => &mut self.timeout_seconds,
            "HeartbeatSeconds" => &mut self.heartbeat_seconds,
            "MaxConcurrency" => &mut self.max_concurrency,
            _ => return None,
        })
    }
}

/// `Assign`: the workflow variables a state (or a Choice rule, or a catcher) sets.
#[derive(Debug, Clone, PartialEq)]
pub enum Assign {
    /// JSONPath mode: a payload template (`"name.$": "$.path"`); `$` is the state's result.
    JsonPath(Template),
    /// JSONata mode: an object whose values may be `{% %}` expressions.
    Jsonata(jsonata::Template),
}

/// An optional path field whose absence and `null` mean different things
/// (`InputPath`, `OutputPath`, `ResultPath`, `ItemsPath`).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum PathField {
    /// Not written: behaves as `$`.
    #[default]
    Default,
    /// Written as `null`.
    Null,
    Path(Path),
}

/// Where a state goes when it is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Next(StateId),
    End,
}

/// A number given literally or by a reference path (`TimeoutSeconds`/`TimeoutSecondsPath`).
#[derive(Debug, Clone, PartialEq)]
pub enum Count {
    Value(u64),
    Path(Path),
}

#[derive(Debug, Clone)]
pub enum Kind {
    Pass(Pass),
    Task(Task),
    Choice(Choice),
    Wait(Wait),
    Succeed,
    Fail(Fail),
    Parallel(Parallel),
    Map(Map),
}

impl Kind {
    /// The `Type` as written in ASL.
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::Pass(_) => "Pass",
            Kind::Task(_) => "Task",
            Kind::Choice(_) => "Choice",
            Kind::Wait(_) => "Wait",
            Kind::Succeed => "Succeed",
            Kind::Fail(_) => "Fail",
            Kind::Parallel(_) => "Parallel",
            Kind::Map(_) => "Map",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Pass {
    pub result: Option<Value>,
    pub parameters: Option<Template>,
    pub result_path: PathField,
    pub transition: Transition,
}

#[derive(Debug, Clone)]
pub struct Task {
    pub resource: String,
    pub parameters: Option<Template>,
    pub result_selector: Option<Template>,
    pub result_path: PathField,
    /// `TimeoutSeconds` / `TimeoutSecondsPath`.
    pub timeout: Option<Count>,
    /// `HeartbeatSeconds` / `HeartbeatSecondsPath`.
    pub heartbeat: Option<Count>,
    /// `Credentials`, kept as written.
    pub credentials: Option<Value>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
    pub transition: Transition,
}

#[derive(Debug, Clone)]
pub struct Choice {
    pub choices: Vec<ChoiceBranch>,
    pub default: Option<StateId>,
}

/// A top-level Choice rule with its `Next`.
#[derive(Debug, Clone)]
pub struct ChoiceBranch {
    /// The JSONPath rule. For a JSONata rule it is an empty `And` and `condition` holds it.
    pub rule: Rule,
    pub next: StateId,
    /// The rule's own `Assign`, used when the rule matches.
    pub assign: Option<Assign>,
    /// JSONata rules: `Condition`.
    pub condition: Option<jsonata::Template>,
    /// JSONata rules: `Output`, used when the rule matches.
    pub output: Option<jsonata::Template>,
}

#[derive(Debug, Clone)]
pub struct Wait {
    pub until: WaitFor,
    pub transition: Transition,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WaitFor {
    Seconds(u64),
    /// A literal RFC 3339 `Timestamp`, as epoch milliseconds.
    Timestamp(i64),
    SecondsPath(Path),
    TimestampPath(Path),
}

#[derive(Debug, Clone)]
pub struct Fail {
    /// `Error` or `ErrorPath`.
    pub error: Option<Text>,
    /// `Cause` or `CausePath`.
    pub cause: Option<Text>,
}

/// A string given literally, or by a path or intrinsic call (`ErrorPath`, `CausePath`).
#[derive(Debug, Clone, PartialEq)]
pub enum Text {
    Literal(String),
    Expr(Expr),
}

#[derive(Debug, Clone)]
pub struct Parallel {
    /// Shared, so that a running branch can hold its machine cheaply.
    pub branches: Vec<Arc<Machine>>,
    pub parameters: Option<Template>,
    pub result_selector: Option<Template>,
    pub result_path: PathField,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
    pub transition: Transition,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProcessorMode {
    #[default]
    Inline,
    Distributed,
}

#[derive(Debug, Clone)]
pub struct Map {
    /// `ItemProcessor`, or the older `Iterator`.
    /// Shared, so that a running iteration can hold its machine cheaply.
    pub processor: Arc<Machine>,
    pub mode: ProcessorMode,
    /// `ProcessorConfig.ExecutionType` (distributed only), as written.
    pub execution_type: Option<String>,
    pub items_path: PathField,
    /// `ItemSelector`, or the older `Parameters`.
    pub item_selector: Option<Template>,
    /// `MaxConcurrency` / `MaxConcurrencyPath`; 0 means no limit.
    pub max_concurrency: Option<Count>,
    pub result_selector: Option<Template>,
    pub result_path: PathField,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
    pub transition: Transition,
    /// Distributed-only settings, kept as written.
    pub label: Option<String>,
    pub item_reader: Option<Value>,
    pub item_batcher: Option<Value>,
    pub result_writer: Option<Value>,
    pub tolerated_failure_percentage: Option<Value>,
    pub tolerated_failure_count: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Jitter {
    #[default]
    None,
    Full,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Retrier {
    pub error_equals: Vec<String>,
    /// Default 1.
    pub interval_seconds: u64,
    /// Default 3.
    pub max_attempts: u64,
    /// Default 2.0.
    pub backoff_rate: f64,
    pub max_delay_seconds: Option<u64>,
    pub jitter: Jitter,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Catcher {
    pub error_equals: Vec<String>,
    pub next: StateId,
    pub result_path: PathField,
    /// The catcher's `Assign`, used instead of the state's when the catcher matches.
    pub assign: Option<Assign>,
    /// JSONata catchers: `Output` (default: the error output).
    pub output: Option<jsonata::Template>,
}
