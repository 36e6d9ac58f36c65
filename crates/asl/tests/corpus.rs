//! The conformance corpus (`/work/shared/conformance/cases`) through the validator: every
//! definition AWS rejected must give an error (with AWS's exact text where it was recorded),
//! and every definition AWS ran must parse cleanly.

use asl::{invalid_definition_message, parse, MachineType};
use serde_json::Value;
use std::path::{Path, PathBuf};

const JSONATA: &str = "a linter rule on the {% %} delimiters: AWS takes a string as JSONata exactly when it starts with {% and ends with %}, other strings are literals";
const RESOURCE: &str = "the linter ignores Resource; AWS rejects unrecognised resources";

/// Cases whose outcome we knowingly differ on, with the reason. A case listed here that
/// starts to agree is reported, so the list stays honest.
const KNOWN_DISAGREEMENTS: &[(&str, &str)] = &[
    ("aslv_invalid_json-surround-syntax-extra-spaces", JSONATA),
    ("aslv_invalid_jsonata-surround-syntax-no-close", JSONATA),
    ("aslv_invalid_jsonata-surround-syntax-no-open", JSONATA),
    ("aslv_invalid_jsonata-surround-syntax-no-spaces", JSONATA),
    ("aslv_valid_task-parameters", RESOURCE),
    ("aslv_valid_task-timeout-jsonata", RESOURCE),
    ("statelint_valid_backoff-with-backoffrate-decimal", RESOURCE),
    ("statelint_valid_backoff-with-backoffrate-integer", RESOURCE),
    ("statelint_valid_backoff-with-jitter-on-retry", RESOURCE),
    ("statelint_valid_states-array-intrinsic-functions", RESOURCE),
    ("statelint_valid_states-array-invocation", RESOURCE),
    ("statelint_valid_states-encoding-decoding-intrinsic-functions", RESOURCE),
    ("statelint_valid_states-format-invocation", RESOURCE),
    ("statelint_valid_states-hash-intrinsic-functions", RESOURCE),
    ("statelint_valid_states-json-intrinsic-functions", RESOURCE),
    ("statelint_valid_states-jsontostring-invocation", RESOURCE),
    ("statelint_valid_states-math-intrinsic-functions", RESOURCE),
    ("statelint_valid_states-string-intrinsic-functions", RESOURCE),
    ("statelint_valid_states-stringtojson-invocation", RESOURCE),
    ("statelint_valid_states-uuid-intrinsic-functions", RESOURCE),
    ("statelint_valid_task-with-dynamic-timeouts", RESOURCE),
    ("statelint_valid_task-with-parameters", RESOURCE),
    ("statelint_valid_task-with-resultpath", RESOURCE),
    ("statelint_valid_task-with-resultselector", RESOURCE),
    (
        "aslv_invalid_math-add",
        "expr's intrinsic parser accepts States.MathAdd(1,'-1'); argument types are checked when it runs",
    ),
    (
        "aslv_valid_current-value-predicate",
        "unquoted string in a filter ([?(@.k == FooBar)]): expr's JSONPath parser rejects it",
    ),
    ("aslv_valid_path-array-context", "script expression [(@.length-1)]: expr's JSONPath parser rejects it"),
    (
        "aslv_valid_map-with-item-batcher-jsonata",
        "a JSONPath state inside a JSONata machine: AWS refuses the downgrade (aws-reference.md 1.2)",
    ),
    ("aslv_valid_task-credentials", "Credentials without RoleArn: AWS requires RoleArn (localstack credentials cases)"),
    ("aslv_valid_task-intrisic-function", "Resource given as a CloudFormation object: not a definition AWS accepts"),
    ("statelint_valid_task-with-credentials", "Resource foo:bar and Credentials without RoleArn: AWS rejects both"),
];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/cases")
}

struct Case {
    id: String,
    group: &'static str,
    definition: Value,
    machine_type: MachineType,
    /// `Some(message)` when AWS rejected it (the message may be empty when not recorded).
    rejected: Option<String>,
}

/// Replaces the corpus's Lambda placeholders with real-looking ARNs and names.
fn substitute(definition: &Value) -> Value {
    let mut text = definition.to_string();
    for n in 0..10 {
        text = text
            .replace(
                &format!("${{lambda_arn:fn{n}}}"),
                &format!("arn:aws:lambda:us-east-1:111111111111:function:fn{n}"),
            )
            .replace(&format!("${{lambda_name:fn{n}}}"), &format!("fn{n}"));
    }
    serde_json::from_str(&text).expect("substitution keeps JSON valid")
}

fn load(dir: &Path, sub: &str) -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join(sub))
        .unwrap_or_else(|e| panic!("reading {sub}: {e}"))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).expect("read case");
            let case: Value = serde_json::from_str(&text).expect("case is JSON");
            let id = case["id"].as_str().expect("id").to_owned();
            let jsonata = case["tags"].as_array().is_some_and(|t| t.iter().any(|x| x == "jsonata"));
            let expected = &case["expected"];
            let rejected = expected
                .get("create_error")
                .map(|_| expected["create_error_message"].as_str().unwrap_or_default().to_owned());
            let group = match (sub, rejected.is_some(), jsonata) {
                ("localstack", true, false) => "localstack invalid",
                ("localstack", true, true) => "localstack invalid (JSONata)",
                ("localstack", false, false) => "localstack valid",
                ("localstack", false, true) => "localstack valid (JSONata)",
                (_, true, _) => "validators invalid",
                (_, false, _) => "validators valid",
            };
            let mut definition = case["definition"].clone();
            if let Value::String(s) = &definition {
                definition = serde_json::from_str(s).unwrap_or(Value::String(s.clone()));
            }
            let machine_type = match case["state_machine_type"].as_str() {
                Some("EXPRESS") => MachineType::Express,
                _ => MachineType::Standard,
            };
            Case { id, group, definition: substitute(&definition), machine_type, rejected }
        })
        .collect()
}

/// Checks one case; `Err` says what went wrong.
fn check(case: &Case) -> Result<(), String> {
    let parsed = parse(&case.definition, case.machine_type);
    let errors = parsed.errors();
    match &case.rejected {
        None if errors.is_empty() && parsed.machine.is_some() => Ok(()),
        None => Err(format!("expected valid, got {}", invalid_definition_message(&errors))),
        Some(_) if errors.is_empty() => Err("expected an error, got none".into()),
        Some(message) => {
            let Some(start) = message.find("Invalid State Machine Definition: '") else { return Ok(()) };
            let want = message[start..].replace("<partition>", "aws");
            let got = invalid_definition_message(&errors);
            if got == want {
                Ok(())
            } else {
                Err(format!("message differs:\n  want: {want}\n  got:  {got}"))
            }
        }
    }
}

#[test]
fn conformance_corpus() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        let why = format!("corpus not found at {}", dir.display());
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{why}");
        }
        eprintln!("skipping: {why}");
        return;
    }
    let mut cases = load(&dir, "localstack");
    cases.extend(load(&dir, "validators"));
    let groups = [
        "localstack invalid",
        "localstack invalid (JSONata)",
        "localstack valid",
        "localstack valid (JSONata)",
        "validators invalid",
        "validators valid",
    ];
    let mut unexpected = Vec::new();
    let mut fixed = Vec::new();
    for group in groups {
        let (mut passed, mut failed) = (0, 0);
        for case in cases.iter().filter(|c| c.group == group) {
            let known = KNOWN_DISAGREEMENTS.iter().find(|(id, _)| *id == case.id);
            match (check(case), known) {
                (Ok(()), None) => passed += 1,
                (Ok(()), Some(_)) => {
                    passed += 1;
                    fixed.push(case.id.clone());
                }
                (Err(_), Some(_)) => failed += 1,
                (Err(why), None) => {
                    failed += 1;
                    unexpected.push(format!("{} [{group}]: {why}", case.id));
                }
            }
        }
        println!("{group}: {passed} passed, {failed} failed");
    }
    for id in &fixed {
        println!("listed as a known disagreement but now agrees: {id}");
    }
    assert!(unexpected.is_empty(), "{} unexpected failures:\n{}", unexpected.len(), unexpected.join("\n"));
}
