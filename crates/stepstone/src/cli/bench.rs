//! `stepstone bench`: runs the benchmark workloads in-process on one thread (no history, waits
//! skipped), checks each output and prints state transitions per second.

use super::{files, BenchArgs, Failure, EXIT_FAILED};
use crate::local::{self, RunOptions};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One entry of `manifest.json`.
pub(super) struct Workload {
    pub id: String,
    pub name: String,
    pub definition: PathBuf,
    pub input: PathBuf,
    pub expected: PathBuf,
    pub transitions: u64,
}

/// What one workload measured.
struct Measured {
    runs: u64,
    elapsed: Duration,
    problem: Option<String>,
}

pub fn bench(args: &BenchArgs) -> Result<u8, Failure> {
    if !args.seconds.is_finite() || args.seconds <= 0.0 {
        return Err(Failure::usage(format!("--seconds must be a number > 0, not {}", args.seconds)));
    }
    let workloads = find_workloads(args.dir.as_deref(), args.workload.as_deref())?;
    println!("{:<16} {:>8} {:>12} {:>16}  note", "workload", "runs", "transitions", "transitions/s");
    let mut failed = false;
    for w in &workloads {
        let m = measure(w, Duration::from_secs_f64(args.seconds), args.history)?;
        let per_second = (m.runs * w.transitions) as f64 / m.elapsed.as_secs_f64().max(1e-9);
        let mut note = String::new();
        if w.id == "W6" || w.name == "wait" {
            note.push_str("waits skipped (time scale 0): measures overhead, not timer latency");
        }
        if let Some(problem) = &m.problem {
            failed = true;
            note = format!("WRONG OUTPUT: {problem}");
        }
        println!(
            "{:<16} {:>8} {:>12} {:>16.0}  {note}",
            format!("{} {}", w.id, w.name),
            m.runs,
            w.transitions,
            per_second
        );
    }
    let history = if args.history { "on" } else { "off" };
    println!("one thread, in-process, history {history}; machine: {} cores", available_cores());
    Ok(if failed { EXIT_FAILED } else { 0 })
}

/// The workloads of `dir` (default: the shared ones, then the repository's own), only
/// `wanted` if given: its id (`W1`), name (`hello`) or both (`W1_hello`).
pub(super) fn find_workloads(dir: Option<&Path>, wanted: Option<&str>) -> Result<Vec<Workload>, Failure> {
    let dirs = match dir {
        Some(d) => vec![d.to_path_buf()],
        None => {
            let mut dirs = vec![default_dir()?];
            dirs.extend(own_dir());
            dirs
        }
    };
    let mut workloads = Vec::new();
    for dir in &dirs {
        workloads.extend(manifest(dir)?);
    }
    if let Some(wanted) = wanted {
        workloads.retain(|w| {
            w.id.eq_ignore_ascii_case(wanted)
                || w.name.eq_ignore_ascii_case(wanted)
                || format!("{}_{}", w.id, w.name).eq_ignore_ascii_case(wanted)
        });
        if workloads.is_empty() {
            let places: Vec<String> = dirs.iter().map(|d| d.join("manifest.json").display().to_string()).collect();
            return Err(Failure::usage(format!("no workload {wanted} in {}", places.join(" or "))));
        }
    }
    Ok(workloads)
}

fn available_cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// The repository's own workloads (`bench/workloads`: the JSONata ones), from the current
/// directory or beside the sources this binary was built from.
fn own_dir() -> Option<PathBuf> {
    let relative = Path::new("bench/workloads");
    let candidates = [relative.to_path_buf(), Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative)];
    candidates.into_iter().find(|p| p.join("manifest.json").is_file())
}

/// `../shared/bench/workloads` from the current directory (the repository root), else beside
/// the repository this binary was built from.
fn default_dir() -> Result<PathBuf, Failure> {
    let relative = Path::new("../shared/bench/workloads");
    let candidates = [relative.to_path_buf(), Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative)];
    candidates
        .iter()
        .find(|p| p.join("manifest.json").is_file())
        .cloned()
        .ok_or_else(|| Failure::usage("no workloads found at ../shared/bench/workloads; give --dir"))
}

fn manifest(dir: &Path) -> Result<Vec<Workload>, Failure> {
    let path = dir.join("manifest.json");
    let text = files::read_text(&path)?;
    let bad = |why: &str| Failure::usage(format!("{}: {why}", path.display()));
    let value: Value = serde_json::from_str(&text).map_err(|e| bad(&e.to_string()))?;
    let list = value.get("workloads").and_then(Value::as_array).ok_or_else(|| bad("no \"workloads\" list"))?;
    let mut out = Vec::new();
    for entry in list {
        let field = |key: &str| -> Result<String, Failure> {
            entry
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| bad(&format!("a workload without \"{key}\"")))
        };
        out.push(Workload {
            id: field("id")?,
            name: field("name")?,
            definition: dir.join(field("definition")?),
            input: dir.join(field("input")?),
            expected: dir.join(field("expected")?),
            transitions: entry
                .get("transitions")
                .and_then(Value::as_u64)
                .ok_or_else(|| bad("a workload without \"transitions\""))?,
        });
    }
    Ok(out)
}

fn read_json(path: &Path) -> Result<Value, Failure> {
    let text = files::read_text(path)?;
    serde_json::from_str(&text).map_err(|e| Failure::usage(format!("{} is not valid JSON: {e}", path.display())))
}

/// Runs one workload repeatedly for about `budget` (at least once) and checks the last output.
fn measure(w: &Workload, budget: Duration, history: bool) -> Result<Measured, Failure> {
    let text = files::read_text(&w.definition)?;
    let input = read_json(&w.input)?;
    let expected = read_json(&w.expected)?;
    let checked = files::check_definition(&text, asl::MachineType::Standard);
    let Some(machine) = checked.machine.filter(|_| checked.errors.is_empty()) else {
        let first = checked.errors.first().map(ToString::to_string).unwrap_or_default();
        return Err(Failure::usage(format!("{}: invalid definition: {first}", w.definition.display())));
    };
    let machine = Arc::new(machine);
    let options = RunOptions { time_scale: 0.0, history, name: None, ..RunOptions::default() };
    let input = expr::Value::from(&input);
    // The first run is checked; the timed ones that follow only run.
    let problem = check(&local::run(machine.clone(), input.clone(), &options), &expected);
    let mut runs = 0;
    let started = Instant::now();
    loop {
        local::run(machine.clone(), input.clone(), &options);
        runs += 1;
        if started.elapsed() >= budget {
            break;
        }
    }
    Ok(Measured { runs, elapsed: started.elapsed(), problem })
}

fn check(result: &local::RunResult, expected: &Value) -> Option<String> {
    if result.status != "SUCCEEDED" {
        return Some(format!("status {} error {:?} cause {:?}", result.status, result.error, result.cause));
    }
    let output = result.output.as_ref().map(Value::from).unwrap_or(Value::Null);
    if same_json(&output, expected) {
        None
    } else {
        let mut text = serde_json::to_string(&output).unwrap_or_default();
        text.truncate(200);
        Some(format!("got {text}"))
    }
}

/// JSON equality with numbers compared by value (1 == 1.0), as AWS's outputs are compared.
pub fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
            (Some(i), Some(j), _, _) => i == j,
            (_, _, Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_json(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::same_json;
    use serde_json::json;

    #[test]
    fn numbers_compare_by_value_and_structure_must_match() {
        assert!(same_json(&json!({"a": [1, 2.0]}), &json!({"a": [1.0, 2]})));
        assert!(!same_json(&json!({"a": 1}), &json!({"a": 2})));
        assert!(!same_json(&json!({"a": 1}), &json!({"a": 1, "b": 1})));
        assert!(!same_json(&json!([1]), &json!([1, 1])));
        assert!(!same_json(&json!(true), &json!(1)));
    }
}
