//! The workflow variables each state reads (`DescribeStateMachine`'s `variableReferences`):
//! the `$name` roots in its paths, payload templates, intrinsic functions, Choice rules and
//! JSONata expressions, keyed by state name (states of nested machines included).

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Fields holding one path or an intrinsic function.
const PATH_FIELDS: &[&str] = &[
    "InputPath",
    "OutputPath",
    "ItemsPath",
    "SecondsPath",
    "TimestampPath",
    "ErrorPath",
    "CausePath",
    "MaxConcurrencyPath",
    "ToleratedFailurePercentagePath",
    "ToleratedFailureCountPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
];

/// Fields holding a payload template (or, in JSONata, any JSON with `{% %}` strings).
const TEMPLATE_FIELDS: &[&str] =
    &["Parameters", "ItemSelector", "ResultSelector", "Assign", "Arguments", "Output", "Items", "Condition"];

/// JSONata fields that are a single expression.
const JSONATA_FIELDS: &[&str] =
    &["Seconds", "Timestamp", "Error", "Cause", "MaxConcurrency", "TimeoutSeconds", "HeartbeatSeconds"];

/// The variables each state of `definition` reads, sorted; states that read none are left out.
pub fn variable_references(definition: &Value) -> BTreeMap<String, Vec<String>> {
    let mut found = BTreeMap::new();
    machine(definition, &mut found);
    found
}

fn machine(value: &Value, found: &mut BTreeMap<String, Vec<String>>) {
    let Some(states) = value.get("States").and_then(Value::as_object) else { return };
    for (name, state) in states {
        let mut names = BTreeSet::new();
        state_references(state, &mut names);
        if !names.is_empty() {
            found.insert(name.clone(), names.into_iter().collect());
        }
        for key in ["Iterator", "ItemProcessor"] {
            if let Some(nested) = state.get(key) {
                machine(nested, found);
            }
        }
        for branch in state.get("Branches").and_then(Value::as_array).into_iter().flatten() {
            machine(branch, found);
        }
    }
}

fn state_references(state: &Value, names: &mut BTreeSet<String>) {
    for key in PATH_FIELDS {
        if let Some(Value::String(text)) = state.get(*key) {
            roots(text, names);
        }
    }
    for key in TEMPLATE_FIELDS {
        if let Some(template) = state.get(*key) {
            template_references(template, names);
        }
    }
    for key in JSONATA_FIELDS {
        if let Some(Value::String(text)) = state.get(*key) {
            jsonata(text, names);
        }
    }
    if let Some(reader) = state.get("ItemReader") {
        if let Some(Value::String(text)) = reader.get("ReaderConfig").and_then(|c| c.get("MaxItemsPath")) {
            roots(text, names);
        }
        for key in ["Parameters", "Arguments"] {
            if let Some(template) = reader.get(key) {
                template_references(template, names);
            }
        }
    }
    for rule in state.get("Choices").and_then(Value::as_array).into_iter().flatten() {
        rule_references(rule, names);
    }
    for catcher in state.get("Catch").and_then(Value::as_array).into_iter().flatten() {
        for key in ["Assign", "Output"] {
            if let Some(template) = catcher.get(key) {
                template_references(template, names);
            }
        }
    }
}

/// A Choice rule: `Variable`, the `...Path` comparisons, nested rules, its `Assign`.
fn rule_references(rule: &Value, names: &mut BTreeSet<String>) {
    let Value::Object(map) = rule else { return };
    for (key, value) in map {
        match value {
            Value::String(text) if key == "Variable" || key.ends_with("Path") => roots(text, names),
            Value::String(text) if key == "Condition" => jsonata(text, names),
            Value::Array(rules) if key == "And" || key == "Or" => {
                rules.iter().for_each(|r| rule_references(r, names));
            }
            Value::Object(_) if key == "Not" => rule_references(value, names),
            _ if key == "Assign" || key == "Output" => template_references(value, names),
            _ => {}
        }
    }
}

/// A payload template: the values of `"key.$"` members, and JSONata strings anywhere.
fn template_references(template: &Value, names: &mut BTreeSet<String>) {
    match template {
        Value::Object(map) => {
            for (key, value) in map {
                match value {
                    Value::String(text) if key.ends_with(".$") => roots(text, names),
                    other => template_references(other, names),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| template_references(item, names)),
        Value::String(text) => jsonata(text, names),
        _ => {}
    }
}

/// The `$name` roots of a JSONPath or intrinsic function text (not `$`, `$.x`, `$$`, nor
/// anything inside a quoted string).
fn roots(text: &str, names: &mut BTreeSet<String>) {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut quoted = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && quoted {
            i += 2;
            continue;
        }
        if c == '\'' {
            quoted = !quoted;
        } else if c == '$' && !quoted {
            if chars.get(i + 1) == Some(&'$') {
                i += 2;
                continue;
            }
            let name: String = chars[i + 1..].iter().take_while(|c| c.is_alphanumeric() || **c == '_').collect();
            if !name.is_empty() {
                i += name.chars().count();
                names.insert(name);
            }
        }
        i += 1;
    }
}

/// The variables of a JSONata string (`{% ... %}`): `$name` not called as a function, not
/// `$states`, and not bound in the expression itself (`$name :=`).
fn jsonata(text: &str, names: &mut BTreeSet<String>) {
    let trimmed = text.trim();
    let Some(body) = trimmed.strip_prefix("{%").and_then(|t| t.strip_suffix("%}")) else { return };
    let chars: Vec<char> = body.chars().collect();
    let mut bound = BTreeSet::new();
    let mut used = Vec::new();
    let mut i = 0;
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(q) => {
                if c == '\\' {
                    i += 1;
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '$' => {
                let name: String = chars[i + 1..].iter().take_while(|c| c.is_alphanumeric() || **c == '_').collect();
                let after: String = chars[i + 1 + name.chars().count()..].iter().collect();
                let after = after.trim_start();
                if !name.is_empty() {
                    if after.starts_with(":=") {
                        bound.insert(name.clone());
                    } else if !after.starts_with('(') && name != "states" {
                        used.push(name.clone());
                    }
                }
                i += name.chars().count();
            }
            None => {}
        }
        i += 1;
    }
    names.extend(used.into_iter().filter(|n| !bound.contains(n)));
}

#[cfg(test)]
mod tests {
    use super::variable_references;
    use serde_json::json;

    #[test]
    fn references_come_from_paths_templates_rules_and_nested_states() {
        let definition = json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Parameters": {"lit": "$notRead", "x.$": "States.Format('{} $q', $tpl, $$.Map.Item.Value)"},
                  "Assign": {"y.$": "$.input", "z.$": "$src.field"}, "Next": "C"},
            "C": {"Type": "Choice", "Choices": [{"Not": {"Variable": "$guess", "StringEqualsPath": "$answer"}, "Next": "M"}]},
            "M": {"Type": "Map", "ItemsPath": "$items", "ItemProcessor": {"StartAt": "In", "States": {
                "In": {"Type": "Wait", "SecondsPath": "$wait", "End": true}}}, "End": true},
            "J": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% ($l := 1; $l + $outer + $count($states.input)) %}", "End": true},
            "Plain": {"Type": "Pass", "Result": {"a.$": "$ignored"}, "End": true}}});
        let found = variable_references(&definition);
        let expected =
            json!({"A": ["src", "tpl"], "C": ["answer", "guess"], "M": ["items"], "In": ["wait"], "J": ["outer"]});
        assert_eq!(serde_json::to_value(&found).unwrap(), expected);
    }
}
