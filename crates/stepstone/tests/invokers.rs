//! Task invokers of `stepstone run`, end to end: each `test_data/invokers/*.json` case writes its
//! definition (and mock file) to a temporary directory, runs the real binary with `--json` and
//! checks the exit code, status, output, error, cause, stderr and history event types.

use regex::Regex;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/invokers")
}

/// Placeholders in expected strings, for values that differ on every run.
fn placeholder(name: &str) -> Option<Regex> {
    let pattern = match name {
        "<uuid>" => r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
        "<date>" => {
            r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$"
        }
        "<trace>" => r"^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$",
        _ => return None,
    };
    Regex::new(pattern).ok()
}

/// `got` equals `want`, where a string placeholder in `want` matches its pattern. Key order counts.
fn matches(want: &Value, got: &Value) -> bool {
    match (want, got) {
        (Value::String(w), Value::String(g)) => match placeholder(w) {
            Some(re) => re.is_match(g),
            None => w == g,
        },
        (Value::Array(w), Value::Array(g)) => w.len() == g.len() && w.iter().zip(g).all(|(w, g)| matches(w, g)),
        (Value::Object(w), Value::Object(g)) => {
            w.len() == g.len() && w.iter().zip(g).all(|((wk, wv), (gk, gv))| wk == gk && matches(wv, gv))
        }
        _ => want == got,
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Runs one case; returns its problems.
fn check(name: &str, case: &Value) -> Result<Vec<String>, String> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("invokers").join(name);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let machine = case["machine"].as_str().unwrap_or("machine");
    let definition = dir.join(format!("{machine}.asl.json"));
    write(&definition, &case["definition"].to_string())?;
    let mock_file = dir.join("MockConfigFile.json");
    match &case["mocks"] {
        Value::Null => {}
        Value::String(raw) => write(&mock_file, raw)?,
        mocks => write(&mock_file, &mocks.to_string())?,
    }
    let want = &case["expected"];
    let mut command = Command::new(env!("CARGO_BIN_EXE_stepstone"));
    command.current_dir(&dir).env_remove("SFN_MOCK_CONFIG").arg("run").arg(&definition);
    command.args(["--json", "--time-scale", "0", "--input", &case["input"].to_string()]);
    if want.get("event_types").is_some() {
        command.arg("--history");
    }
    for arg in case["args"].as_array().into_iter().flatten() {
        command.arg(arg.as_str().ok_or("args must be strings")?);
    }
    for (key, value) in case["env"].as_object().into_iter().flatten() {
        command.env(key, value.as_str().ok_or("env values must be strings")?);
    }
    let out = command.output().map_err(|e| format!("cannot start stepstone: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let mut problems = Vec::new();
    if out.status.code().map(i64::from) != want["exit"].as_i64() {
        problems.push(format!("exit {:?}, expected {} (stderr {stderr:?})", out.status.code(), want["exit"]));
    }
    if let Some(needle) = want["stderr_contains"].as_str() {
        if !stderr.contains(needle) {
            problems.push(format!("stderr lacks {needle:?}: {stderr:?}"));
        }
    }
    if want["exit"] == 2 {
        if !out.stdout.is_empty() || stderr.contains("panicked") {
            problems.push(format!("a usage error printed {:?} / {stderr:?}", String::from_utf8_lossy(&out.stdout)));
        }
        return Ok(problems);
    }
    let got: Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("stdout is not JSON: {e}"))?;
    for field in ["status", "error", "cause"] {
        if let Some(w) = want.get(field) {
            if !matches(w, &got[field]) {
                problems.push(format!("{field} {}, expected {w}", got[field]));
            }
        }
    }
    if let Some(pattern) = want["cause_matches"].as_str() {
        let re = Regex::new(pattern).map_err(|e| e.to_string())?;
        if !re.is_match(got["cause"].as_str().unwrap_or_default()) {
            problems.push(format!("cause {} does not match {pattern:?}", got["cause"]));
        }
    }
    if let Some(w) = want.get("output") {
        match got["output"].as_str().map(serde_json::from_str::<Value>) {
            Some(Ok(output)) if matches(w, &output) => {}
            other => problems.push(format!("output {other:?}, expected {w}")),
        }
    }
    if let Some(w) = want.get("event_types") {
        let types: Vec<Value> = got["events"].as_array().into_iter().flatten().map(|e| e["type"].clone()).collect();
        if &Value::Array(types.clone()) != w {
            problems.push(format!("event types {types:?}, expected {w}"));
        }
    }
    Ok(problems)
}

#[test]
fn invoker_cases() {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("test_data/invokers exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 10, "expected the invoker cases, found {}", paths.len());
    let mut failures = Vec::new();
    for path in &paths {
        let name = path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
        let case: Value = match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        {
            Ok(case) => case,
            Err(e) => {
                failures.push(format!("{name}: unreadable case: {e}"));
                continue;
            }
        };
        match check(&name, &case) {
            Ok(problems) => failures.extend(problems.into_iter().map(|p| format!("{name}: {p}"))),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), paths.len(), failures.join("\n"));
}

#[test]
fn placeholders_are_strict() {
    assert!(matches(
        &serde_json::json!({"a": "<uuid>"}),
        &serde_json::json!({"a": "41495a12-ca6f-458b-b9fb-19328efce3f2"})
    ));
    assert!(!matches(&serde_json::json!({"a": "<uuid>"}), &serde_json::json!({"a": "x"})));
    assert!(!matches(&serde_json::json!({"a": 1, "b": 2}), &serde_json::json!({"b": 2, "a": 1})));
}
