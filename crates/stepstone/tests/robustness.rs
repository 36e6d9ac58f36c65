//! No panic on user input: every recorded definition of the conformance corpus, and a few
//! hundred deterministic mutations of them (a field removed, a value of the wrong type), go
//! through the validator and, when valid, through an execution on several inputs. Whatever
//! they are, the answer is diagnostics or an execution result, never a panic.

use expr::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::Arc;
use stepstone::local::{self, RunOptions};

/// Values that replace a field in the mutations.
fn replacements() -> Vec<serde_json::Value> {
    serde_json::from_str(r#"[null, 0, -1, 1.5, "", "$", "$.x", "{% $x %}", [], {}, true]"#).unwrap_or_default()
}

/// The definition with one change at `n` (a deterministic walk over the states' fields).
fn mutate(definition: &serde_json::Value, n: usize) -> Option<serde_json::Value> {
    let mut out = definition.clone();
    let states = out.get_mut("States")?.as_object_mut()?;
    let names: Vec<String> = states.keys().cloned().collect();
    let name = names.get(n % names.len().max(1))?;
    let state = states.get_mut(name)?.as_object_mut()?;
    let keys: Vec<String> = state.keys().cloned().collect();
    let key = keys.get((n / names.len().max(1)) % keys.len().max(1))?.clone();
    let replacements = replacements();
    let choice = n % (replacements.len() + 1);
    match replacements.get(choice) {
        None => {
            state.remove(&key);
        }
        Some(value) => {
            state.insert(key, value.clone());
        }
    }
    Some(out)
}

fn exercise(definition: &serde_json::Value, input: &Value) -> Result<(), String> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let parsed = asl::parse(definition, asl::MachineType::Standard);
        if let Some(machine) = parsed.machine {
            let options = RunOptions { time_scale: 0.0, history: true, ..RunOptions::default() };
            let machine = Arc::new(machine);
            for input in [input.clone(), Value::Null, expr::json!([1, "a", {"x": null}])] {
                local::run(machine.clone(), input, &options);
            }
        }
    }));
    outcome.map_err(|_| format!("panic on {definition}"))
}

#[test]
fn no_definition_or_input_makes_the_engine_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/cases/localstack");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "no conformance cases at {}", dir.display());
        eprintln!("SKIPPED: no conformance cases at {}", dir.display());
        return;
    };
    let mut files: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    let (mut runs, mut panics) = (0, Vec::new());
    // Silence the panic messages; they are counted below.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else { continue };
        let Ok(case) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
        let definition = match case.get("definition") {
            Some(serde_json::Value::String(text)) => serde_json::from_str(text).unwrap_or(serde_json::Value::Null),
            Some(d) => d.clone(),
            None => continue,
        };
        let input: Value =
            case.get("input").and_then(|i| i.as_str()).and_then(|t| expr::json::from_str(t).ok()).unwrap_or_default();
        for n in 0..12 {
            let candidate = if n == 0 { Some(definition.clone()) } else { mutate(&definition, n * 7 + 3) };
            let Some(candidate) = candidate else { continue };
            runs += 1;
            if let Err(e) = exercise(&candidate, &input) {
                panics.push(e);
            }
        }
    }
    std::panic::set_hook(hook);
    assert!(runs > 1000, "only {runs} definitions exercised");
    assert!(
        panics.is_empty(),
        "{} of {runs} definitions panicked; first: {}",
        panics.len(),
        &panics[0][..panics[0].len().min(600)]
    );
}
