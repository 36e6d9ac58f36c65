//! The markup contract the console relies on (classes, data attributes, labels, escaping), and
//! snapshots of a few handwritten definitions' drawings (insta; `cargo insta review` or
//! `INSTA_UPDATE=always` to accept a deliberate change).

mod support;

use graph::{svg, Overlay, Status};
use serde_json::{json, Value};

fn choice_machine() -> Value {
    json!({
        "StartAt": "Check",
        "States": {
            "Check": {"Type": "Choice", "Choices": [
                {"Variable": "$.x", "NumericEquals": 1, "Next": "One"},
                {"And": [{"Variable": "$.a", "IsPresent": true}, {"Variable": "$.order.id", "StringEqualsPath": "$.c"}], "Next": "Both"},
                {"Not": {"Variable": "$.flag", "BooleanEquals": true}, "Next": "One"}
            ], "Default": "Work"},
            "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Check",
                     "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Broken"}]},
            "One": {"Type": "Pass", "End": true},
            "Both": {"Type": "Succeed"},
            "Broken": {"Type": "Fail", "Error": "Broken"}
        }
    })
}

fn jsonata_machine() -> Value {
    json!({
        "QueryLanguage": "JSONata",
        "StartAt": "Route",
        "States": {
            "Route": {"Type": "Choice", "Choices": [
                {"Condition": "{% $states.input.count > 10 and $states.input.kind = 'bulk order' %}", "Next": "Big"}
            ], "Default": "Small"},
            "Big": {"Type": "Wait", "Seconds": 5, "Next": "Small"},
            "Small": {"Type": "Pass", "End": true}
        }
    })
}

/// One element per line, for readable snapshot diffs.
fn lines(drawing: &str) -> String {
    drawing.replace("><", ">\n<")
}

#[test]
fn states_and_edges_carry_the_contract_classes() {
    let mut overlay = Overlay::new();
    overlay.insert("Check".into(), Status::Succeeded);
    overlay.insert("Work".into(), Status::CaughtError);
    overlay.insert("Broken".into(), Status::Failed);
    let drawing = svg(&choice_machine(), &overlay);
    assert!(drawing.starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg" class="graph" viewBox="0 0 "#));
    assert!(drawing.contains(r#"role="group" aria-label="State machine graph""#));
    for expected in [
        r#"<g class="state state-succeeded type-choice" data-state="Check">"#,
        r#"<g class="state state-caught-error type-task" data-state="Work">"#,
        r#"<g class="state state-failed type-fail" data-state="Broken">"#,
        r#"<g class="state state-not-started type-pass" data-state="One">"#,
        r#"<g class="edge edge-start" data-from="" data-to="Check">"#,
        r#"<g class="edge edge-choice" data-from="Check" data-to="One">"#,
        r#"<g class="edge edge-default" data-from="Check" data-to="Work">"#,
        r#"<g class="edge edge-next" data-from="Work" data-to="Check">"#,
        r#"<g class="edge edge-catch" data-from="Work" data-to="Broken">"#,
        r#"<g class="edge edge-end" data-from="Both" data-to="">"#,
        r#"<g class="edge edge-end" data-from="Broken" data-to="">"#,
        r#"<g class="edge edge-end" data-from="One" data-to="">"#,
        ">$.x == 1</text>",
        ">Default</text>",
        ">States.ALL</text>",
        ">Not($.flag == true)</text>",
        "<title>And($.a is present, $.order.id == $.c)</title>",
        ">And($.a is present, $.order.id…</text>",
        "<style>",
        "marker-end=\"url(#stepstone-graph-arrow)\"",
    ] {
        assert!(drawing.contains(expected), "missing {expected} in\n{}", lines(&drawing));
    }
    // The embedded style has every status colour.
    for status in ["in-progress", "succeeded", "failed", "caught-error", "aborted"] {
        assert!(drawing.contains(&format!(".state-{status}>.box{{fill:")), "{status}");
    }
    // The viewBox holds every state.
    let laid = graph::layout(&choice_machine());
    support::check(&laid).unwrap();
    let view_box = drawing.split("viewBox=\"0 0 ").nth(1).and_then(|rest| rest.split('"').next()).unwrap();
    let size: Vec<f64> = view_box.split(' ').map(|v| v.parse().unwrap()).collect();
    assert!((size[0] - laid.width).abs() < 0.06 && (size[1] - laid.height).abs() < 0.06, "{view_box}");
}

#[test]
fn jsonata_conditions_are_shown_without_their_delimiters() {
    let drawing = svg(&jsonata_machine(), &Overlay::new());
    assert!(
        drawing.contains("<title>$states.input.count &gt; 10 and $states.input.kind = &#39;bulk order&#39;</title>")
    );
    assert!(drawing.contains(">$states.input.count &gt; 10 and…</text>"), "{}", lines(&drawing));
}

#[test]
fn clusters_carry_the_state_attributes_and_hold_their_branches() {
    let mut overlay = Overlay::new();
    overlay.insert("Outer".into(), Status::InProgress);
    overlay.insert("A1".into(), Status::Aborted);
    let drawing = svg(&support::nested(), &overlay);
    let outer = drawing.find(r#"<g class="state state-in-progress type-parallel" data-state="Outer">"#).unwrap();
    let each = drawing.find(r#"<g class="state state-not-started type-map" data-state="Each">"#).unwrap();
    let a1 = drawing.find(r#"<g class="state state-aborted type-pass" data-state="A1">"#).unwrap();
    let recover = drawing.find(r#"data-state="Recover""#).unwrap();
    // Nested: Each and A1 are inside Outer's group, which closes before Recover's.
    assert!(outer < each && each < a1 && a1 < recover);
    assert_eq!(drawing.matches(r#"<g class="branch-box""#).count(), 2 + 1 + 2);
}

#[test]
fn the_legend_shows_the_six_statuses() {
    let legend = graph::legend();
    assert!(legend.starts_with("<svg") && legend.contains("<style>"));
    for (class, text) in [
        ("not-started", "Not started"),
        ("in-progress", "In progress"),
        ("succeeded", "Succeeded"),
        ("failed", "Failed"),
        ("caught-error", "Caught error"),
        ("aborted", "Aborted"),
    ] {
        assert!(legend.contains(&format!(r#"<g class="state state-{class}">"#)), "{class}");
        assert!(legend.contains(&format!(">{text}</text>")), "{text}");
    }
}

#[test]
fn snapshot_of_a_choice_loop_with_a_catch() {
    let mut overlay = Overlay::new();
    overlay.insert("Check".into(), Status::Succeeded);
    overlay.insert("Work".into(), Status::InProgress);
    insta::assert_snapshot!(lines(&svg(&choice_machine(), &overlay)));
}

#[test]
fn snapshot_of_a_jsonata_choice() {
    insta::assert_snapshot!(lines(&svg(&jsonata_machine(), &Overlay::new())));
}

#[test]
fn snapshot_of_parallel_inside_map_inside_parallel() {
    insta::assert_snapshot!(lines(&svg(&support::nested(), &Overlay::new())));
}

#[test]
fn snapshot_of_the_legend() {
    insta::assert_snapshot!(lines(&graph::legend()));
}

#[test]
fn names_are_escaped_and_characters_xml_forbids_replaced() {
    let name = "a<b>&\"c'\u{0}\u{1b}\u{fffe}\u{ffff}\td";
    let definition = json!({"StartAt": name, "States": {name: {"Type": "Pass", "End": true}}});
    let drawing = svg(&definition, &Overlay::new());
    assert!(
        drawing.contains("data-state=\"a&lt;b&gt;&amp;&quot;c&#39;\u{fffd}\u{fffd}\u{fffd}\u{fffd}\td\""),
        "{drawing}"
    );
    assert!(!drawing.contains(['\u{0}', '\u{1b}', '\u{fffe}', '\u{ffff}']));
}
