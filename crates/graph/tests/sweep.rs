//! Every definition of the conformance corpus drawn: no panic, well-formed SVG (kept as a
//! snapshot in `target/graph-snapshots`), and a layout whose boxes do not overlap and whose
//! machines contain their states. Also large, nested and malformed inputs.

mod support;

use graph::{layout, svg, Overlay};
use serde_json::{json, Value};
use std::path::Path;
use support::check;

fn corpus() -> Option<Vec<(String, Value)>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/cases");
    let Ok(groups) = std::fs::read_dir(&dir) else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "the corpus is missing at {}", dir.display());
        println!("skipped: the conformance corpus is not at {}", dir.display());
        return None;
    };
    let mut cases = Vec::new();
    for group in groups.flatten() {
        for file in std::fs::read_dir(group.path()).into_iter().flatten().flatten() {
            let path = file.path();
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let Ok(case) = serde_json::from_str::<Value>(&text) else { continue };
            if let Some(definition) = case.get("definition") {
                let definition = match definition {
                    Value::String(text) => serde_json::from_str(text).unwrap_or(Value::Null),
                    other => other.clone(),
                };
                cases.push((path.display().to_string(), definition));
            }
        }
    }
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    Some(cases)
}

#[test]
fn every_corpus_definition_is_drawn_without_overlaps() {
    let Some(cases) = corpus() else { return };
    assert!(cases.len() > 1000, "only {} definitions found", cases.len());
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/graph-snapshots");
    std::fs::create_dir_all(&snapshots).unwrap();
    let mut failures = Vec::new();
    for (path, definition) in &cases {
        let laid = layout(definition);
        if let Err(problem) = check(&laid) {
            failures.push(format!("{path}: {problem}"));
        }
        let drawing = svg(definition, &Overlay::new());
        match roxmltree::Document::parse(&drawing) {
            Ok(document) => assert_eq!(document.root_element().tag_name().name(), "svg", "{path}"),
            Err(e) => failures.push(format!("{path}: not well-formed SVG: {e}")),
        }
        let name = Path::new(path).file_stem().and_then(|s| s.to_str()).unwrap_or("definition");
        std::fs::write(snapshots.join(format!("{name}.svg")), &drawing).unwrap();
    }
    println!("{} definitions drawn", cases.len());
    assert!(failures.is_empty(), "{} of {} definitions:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn a_hundred_states_are_laid_out_without_overlaps() {
    let definition = support::hundred(100);
    let laid = layout(&definition);
    check(&laid).unwrap();
    assert_eq!(laid.root.states.len(), 102);
    // Layered top to bottom: the chain goes down.
    let y = |name: &str| laid.root.states.iter().find(|s| s.name == name).unwrap().rect.y;
    assert!(y("Step 0") < y("Step 50") && y("Step 50") < y("Step 99"));
}

#[test]
fn parallel_inside_map_inside_parallel_nests_boxes() {
    let laid = layout(&support::nested());
    check(&laid).unwrap();
    let outer = laid.root.states.iter().find(|s| s.name == "Outer").unwrap();
    assert_eq!(outer.branches.len(), 2);
    let each = &outer.branches[0].states[0];
    assert_eq!((each.name.as_str(), each.branches.len()), ("Each", 1));
    let inner = &each.branches[0].states[0];
    assert_eq!((inner.name.as_str(), inner.branches.len()), ("Inner", 2));
    assert_eq!(inner.branches[1].edges.len(), 2, "the Choice's rule and Default edges");
    // Side by side: the second branch is right of the first.
    assert!(outer.branches[1].rect.x >= outer.branches[0].rect.x + outer.branches[0].rect.width);
}

#[test]
fn long_names_are_wrapped_and_kept_whole_in_titles() {
    let long = "A very long state name that goes on and on well past any box width ".repeat(20);
    let definition = json!({"StartAt": long, "States": {
        long.clone(): {"Type": "Pass", "Next": "Short"},
        "Short": {"Type": "Pass", "End": true}
    }});
    let laid = layout(&definition);
    check(&laid).unwrap();
    let state = &laid.root.states[0];
    assert_eq!(state.lines.len(), 2);
    assert!(state.lines[1].ends_with('…'));
    assert!(state.rect.width < 300.0, "{:?}", state.rect);
    let drawing = svg(&definition, &Overlay::new());
    assert!(drawing.contains(&format!("<title>{} (Pass)</title>", long)));
}

#[test]
fn anything_that_is_not_a_definition_draws_an_empty_or_partial_graph() {
    let inputs = [
        Value::Null,
        json!(42),
        json!("text"),
        json!([1, 2]),
        json!({}),
        json!({"States": []}),
        json!({"StartAt": 5, "States": {"A": 1, "B": {"Type": 7, "Next": ["x"]}}}),
        json!({"StartAt": "Nowhere", "States": {"A": {"Type": "Pass", "Next": "Gone"}}}),
        json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A"}}}),
        json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}}),
        json!({"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [
            {"Next": "A"}, {"Not": {"Not": 3}, "Next": "A"}, {"Variable": 1, "NumericEquals": [], "Next": "A"},
            {"Condition": 4, "Next": "A"}], "Default": "A"}}}),
        json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [{}, 3, {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}], "End": true}}}),
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "Iterator": {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": 1, "End": true}}}, "End": true}}}),
        json!({"StartAt": "<&\">", "States": {"<&\">": {"Type": "Ta<sk>", "Next": "\u{0}", "Catch": [{"ErrorEquals": "x", "Next": "<&\">"}]}, "\u{0}": {"Type": "Succeed"}}}),
    ];
    for input in &inputs {
        let laid = layout(input);
        check(&laid).unwrap_or_else(|e| panic!("{input}: {e}"));
        let drawing = svg(input, &Overlay::new());
        assert!(drawing.ends_with("</svg>"));
        assert!(!drawing.contains("<&"), "unescaped text in {drawing}");
    }
}

#[test]
fn deep_nesting_does_not_exhaust_the_stack() {
    let mut machine = json!({"StartAt": "Leaf", "States": {"Leaf": {"Type": "Pass", "End": true}}});
    for i in 0..200 {
        let kind = if i % 2 == 0 { "Parallel" } else { "Map" };
        let state = if kind == "Parallel" {
            json!({"Type": "Parallel", "Branches": [machine], "End": true})
        } else {
            json!({"Type": "Map", "ItemProcessor": machine, "End": true})
        };
        machine = json!({"StartAt": format!("S{i}"), "States": {format!("S{i}"): state}});
    }
    let laid = layout(&machine);
    check(&laid).unwrap();
    drop(svg(&machine, &Overlay::new()));
}

#[test]
fn random_definitions_are_laid_out_without_overlaps() {
    let mut rng = support::Random(0x9e37_79b9_7f4a_7c15);
    for round in 0..400 {
        let definition = support::random_machine(&mut rng, 0, "");
        let laid = layout(&definition);
        check(&laid).unwrap_or_else(|e| panic!("round {round}: {e}\n{definition}"));
        let drawing = svg(&definition, &Overlay::new());
        assert!(drawing.ends_with("</svg>"));
    }
}

#[test]
fn the_check_finds_overlapping_and_escaping_boxes() {
    let mut laid = layout(
        &json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": true}}}),
    );
    check(&laid).unwrap();
    let mut overlapping = laid.clone();
    overlapping.root.states[1].rect = overlapping.root.states[0].rect;
    assert!(check(&overlapping).unwrap_err().contains("overlaps"));
    laid.root.states[0].rect.x -= 1000.0;
    assert!(check(&laid).unwrap_err().contains("outside"));
    let mut nested = layout(&support::nested());
    nested.root.states.iter_mut().find(|s| s.name == "Outer").unwrap().branches[1].rect.y -= 500.0;
    assert!(check(&nested).unwrap_err().contains("branch 1 of Outer"));
}

#[test]
fn edges_go_around_boxes() {
    let Some(cases) = corpus() else { return };
    let mut crossing = Vec::new();
    for (path, definition) in &cases {
        for problem in support::edges_through_boxes(&layout(definition)) {
            crossing.push(format!("{path}: {problem}"));
        }
    }
    let mut rng = support::Random(7);
    for round in 0..200 {
        for problem in support::edges_through_boxes(&layout(&support::random_machine(&mut rng, 0, ""))) {
            crossing.push(format!("random {round}: {problem}"));
        }
    }
    assert!(crossing.is_empty(), "{} edges cross boxes:\n{}", crossing.len(), crossing.join("\n"));
}

#[test]
fn huge_names_and_many_states_are_drawn() {
    let huge = "N".repeat(100_000);
    let mut states = serde_json::Map::new();
    for i in 0..2000 {
        let next = if i + 1 < 2000 { format!("S{}", i + 1) } else { huge.clone() };
        states.insert(format!("S{i}"), json!({"Type": "Pass", "Next": next}));
    }
    states.insert(huge.clone(), json!({"Type": "Succeed"}));
    let definition = json!({"StartAt": "S0", "States": states});
    let laid = layout(&definition);
    check(&laid).unwrap();
    let last = laid.root.states.last().unwrap();
    assert!(last.rect.width < 400.0 && last.lines.len() == 2, "{:?}", last.rect);
    assert!(svg(&definition, &Overlay::new()).contains(&format!("<title>{huge} (Succeed)</title>")));
}
