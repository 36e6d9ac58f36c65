//! JSONPath in AWS's dialect (Jayway-like): read any path; read and write reference paths.
//!
//! A path starts at `$` (the state input) or `$$` (the context object). Definite paths
//! (names and indexes only) select one value; indefinite ones (wildcards, filters, slices,
//! unions, deep scan) select a list.
//!
//! The text is compiled once into [`Segment`]s; reading a definite path from the input walks
//! borrowed values and allocates nothing.

mod filter;
mod parse;
mod select;
mod write;

use crate::Value;
use crate::{Failure, Scope};
use std::borrow::Cow;

/// A compiled JSONPath.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    text: String,
    root: Root,
    segments: Box<[Segment]>,
    definite: bool,
}

/// Why a path text is not a valid JSONPath (or not a valid reference path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        ParseError { message: message.into() }
    }
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

/// Where a path starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Root {
    /// `$`
    Input,
    /// `$$`
    Context,
    /// `$name`: a workflow variable (`Assign`). [`Scope`] has no variables yet, so reading
    /// one through a scope finds nothing; [`Path::select_in`] reads it from a given value.
    Variable(Box<str>),
}

/// One compiled step of a path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Segment {
    /// `.name` or `['name']`
    Name(Box<str>),
    /// `[3]`, `[-1]` (counted from the end)
    Index(i64),
    /// `.*` or `[*]`
    Wildcard,
    /// `['a','b']`: as the last segment, Jayway merges the members into one object.
    Names(Box<[Box<str>]>),
    /// `[0,2]`
    Indexes(Box<[i64]>),
    /// `[start:end]`, either bound optional, negative counts from the end.
    Slice { start: Option<i64>, end: Option<i64> },
    /// `[?(...)]`
    Filter(Box<filter::Expr>),
    /// `..x`: the inner segment applied at every depth.
    Scan(Box<Segment>),
}

impl Path {
    /// Parses any JSONPath (`$...` or `$$...`), or a variable path (`$name...`).
    pub fn parse(text: &str) -> Result<Path, ParseError> {
        let (root, segments) = parse::parse(text)?;
        let definite = is_definite(&segments);
        Ok(Path { text: text.to_owned(), root, segments: segments.into_boxed_slice(), definite })
    }

    /// Parses a reference path: a definite path (no wildcards, filters, slices, unions or deep
    /// scan), as `InputPath`, `OutputPath`, `ResultPath`, `ItemsPath` and `*Path` fields require.
    pub fn parse_reference(text: &str) -> Result<Path, ParseError> {
        let path = Path::parse(text)?;
        if path.segments.iter().all(|s| matches!(s, Segment::Name(_) | Segment::Index(_))) {
            Ok(path)
        } else {
            Err(ParseError::new(format!(
                "'{text}' is not a reference path: wildcards, filters, slices, unions and deep scan are not allowed"
            )))
        }
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The variable a `$name...` path starts at.
    pub fn variable(&self) -> Option<&str> {
        match &self.root {
            Root::Variable(name) => Some(name),
            _ => None,
        }
    }

    /// Reads the path's segments from `root`, whatever the path starts at (for a variable
    /// path: from the variable's value).
    pub fn select_in<'v>(&self, root: &'v Value) -> Option<Cow<'v, Value>> {
        select::select_borrowed(&self.segments, self.definite, root)
    }

    /// True when the path starts at `$$` (the context object).
    pub fn is_context(&self) -> bool {
        self.root == Root::Context
    }

    /// True when the path selects exactly one node (no wildcard, filter, slice, union, scan).
    pub fn is_definite(&self) -> bool {
        self.definite
    }

    /// True for `$` (or `$$`) alone.
    pub fn is_root(&self) -> bool {
        self.segments.is_empty()
    }

    /// Reads the path. A definite path gives the value, or `None` when it is missing.
    /// An indefinite path gives an array of every match (possibly empty).
    pub fn select<'v>(&self, scope: &Scope<'v>) -> Option<Cow<'v, Value>> {
        match self.root {
            Root::Input => select::select_borrowed(&self.segments, self.definite, scope.input),
            Root::Context => select::select_owned(&self.segments, self.definite, (scope.context)()).map(Cow::Owned),
            Root::Variable(ref name) => {
                let value = scope.variables.get(name)?;
                select::select_borrowed(&self.segments, self.definite, value)
            }
        }
    }

    /// Reads a path as `InputPath`, `OutputPath`, `ItemsPath` and the `*Path` fields do: a
    /// missing value is `States.Runtime` with the cause AWS gives (the text of the Jayway
    /// JsonPath library it uses), e.g. `Invalid path '$.x' : No results for path: $['x']`.
    pub fn select_required<'v>(&self, scope: &Scope<'v>) -> Result<Cow<'v, Value>, Failure> {
        if let Some(value) = self.select(scope) {
            return Ok(value);
        }
        let reason = match self.root {
            Root::Input => select::missing_reason(&self.segments, scope.input),
            Root::Context => select::missing_reason(&self.segments, &(scope.context)()),
            Root::Variable(ref name) => match scope.variables.get(name) {
                Some(value) => select::missing_reason(&self.segments, value),
                None => format!("No results for path: {}", self.text),
            },
        };
        Err(Failure::runtime(format!("Invalid path '{}' : {reason}", self.text)))
    }

    /// Writes `value` at this reference path inside `target` (as `ResultPath` does), creating
    /// objects on the way as needed. `$` replaces the whole target.
    /// Fails with `States.ResultPathMatchFailure` when the path can't be applied.
    pub fn write(&self, target: &mut Value, value: Value) -> Result<(), Failure> {
        if self.root != Root::Input {
            return Err(Failure::new(
                "States.ResultPathMatchFailure",
                format!("Unable to apply ReferencePath {} to input {}", self.text, crate::json::to_string(target)),
            ));
        }
        write::write(&self.text, &self.segments, target, value)
    }
}

impl std::fmt::Display for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Jayway's notion: names and indexes only, plus a multi-name merge as the last segment.
fn is_definite(segments: &[Segment]) -> bool {
    let last = segments.len().saturating_sub(1);
    segments.iter().enumerate().all(|(i, s)| match s {
        Segment::Name(_) | Segment::Index(_) => true,
        Segment::Names(_) => i == last,
        _ => false,
    })
}
