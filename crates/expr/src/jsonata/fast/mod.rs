//! The fast path: expressions made only of a common subset of JSONata, compiled at parse time
//! into a small tree ([`Program`]) that is evaluated directly on [`Value`], with no
//! conversion and no jsonata-core `Evaluator`.
//!
//! The subset is what Step Functions definitions mostly use: literals; paths of plain field
//! names from `$states.input`, `$states.result`, `$states.errorOutput`, `$states.context` or a
//! workflow variable; `+ - * / %` and unary `-`; `= != < <= > >=`; `and`, `or`; `&`;
//! `? :`; parentheses; object constructors with literal keys; array constructors; and
//! `$merge`, `$count`, `$sum`, `$exists`, `$boolean`, `$not`, `$string`, `$length`,
//! `$uppercase`, `$lowercase` with one argument.
//!
//! Anything else is refused at compile time, and the expression runs on jsonata-core, which
//! stays the reference. At run time an evaluation bails out ([`Bail`]) whenever it meets a
//! case it does not reproduce exactly (an error of any kind, a non-finite number, a number
//! `$string` would print with rounding, keys JavaScript orders differently): the caller then
//! evaluates with jsonata-core, which gives the exact value or error. A fast evaluation has
//! no side effects, so bailing out at any point is safe.

mod compile;
mod eval;

pub use compile::compile;

use crate::{Str, Value};

/// A compiled expression of the subset.
#[derive(Debug)]
pub struct Program {
    root: Node,
}

/// The fast path cannot give this evaluation's exact result: evaluate with jsonata-core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bail;

/// Where a path starts.
#[derive(Debug)]
enum Root {
    Input,
    Result,
    ErrorOutput,
    Context,
    Variable(Box<str>),
}

#[derive(Debug, Clone, Copy)]
enum Arith {
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
}

#[derive(Debug, Clone, Copy)]
enum Compare {
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

#[derive(Debug, Clone, Copy)]
enum Function {
    Merge,
    Count,
    Sum,
    Exists,
    Boolean,
    Not,
    String,
    Length,
    Uppercase,
    Lowercase,
}

#[derive(Debug)]
enum Node {
    /// A literal, its numbers already as JSON prints them.
    Literal(Value),
    /// `root.k1.k2...` (no keys: the root itself).
    Path {
        root: Root,
        keys: Box<[Str]>,
    },
    Negate(Box<Node>),
    Arith(Arith, Box<Node>, Box<Node>),
    Compare(Compare, Box<Node>, Box<Node>),
    /// `=` (false) or `!=` (true).
    Equal(bool, Box<Node>, Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Concat(Box<Node>, Box<Node>),
    Conditional(Box<Node>, Box<Node>, Option<Box<Node>>),
    /// `(a; b; c)`: every item evaluated, the last one's value.
    Block(Box<[Node]>),
    /// An object constructor: its keys (in a map whose values are placeholders, cloned and
    /// filled in at each evaluation) and a node per key.
    Object(crate::Map, Box<[Node]>),
    /// Items, each with whether it is itself an array constructor (kept as one item) or not
    /// (an array value is spliced in).
    Array(Box<[(Node, bool)]>),
    Call(Function, Box<Node>),
}
