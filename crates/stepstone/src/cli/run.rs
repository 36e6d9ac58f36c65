//! `stepstone run`: validates a definition, runs it once in-process and prints the outcome.

use super::{files, Failure, RunArgs, EXIT_FAILED, EXIT_USAGE};
use crate::history_json::{history_json, history_table, json_text};
use crate::invoke::{self, Functions, Mocks};
use crate::local::{self, Invoker, RunOptions, RunResult};
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
    let invoker = invoker(args)?;
    let options = RunOptions { time_scale: args.time_scale, history: args.history, name: args.name.clone(), invoker };
    let result = local::run(Arc::new(machine), expr::Value::from(&input), &options);
    if args.json {
        let text = serde_json::to_string_pretty(&describe_json(&result, args.history)).unwrap_or_default();
        out(&format!("{text}\n"));
    } else {
        if args.history {
            out(&history_table(&result.history));
        }
        print_plain(&result);
    }
    Ok(if result.status == "SUCCEEDED" { 0 } else { EXIT_FAILED })
}

/// The Task invoker that `--mock-config`/`--test-case` and `--function` ask for (None when
/// neither is given). The mock file is checked in full here, before anything runs.
fn invoker(args: &RunArgs) -> Result<Option<Arc<dyn Invoker>>, Failure> {
    let config = crate::config::Config::load(args.config.as_deref()).map_err(Failure::usage)?;
    let configured = config.functions().map_err(Failure::usage)?;
    let functions = Functions::new(&args.functions, configured).map_err(Failure::usage)?;
    let env_config = std::env::var_os("SFN_MOCK_CONFIG").filter(|v| !v.is_empty()).map(std::path::PathBuf::from);
    let mocks = match (args.mock_config.as_ref().or(env_config.as_ref()), &args.test_case) {
        (Some(path), Some(case)) => {
            let text = files::read_text(path)?;
            let stem = definition_stem(&args.definition);
            let mocks = Mocks::parse(&text, args.state_machine.as_deref(), &stem, case)
                .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
            Some(mocks)
        }
        // --mock-config requires --test-case (clap checks it); SFN_MOCK_CONFIG alone runs
        // unmocked, as Step Functions Local does for an execution without a test case.
        (Some(_), None) => None,
        (None, Some(_)) => return Err(Failure::usage("--test-case needs --mock-config (or SFN_MOCK_CONFIG)")),
        (None, None) => None,
    };
    let connections = config.connections().map_err(Failure::usage)?;
    let http = match connections.is_empty() {
        true => None,
        false => Some(invoke::http::Http::new(connections).map_err(Failure::usage)?),
    };
    if mocks.is_none() && functions.is_empty() && http.is_none() {
        return Ok(None);
    }
    Ok(Some(Arc::new(invoke::Local { mocks, functions, http })))
}

/// The definition file's name without its extensions (`order.asl.json` -> `order`).
fn definition_stem(path: &std::path::Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    match name.split_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
        _ => name,
    }
}

/// Writes to stdout; a closed pipe (`stepstone run ... | head`) is not an error.
fn out(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Output (pretty JSON) on stdout when the execution succeeded; status, error and cause on
/// stderr otherwise.
fn print_plain(result: &RunResult) {
    if result.status == "SUCCEEDED" {
        let output = result.output.clone().unwrap_or_default();
        out(&format!("{}\n", expr::json::to_string_pretty(&output)));
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
        assert_eq!(describe_json(&failed, true), json!({"status": "FAILED", "error": "E", "cause": "C", "events": []}));
    }
}
