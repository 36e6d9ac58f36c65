//! `stepstone run`: validates a definition, runs it once in-process and prints the outcome.

use super::{files, Failure, RunArgs, EXIT_FAILED, EXIT_USAGE};
use crate::history_json::{history_json, history_table, json_text};
use crate::local::{self, RunOptions, RunResult};
use serde_json::{Map, Value};
use std::sync::Arc;

pub fn run(args: &RunArgs) -> Result<u8, Failure> {
    if !args.time_scale.is_finite() || args.time_scale < 0.0 {
        return Err(Failure::usage(format!("--time-scale must be a number >= 0, not {}", args.time_scale)));
    }
    let text = files::read_text(&args.definition)?;
    let input = files::read_input(&args.input)?;
    let checked = files::check_definition(&text, args.kind.into());
    for d in &checked.warnings {
        eprintln!("warning: {d}");
    }
    if !checked.errors.is_empty() {
        eprintln!("stepstone: invalid definition {}:", args.definition.display());
        for d in &checked.errors {
            eprintln!("{d}");
        }
        return Ok(EXIT_USAGE);
    }
    let Some(machine) = checked.machine else {
        return Err(Failure::usage("the validator returned no state machine and no error"));
    };
    let options =
        RunOptions { time_scale: args.time_scale, history: args.history, name: args.name.clone(), ..RunOptions::default() };
    let result = local::run(Arc::new(machine), expr::Value::from(&input), &options);
    if args.json {
        let text = serde_json::to_string_pretty(&describe_json(&result, args.history)).unwrap_or_default();
        println!("{text}");
    } else {
        if args.history {
            print!("{}", history_table(&result.history));
        }
        print_plain(&result);
    }
    Ok(if result.status == "SUCCEEDED" { 0 } else { EXIT_FAILED })
}

/// Output (pretty JSON) on stdout when the execution succeeded; status, error and cause on
/// stderr otherwise.
fn print_plain(result: &RunResult) {
    if result.status == "SUCCEEDED" {
        let output = result.output.clone().unwrap_or_default();
        println!("{}", expr::json::to_string_pretty(&output));
        return;
    }
    eprintln!("status: {}", result.status);
    if let Some(error) = &result.error {
        eprintln!("error: {error}");
    }
    if let Some(cause) = &result.cause {
        eprintln!("cause: {cause}");
    }
}

/// The outcome shaped like `DescribeExecution` (`output` as JSON text, absent fields omitted),
/// plus `events` in `GetExecutionHistory`'s shape when asked.
pub fn describe_json(result: &RunResult, with_history: bool) -> Value {
    let mut object = Map::new();
    object.insert("status".into(), Value::String(result.status.to_string()));
    if let Some(output) = &result.output {
        object.insert("output".into(), Value::String(json_text(output)));
    }
    if let Some(error) = &result.error {
        object.insert("error".into(), Value::String(error.clone()));
    }
    if let Some(cause) = &result.cause {
        object.insert("cause".into(), Value::String(cause.clone()));
    }
    if with_history {
        object.insert("events".into(), Value::Array(history_json(&result.history)));
    }
    Value::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn describe_json_keeps_output_as_text_and_omits_absent_fields() {
        let ok = RunResult {
            status: "SUCCEEDED",
            output: Some(expr::json!({"a": [1, 2]})),
            error: None,
            cause: None,
            history: vec![],
        };
        assert_eq!(describe_json(&ok, false), json!({"status": "SUCCEEDED", "output": "{\"a\":[1,2]}"}));
        let failed = RunResult {
            status: "FAILED",
            output: None,
            error: Some("E".into()),
            cause: Some("C".into()),
            history: vec![],
        };
        assert_eq!(
            describe_json(&failed, true),
            json!({"status": "FAILED", "error": "E", "cause": "C", "events": []})
        );
    }
}
