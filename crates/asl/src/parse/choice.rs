//! The Choice state and its rules (JSONPath comparisons and combinators, JSONata conditions).

use super::paths::{self, PathKind};
use super::state::{timestamp_millis, Cx};
use super::util::{child, index, is_jsonata, Ctx, Obj};
use super::Scope;
use crate::{Choice, ChoiceBranch, Kind};
use expr::choice::{Op, Operand, Rule};
use serde_json::Value;

pub(crate) fn choice(ctx: &mut Ctx, scope: &mut Scope, cx: &Cx) -> Option<Kind> {
    let obj = cx.obj;
    obj.require(ctx, &["Choices"]);
    let default = if obj.has("Default") { Some(scope.target(ctx, obj, "Default")) } else { None };
    let list = obj.array(ctx, "Choices")?;
    let ptr = obj.at("Choices");
    if list.is_empty() {
        ctx.schema("Value cannot be empty", ptr.as_str());
        return None;
    }
    let mut branches = Vec::with_capacity(list.len());
    let mut ok = true;
    for (i, value) in list.iter().enumerate() {
        let at = index(&ptr, i);
        match branch(ctx, scope, cx, value, &at, i) {
            Some(b) => branches.push(b),
            None => ok = false,
        }
    }
    let default = match default {
        Some(d) => Some(d?),
        None => None,
    };
    ok.then_some(Kind::Choice(Choice { choices: branches, default }))
}

/// A top-level rule: a rule plus `Next` (and `Assign`, `Output` in JSONata).
fn branch(ctx: &mut Ctx, scope: &mut Scope, cx: &Cx, value: &Value, ptr: &str, i: usize) -> Option<ChoiceBranch> {
    let Value::Object(map) = value else {
        ctx.schema("Expected value of type Object", ptr);
        return None;
    };
    let obj = Obj::new(map, ptr);
    let before = ctx.error_count();
    let next = if obj.require(ctx, &["Next"]) { scope.target(ctx, obj, "Next") } else { None };
    if cx.jsonata() {
        obj.only(ctx, &["Condition", "Next", "Assign", "Output", "Comment"]);
        obj.require(ctx, &["Condition"]);
        if let Some(c) = obj.get("Condition") {
            if !(is_jsonata(c) || c.is_boolean()) {
                ctx.schema("The value for the field 'Condition' must be a JSONata expression", obj.at("Condition"));
            }
        }
        if ctx.error_count() != before {
            return None;
        }
        let rule_field = |name: &str| format!("Choices[{i}]/{name}");
        let condition = obj
            .get("Condition")
            .and_then(|c| paths::jsonata_template(ctx, c, &obj.at("Condition"), &rule_field("Condition"), false));
        let output = obj
            .get("Output")
            .and_then(|o| paths::jsonata_template(ctx, o, &obj.at("Output"), &rule_field("Output"), false));
        let assign = obj
            .get("Assign")
            .and_then(|a| paths::jsonata_template(ctx, a, &obj.at("Assign"), &rule_field("Assign"), false))
            .map(crate::Assign::Jsonata);
        return Some(ChoiceBranch { rule: Rule::And(Vec::new()), next: next?, assign, condition, output });
    }
    let assign = paths::assign(ctx, obj, false, false);
    let rule = rule(ctx, obj, true);
    if ctx.error_count() != before {
        return None;
    }
    Some(ChoiceBranch { rule: rule?, next: next?, assign, condition: None, output: None })
}

/// A rule: a comparison (`Variable` and one operator) or one of `And`, `Or`, `Not`.
fn rule(ctx: &mut Ctx, obj: Obj, top: bool) -> Option<Rule> {
    let mut ops = Vec::new();
    let mut combinators = Vec::new();
    for key in obj.map.keys() {
        let key = key.as_str();
        match key {
            "And" | "Or" | "Not" => combinators.push(key),
            "Variable" | "Comment" => {}
            "Next" | "Assign" if top => {}
            _ => match Op::from_field(key) {
                Some((op, is_path)) => ops.push((key, op, is_path)),
                None => ctx.schema(format!("Field '{key}' is not supported"), obj.ptr),
            },
        }
    }
    obj.str(ctx, "Comment");
    match (combinators.as_slice(), ops.as_slice()) {
        ([], [(key, op, is_path)]) => {
            if !obj.require(ctx, &["Variable"]) {
                return None;
            }
            let variable = paths::path(ctx, obj, "Variable", PathKind::Any);
            let operand = operand(ctx, obj, key, *op, *is_path);
            Some(Rule::Compare { variable: variable?, op: *op, operand: operand? })
        }
        ([combinator], []) => {
            if obj.has("Variable") {
                ctx.schema("Field 'Variable' is not supported", obj.ptr);
            }
            let ptr = obj.at(combinator);
            let value = obj.get(combinator)?;
            if *combinator == "Not" {
                let Value::Object(map) = value else {
                    ctx.schema("Expected value of type Object", ptr);
                    return None;
                };
                let inner = rule(ctx, Obj::new(map, &ptr), false)?;
                return Some(Rule::Not(Box::new(inner)));
            }
            let Value::Array(list) = value else {
                ctx.schema("Expected value of type Array", ptr);
                return None;
            };
            if list.is_empty() {
                ctx.schema("Value cannot be empty", ptr);
                return None;
            }
            let mut rules = Vec::with_capacity(list.len());
            for (i, item) in list.iter().enumerate() {
                let at = index(&ptr, i);
                let Value::Object(map) = item else {
                    ctx.schema("Expected value of type Object", at);
                    continue;
                };
                if let Some(r) = rule(ctx, Obj::new(map, &at), false) {
                    rules.push(r);
                }
            }
            if rules.len() != list.len() {
                return None;
            }
            Some(if *combinator == "And" { Rule::And(rules) } else { Rule::Or(rules) })
        }
        ([], []) => {
            ctx.schema("A choice rule needs a comparison operator or one of [And, Or, Not]", obj.ptr);
            None
        }
        _ => {
            ctx.schema("A choice rule may have only one comparison operator or one of [And, Or, Not]", obj.ptr);
            None
        }
    }
}

/// The operand of a comparison, checked against the operator's type.
fn operand(ctx: &mut Ctx, obj: Obj, key: &str, op: Op, is_path: bool) -> Option<Operand> {
    if is_path {
        return paths::path(ctx, obj, key, PathKind::Any).map(Operand::Path);
    }
    let value = obj.get(key)?;
    let ptr = child(obj.ptr, key);
    let name = op.name();
    let ok = if name.starts_with("String") {
        value.is_string()
    } else if name.starts_with("Numeric") {
        value.is_number()
    } else if name.starts_with("Boolean") || name.starts_with("Is") {
        value.is_boolean()
    } else if name.starts_with("Timestamp") {
        match value.as_str() {
            Some(s) if timestamp_millis(s).is_some() => true,
            Some(_) => {
                ctx.schema("String does not match RFC3339 timestamp", ptr);
                return None;
            }
            None => false,
        }
    } else {
        true
    };
    if !ok {
        let expected = if name.starts_with("Numeric") {
            "Number"
        } else if name.starts_with("Boolean") || name.starts_with("Is") {
            "Boolean"
        } else {
            "String"
        };
        ctx.schema(format!("Expected value of type {expected}"), ptr);
        return None;
    }
    Some(Operand::Value(expr::Value::from(value)))
}
