//! Loading the AWS-recorded cases, choosing those the local engine can run, and the list of
//! known failures.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Categories whose selected cases must all pass (or be listed as known failures).
pub const REQUIRED: &[&str] = &[
    "choice",
    "pass",
    "fail",
    "intrinsic",
    "paths",
    "wait",
    "parallel",
    "context_object",
    "errors",
    "map",
    "invalid_definition",
    "jsonata",
    "variables",
];

/// One case file, kept as JSON.
#[derive(Debug, Clone)]
pub struct Case {
    pub id: String,
    pub category: String,
    pub json: Value,
}

impl Case {
    pub fn required(&self) -> bool {
        REQUIRED.contains(&self.category.as_str())
    }

    pub fn extra_wildcards(&self) -> Vec<String> {
        self.json
            .get("extra_wildcards")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// The recorded history event types (empty when none was recorded).
    pub fn history(&self) -> Vec<String> {
        self.json
            .get("history")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    }

    pub fn history_is_multiset(&self) -> bool {
        self.json.get("history_order").and_then(Value::as_str) == Some("multiset")
    }

    /// Runs without anything external (`needs == ["none"]`), in either query language.
    pub fn selectable(&self) -> bool {
        let needs_none = self
            .json
            .get("needs")
            .and_then(Value::as_array)
            .is_some_and(|n| n.len() == 1 && n[0].as_str() == Some("none"));
        needs_none
    }
}

/// Where the cases are: `$STEPSTONE_CONFORMANCE_CASES`, else `shared/` beside the repository.
pub fn cases_dir() -> PathBuf {
    match std::env::var_os("STEPSTONE_CONFORMANCE_CASES") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/cases/localstack"),
    }
}

/// Every case file in `dir`, sorted by category then id.
pub fn load(dir: &Path) -> Result<Vec<Case>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut cases = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let json: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let field = |k: &str| json.get(k).and_then(Value::as_str).map(str::to_string);
        let id = field("id").ok_or_else(|| format!("{}: no id", path.display()))?;
        let category = field("category").unwrap_or_else(|| "other".into());
        cases.push(Case { id, category, json });
    }
    cases.sort_by(|a, b| (&a.category, &a.id).cmp(&(&b.category, &b.id)));
    Ok(cases)
}

/// `known_failures.txt`: one case id a line, then `# reason`; blank lines and comment lines
/// are ignored. Returns id -> reason.
pub fn known_failures(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (id, reason) = match line.split_once('#') {
            Some((id, reason)) => (id.trim(), reason.trim()),
            None => (line, ""),
        };
        if reason.is_empty() {
            return Err(format!("known_failures.txt line {}: {id} has no `# reason`", n + 1));
        }
        if out.insert(id.to_string(), reason.to_string()).is_some() {
            return Err(format!("known_failures.txt line {}: {id} is listed twice", n + 1));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn case(json: Value) -> Case {
        Case { id: "x".into(), category: "pass".into(), json }
    }

    #[test]
    fn selection_is_the_cases_that_need_nothing_external() {
        let def = json!({"StartAt": "A", "States": {}});
        assert!(case(json!({"needs": ["none"], "tags": ["pass"], "definition": def})).selectable());
        assert!(!case(json!({"needs": ["lambda"], "tags": [], "definition": def})).selectable());
        assert!(!case(json!({"needs": ["none", "lambda"], "tags": [], "definition": def})).selectable());
        let jsonata = json!({"QueryLanguage": "JSONata", "StartAt": "A", "States": {}});
        assert!(case(json!({"needs": ["none"], "tags": ["jsonata"], "definition": jsonata})).selectable());
    }

    #[test]
    fn known_failures_need_reasons() {
        let list = known_failures("# header\n\na_case  # engine lacks X\nb # y\n").expect("valid list");
        assert_eq!(list.len(), 2);
        assert_eq!(list["a_case"], "engine lacks X");
        assert!(known_failures("a_case\n").is_err());
        assert!(known_failures("a # r\na # r\n").is_err());
    }
}
