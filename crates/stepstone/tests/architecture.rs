//! The dependency rule of the workspace, checked from `cargo metadata`: each crate depends
//! only on the crates below it, and the pure layers carry no I/O or async runtime.

use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Command;

/// Each workspace crate and the workspace crates it may use.
const LAYERS: &[(&str, &[&str])] = &[
    ("expr", &[]),
    ("asl", &["expr"]),
    ("engine", &["asl", "expr"]),
    ("store", &[]),
    ("store-sqlite", &["store"]),
    ("runtime", &["asl", "expr", "engine", "store"]),
    ("api", &["asl", "expr", "engine", "store", "runtime"]),
    ("lambda", &["expr", "engine", "runtime"]),
    ("http-task", &["expr", "runtime"]),
    ("graph", &["asl", "expr"]),
    ("console", &["asl", "expr", "engine", "store", "runtime", "graph"]),
    (
        "stepstone",
        &[
            "asl",
            "expr",
            "engine",
            "store",
            "store-sqlite",
            "runtime",
            "api",
            "lambda",
            "http-task",
            "graph",
            "console",
        ],
    ),
];

/// Crates that would bring I/O, clocks of their own or an async runtime into a pure layer.
const EFFECTFUL: &[&str] = &["tokio", "axum", "reqwest", "rusqlite", "tokio-postgres", "hyper", "mio", "rand"];
const PURE: &[&str] = &["expr", "asl", "engine", "store", "graph"];

fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON")
}

/// Normal (not dev or build) dependencies of each workspace package.
fn dependencies(metadata: &Value) -> BTreeMap<String, Vec<String>> {
    let packages = metadata["packages"].as_array().expect("packages");
    packages
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|d| d["kind"].is_null())
                .filter_map(|d| d["name"].as_str().map(str::to_string))
                .collect();
            (p["name"].as_str().unwrap_or_default().to_string(), deps)
        })
        .collect()
}

#[test]
fn each_crate_depends_only_on_the_layers_below_it() {
    let deps = dependencies(&metadata());
    let workspace: Vec<&str> = LAYERS.iter().map(|(name, _)| *name).collect();
    for name in deps.keys() {
        assert!(
            workspace.contains(&name.as_str()),
            "crate {name} is not placed in LAYERS: add it with its allowed dependencies"
        );
    }
    for (name, allowed) in LAYERS {
        let Some(used) = deps.get(*name) else { panic!("workspace crate {name} is missing") };
        for dep in used.iter().filter(|d| workspace.contains(&d.as_str())) {
            assert!(allowed.contains(&dep.as_str()), "{name} must not depend on {dep} (allowed: {allowed:?})");
        }
    }
}

#[test]
fn pure_layers_have_no_effectful_dependencies() {
    let deps = dependencies(&metadata());
    for name in PURE {
        for dep in &deps[*name] {
            assert!(!EFFECTFUL.contains(&dep.as_str()), "{name} is a pure layer and must not depend on {dep}");
        }
    }
}
