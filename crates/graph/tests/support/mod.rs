//! Shared by the graph tests: the geometric checks of a layout, and generated definitions.

#![allow(dead_code)]

use graph::{Cluster, Layout};
use serde_json::{json, Value};

/// Every rule a drawing keeps: in each machine, no two state boxes overlap; each state box lies
/// inside its machine's box; each branch lies inside its state's box, below its header, and
/// branches of one state do not overlap. Returns the first broken rule.
pub fn check(layout: &Layout) -> Result<(), String> {
    let page = graph::Rect { x: 0.0, y: 0.0, width: layout.width, height: layout.height };
    if !page.contains(&layout.root.rect) {
        return Err(format!("the top level {:?} is outside the page {page:?}", layout.root.rect));
    }
    check_cluster(&layout.root, "top level")
}

fn check_cluster(cluster: &Cluster, path: &str) -> Result<(), String> {
    for (i, a) in cluster.states.iter().enumerate() {
        if !cluster.rect.contains(&a.rect) {
            return Err(format!("{path}: {} {:?} is outside its machine {:?}", a.name, a.rect, cluster.rect));
        }
        for b in &cluster.states[i + 1..] {
            if a.rect.overlaps(&b.rect) {
                return Err(format!("{path}: {} {:?} overlaps {} {:?}", a.name, a.rect, b.name, b.rect));
            }
        }
        for (j, branch) in a.branches.iter().enumerate() {
            if !a.rect.contains(&branch.rect) {
                return Err(format!("{path}: branch {j} of {} {:?} is outside it {:?}", a.name, branch.rect, a.rect));
            }
            for other in &a.branches[j + 1..] {
                if branch.rect.overlaps(&other.rect) {
                    return Err(format!("{path}: branches of {} overlap", a.name));
                }
            }
            check_cluster(branch, &format!("{path} / {} branch {j}", a.name))?;
        }
    }
    for e in &cluster.edges {
        if e.points.iter().any(|(x, y)| !x.is_finite() || !y.is_finite()) {
            return Err(format!("{path}: edge {} -> {} has a point that is not a number", e.from, e.to));
        }
    }
    Ok(())
}

/// A chain of `n` Task states with a Choice every tenth state looping back and a Catch every
/// seventh, ending in Succeed.
pub fn hundred(n: usize) -> Value {
    let mut states = serde_json::Map::new();
    for i in 0..n {
        let name = format!("Step {i}");
        let next = if i + 1 < n { format!("Step {}", i + 1) } else { "Done".into() };
        let state = if i % 10 == 9 {
            json!({"Type": "Choice", "Choices": [
                {"Variable": "$.count", "NumericLessThan": 3, "Next": format!("Step {}", i - 5)},
                {"And": [{"Variable": "$.a", "IsPresent": true}, {"Variable": "$.a", "StringEquals": "x"}], "Next": "Done"}
            ], "Default": next})
        } else if i % 7 == 6 {
            json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": next,
                   "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}]})
        } else {
            json!({"Type": "Pass", "Next": next})
        };
        states.insert(name, state);
    }
    states.insert("Done".into(), json!({"Type": "Succeed"}));
    states.insert("Failed".into(), json!({"Type": "Fail", "Error": "E"}));
    json!({"StartAt": "Step 0", "States": states})
}

/// Parallel inside Map inside Parallel, with a Choice and a Catch in the branches.
pub fn nested() -> Value {
    json!({
        "StartAt": "Outer",
        "States": {
            "Outer": {"Type": "Parallel", "Next": "After", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recover"}],
                "Branches": [
                    {"StartAt": "Each", "States": {
                        "Each": {"Type": "Map", "End": true, "ItemProcessor": {
                            "ProcessorConfig": {"Mode": "INLINE"},
                            "StartAt": "Inner", "States": {
                                "Inner": {"Type": "Parallel", "End": true, "Branches": [
                                    {"StartAt": "A1", "States": {"A1": {"Type": "Pass", "Next": "A2"}, "A2": {"Type": "Pass", "End": true}}},
                                    {"StartAt": "B1", "States": {"B1": {"Type": "Choice", "Choices": [
                                        {"Variable": "$.x", "NumericEquals": 1, "Next": "B2"}], "Default": "B3"},
                                        "B2": {"Type": "Succeed"}, "B3": {"Type": "Fail"}}}
                                ]}
                            }}}
                    }},
                    {"StartAt": "Work", "States": {
                        "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Wait"},
                        "Wait": {"Type": "Wait", "Seconds": 1, "End": true}
                    }}
                ]},
            "Recover": {"Type": "Pass", "Next": "After"},
            "After": {"Type": "Succeed"}
        }
    })
}

/// A small deterministic generator (xorshift), for random definitions without a dependency.
pub struct Random(pub u64);

impl Random {
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// A random machine: states of every kind, transitions to random (sometimes missing) states,
/// cycles, Catches, and nested machines down to `depth`.
pub fn random_machine(rng: &mut Random, depth: u32, prefix: &str) -> Value {
    let count = 1 + rng.below(if depth == 0 { 25 } else { 6 }) as usize;
    let name = |i: u64| format!("{prefix}S{i}");
    let mut states = serde_json::Map::new();
    for i in 0..count {
        let target = |rng: &mut Random| name(rng.below(count as u64 + 2)); // two past the end: dangling
        let kind = ["Pass", "Task", "Choice", "Parallel", "Map", "Succeed", "Fail", "Wait"][rng.below(8) as usize];
        let mut state = json!({"Type": kind});
        match kind {
            "Choice" => {
                let rules: Vec<Value> = (0..rng.below(4))
                    .map(|k| json!({"Variable": format!("$.v{k}"), "NumericEquals": k, "Next": target(rng)}))
                    .collect();
                state["Choices"] = json!(rules);
                state["Default"] = json!(target(rng));
            }
            "Succeed" | "Fail" => {}
            _ => {
                if rng.below(4) == 0 {
                    state["End"] = json!(true);
                } else {
                    state["Next"] = json!(target(rng));
                }
                if rng.below(3) == 0 {
                    state["Catch"] = json!([{"ErrorEquals": ["States.ALL"], "Next": target(rng)}]);
                }
            }
        }
        if depth < 3 && kind == "Parallel" {
            let branches: Vec<Value> =
                (0..1 + rng.below(3)).map(|b| random_machine(rng, depth + 1, &format!("{prefix}{i}b{b}."))).collect();
            state["Branches"] = json!(branches);
        }
        if depth < 3 && kind == "Map" {
            state["ItemProcessor"] = random_machine(rng, depth + 1, &format!("{prefix}{i}m."));
        }
        states.insert(name(i as u64), state);
    }
    json!({"StartAt": name(rng.below(count as u64 + 1)), "States": states})
}

/// Edges whose drawn segments cross a state box other than their own ends (shrunk by 2 units,
/// so touching does not count), in every machine: "machine: from -> to crosses NAME".
pub fn edges_through_boxes(layout: &Layout) -> Vec<String> {
    let mut found = Vec::new();
    edges_through(&layout.root, &mut found);
    found
}

fn edges_through(cluster: &Cluster, found: &mut Vec<String>) {
    for e in &cluster.edges {
        for s in &cluster.states {
            if s.name == e.from || s.name == e.to {
                continue;
            }
            let r = graph::Rect {
                x: s.rect.x + 2.0,
                y: s.rect.y + 2.0,
                width: s.rect.width - 4.0,
                height: s.rect.height - 4.0,
            };
            if e.points.windows(2).any(|w| segment_meets(w[0], w[1], &r)) {
                found.push(format!("{} -> {} crosses {}", e.from, e.to, s.name));
            }
        }
    }
    for s in &cluster.states {
        s.branches.iter().for_each(|b| edges_through(b, found));
    }
}

/// Whether the segment from `a` to `b` meets the rectangle (sampled finely enough for boxes).
fn segment_meets(a: (f64, f64), b: (f64, f64), r: &graph::Rect) -> bool {
    let steps = 64;
    (0..=steps).any(|i| {
        let t = i as f64 / steps as f64;
        let (x, y) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
        x > r.x && x < r.x + r.width && y > r.y && y < r.y + r.height
    })
}
