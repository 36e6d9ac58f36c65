//! What a parsed expression reads, found once at parse time: the workflow variables, the
//! members of `$states`, the functions it may call, and what AWS rejects at validation
//! (a field reference at the top level, `$$`).

use jsonata_core::ast::{AstNode, BinaryOp, PathStep, Stage};

/// The facts [`analyse`] finds.
#[derive(Debug, Default, Clone)]
pub struct Facts {
    /// Workflow variables read (`$name`), first use first, without duplicates.
    pub variables: Vec<String>,
    /// `$name` read as a value where `name` is also a function (`$count + 1`): a workflow
    /// variable of that name, if there is one, shadows the function, as bindings do in JSONata.
    pub shadowing: Vec<String>,
    /// Names that may be called as functions or passed as function values (`$name(...)`,
    /// `$map(x, $name)`), so that only the host functions used are registered.
    pub names: Vec<String>,
    /// Which members of `$states` are read; `all` when `$states` is read as a whole.
    pub states: States,
    /// What AWS rejects: the first field referenced at the top level.
    pub top_level_field: Option<String>,
    /// `$$` appears.
    pub parent_variable: bool,
}

/// The members of `$states` an expression reads.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct States {
    pub input: bool,
    pub result: bool,
    pub error_output: bool,
    pub context: bool,
}

impl States {
    fn all() -> States {
        States { input: true, result: true, error_output: true, context: true }
    }
    pub fn any(&self) -> bool {
        self.input || self.result || self.error_output || self.context
    }
}

/// Walks the tree once.
pub fn analyse(ast: &AstNode) -> Facts {
    let mut walker = Walker { facts: Facts::default(), scopes: vec![Vec::new()] };
    walker.node(ast, true);
    walker.facts
}

struct Walker {
    facts: Facts,
    /// Names bound by `:=` and lambda parameters, innermost scope last.
    scopes: Vec<Vec<String>>,
}

impl Walker {
    fn bound(&self, name: &str) -> bool {
        self.scopes.iter().any(|scope| scope.iter().any(|n| n == name))
    }

    fn bind(&mut self, name: &str) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.push(name.to_owned());
        }
    }

    fn name(&mut self, name: &str) {
        if !self.facts.names.iter().any(|n| n == name) {
            self.facts.names.push(name.to_owned());
        }
    }

    fn variable(&mut self, name: &str) {
        if name.is_empty() || self.bound(name) {
            return;
        }
        if name == "states" {
            self.facts.states = States::all();
            return;
        }
        self.name(name);
        if is_function_name(name) {
            if !self.facts.shadowing.iter().any(|n| n == name) {
                self.facts.shadowing.push(name.to_owned());
            }
        } else if !self.facts.variables.iter().any(|n| n == name) {
            self.facts.variables.push(name.to_owned());
        }
    }

    /// `top`: the node is evaluated against the expression's root input.
    fn node(&mut self, node: &AstNode, top: bool) {
        match node {
            AstNode::String(_)
            | AstNode::Number(_)
            | AstNode::Boolean(_)
            | AstNode::Null
            | AstNode::Undefined
            | AstNode::Placeholder
            | AstNode::Regex { .. }
            | AstNode::Wildcard
            | AstNode::Descendant
            | AstNode::Parent(_) => {}
            AstNode::Name(name) if top && self.facts.top_level_field.is_none() => {
                self.facts.top_level_field = Some(name.clone());
            }
            AstNode::Name(_) => {}
            AstNode::Variable(name) => self.variable(name),
            AstNode::ParentVariable(_) => self.facts.parent_variable = true,
            AstNode::Path { steps } => self.path(steps, top),
            AstNode::Binary { op: BinaryOp::ColonEqual, lhs, rhs } => {
                self.node(rhs, top);
                if let AstNode::Variable(name) = &**lhs {
                    self.bind(name);
                } else {
                    self.node(lhs, top);
                }
            }
            AstNode::Binary { lhs, rhs, .. } => {
                self.node(lhs, top);
                self.node(rhs, top);
            }
            AstNode::Unary { operand, .. } => self.node(operand, top),
            AstNode::Function { name, args, .. } => {
                if !self.bound(name) {
                    self.name(name);
                    if !is_function_name(name) && !self.facts.variables.iter().any(|n| n == name) {
                        // A workflow variable holding... never a function (variables are
                        // JSON), but reading it is still a reference AWS resolves.
                        self.facts.variables.push(name.clone());
                    }
                }
                args.iter().for_each(|a| self.node(a, top));
            }
            AstNode::Call { procedure, args } => {
                self.node(procedure, top);
                args.iter().for_each(|a| self.node(a, top));
            }
            AstNode::Lambda { params, body, .. } => {
                self.scopes.push(params.clone());
                self.node(body, false);
                self.scopes.pop();
            }
            AstNode::Array(items) | AstNode::ArrayGroup(items) => items.iter().for_each(|i| self.node(i, top)),
            AstNode::Object(pairs) => {
                for (k, v) in pairs {
                    self.node(k, top);
                    self.node(v, top);
                }
            }
            AstNode::ObjectTransform { input, pattern } => {
                self.node(input, top);
                for (k, v) in pattern {
                    self.node(k, false);
                    self.node(v, false);
                }
            }
            AstNode::Block(items) => {
                self.scopes.push(Vec::new());
                items.iter().for_each(|i| self.node(i, top));
                self.scopes.pop();
            }
            AstNode::Conditional { condition, then_branch, else_branch } => {
                self.node(condition, top);
                self.node(then_branch, top);
                if let Some(e) = else_branch {
                    self.node(e, top);
                }
            }
            AstNode::FunctionApplication(inner) => self.node(inner, false),
            AstNode::Sort { input, terms } => {
                self.node(input, top);
                terms.iter().for_each(|(t, _)| self.node(t, false));
            }
            AstNode::Transform { location, update, delete } => {
                self.node(location, false);
                self.node(update, false);
                if let Some(d) = delete {
                    self.node(d, false);
                }
            }
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }

    fn path(&mut self, steps: &[PathStep], top: bool) {
        if let [first, rest @ ..] = steps {
            if matches!(&first.node, AstNode::Variable(n) if n == "states") && !self.bound("states") {
                match rest.first().map(|s| &s.node) {
                    Some(AstNode::Name(member)) if first.stages.is_empty() => match member.as_str() {
                        "input" => self.facts.states.input = true,
                        "result" => self.facts.states.result = true,
                        "errorOutput" => self.facts.states.error_output = true,
                        "context" => self.facts.states.context = true,
                        _ => {}
                    },
                    _ => self.facts.states = States::all(),
                }
            } else {
                self.node(&first.node, top);
            }
            self.stages(&first.stages);
            for step in rest {
                self.node(&step.node, false);
                self.stages(&step.stages);
            }
        }
    }

    fn stages(&mut self, stages: &[Stage]) {
        for stage in stages {
            if let Stage::Filter(node) = stage {
                self.node(node, false);
            }
        }
    }
}

/// JSONata's built-in functions and AWS's additions: `$name` with one of these names is a
/// function, not a workflow variable.
pub fn is_function_name(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "sum",
        "count",
        "max",
        "min",
        "average",
        "string",
        "substring",
        "substringBefore",
        "substringAfter",
        "lowercase",
        "uppercase",
        "length",
        "trim",
        "pad",
        "match",
        "contains",
        "replace",
        "split",
        "join",
        "formatNumber",
        "formatBase",
        "formatInteger",
        "parseInteger",
        "number",
        "floor",
        "ceil",
        "round",
        "abs",
        "sqrt",
        "power",
        "random",
        "millis",
        "now",
        "fromMillis",
        "toMillis",
        "boolean",
        "not",
        "exists",
        "keys",
        "lookup",
        "append",
        "reverse",
        "shuffle",
        "distinct",
        "zip",
        "sort",
        "each",
        "merge",
        "spread",
        "sift",
        "map",
        "filter",
        "single",
        "reduce",
        "error",
        "assert",
        "type",
        "base64encode",
        "base64decode",
        "encodeUrlComponent",
        "encodeUrl",
        "decodeUrlComponent",
        "decodeUrl",
        "eval",
        "clone",
        "partition",
        "range",
        "hash",
        "uuid",
        "parse",
    ];
    NAMES.contains(&name)
}
