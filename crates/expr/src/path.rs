//! JSONPath in AWS's dialect (Jayway-like): read any path; read and write reference paths.
//!
//! A path starts at `$` (the state input) or `$$` (the context object). Definite paths
//! (names and indexes only) select one value; indefinite ones (wildcards, filters, slices,
//! unions, deep scan) select a list.

use crate::{Failure, Scope};
use serde_json::Value;
use std::borrow::Cow;

/// A compiled JSONPath.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    text: String,
    // implementation: compiled segments
}

/// Why a path text is not a valid JSONPath (or not a valid reference path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
}

impl Path {
    /// Parses any JSONPath (`$...` or `$$...`).
    pub fn parse(text: &str) -> Result<Path, ParseError> {
        todo!("{text}")
    }

    /// Parses a reference path: a definite path (no wildcards, filters, slices, unions or deep
    /// scan), as `InputPath`, `OutputPath`, `ResultPath`, `ItemsPath` and `*Path` fields require.
    pub fn parse_reference(text: &str) -> Result<Path, ParseError> {
        todo!("{text}")
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// True when the path starts at `$$` (the context object).
    pub fn is_context(&self) -> bool {
        todo!()
    }

    /// True when the path selects exactly one node (no wildcard, filter, slice, union, scan).
    pub fn is_definite(&self) -> bool {
        todo!()
    }

    /// Reads the path. A definite path gives the value, or `None` when it is missing.
    /// An indefinite path gives an array of every match (possibly empty).
    pub fn select<'v>(&self, scope: &Scope<'v>) -> Option<Cow<'v, Value>> {
        let _ = scope;
        todo!()
    }

    /// Writes `value` at this reference path inside `target` (as `ResultPath` does), creating
    /// objects on the way as needed. `$` replaces the whole target.
    /// Fails with `States.ResultPathMatchFailure` when the path can't be applied.
    pub fn write(&self, target: &mut Value, value: Value) -> Result<(), Failure> {
        let _ = (target, value);
        todo!()
    }
}
