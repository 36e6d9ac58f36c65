//! Drawing time: `cargo bench -p graph`. A 100-state definition and a nested one (Parallel
//! inside Map inside Parallel) must each be drawn in under 10 ms.

#[path = "../tests/support/mod.rs"]
mod support;

use graph::Overlay;

fn main() {
    divan::main();
}

#[divan::bench]
fn hundred_states(bencher: divan::Bencher) {
    let definition = support::hundred(100);
    bencher.bench(|| graph::svg(divan::black_box(&definition), &Overlay::new()));
}

#[divan::bench]
fn nested(bencher: divan::Bencher) {
    let definition = support::nested();
    bencher.bench(|| graph::svg(divan::black_box(&definition), &Overlay::new()));
}

#[divan::bench]
fn hundred_states_in_parallel_branches(bencher: divan::Bencher) {
    let definition = serde_json::json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true,
        "Branches": [support::hundred(50), support::hundred(50)]}}});
    bencher.bench(|| graph::svg(divan::black_box(&definition), &Overlay::new()));
}

#[divan::bench]
fn chain_of_a_hundred(bencher: divan::Bencher) {
    let mut states = serde_json::Map::new();
    for i in 0..100 {
        let next = if i < 99 {
            serde_json::json!({"Type": "Pass", "Next": format!("S{}", i + 1)})
        } else {
            serde_json::json!({"Type": "Pass", "End": true})
        };
        states.insert(format!("S{i}"), next);
    }
    let definition = serde_json::json!({"StartAt": "S0", "States": states});
    bencher.bench(|| graph::svg(divan::black_box(&definition), &Overlay::new()));
}

#[divan::bench]
fn thousand_states(bencher: divan::Bencher) {
    let definition = support::hundred(1000);
    bencher.bench(|| graph::svg(divan::black_box(&definition), &Overlay::new()));
}
