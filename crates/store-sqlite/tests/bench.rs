//! Micro-benchmark (ignored by default): durable commits per second at 1, 16 and 100
//! concurrent writers, each driving its own execution with commits of one fed event and two
//! history events. Run it with
//! `cargo test --release -p store-sqlite --test bench -- --ignored --nocapture`.

use std::time::{Duration, Instant};
use store::conformance::{machine, reload, started, step};
use store::Store;
use store_sqlite::{Durability, Options, SqliteStore};

const RUN: Duration = Duration::from_secs(3);

async fn measure(durability: Durability, writers: usize) -> (f64, f64) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let store =
        SqliteStore::open(dir.path().join("bench.db"), Options { durability, ..Options::default() }).expect("open");
    let names: Vec<String> = (0..writers).map(|i| format!("e{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let executions = started(&store, &machine("m"), &names).await;
    let before = store.stats();
    let start = Instant::now();
    let mut handles = Vec::new();
    for execution in executions {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            let mut now = reload(&store, &execution.arn).await;
            let mut commits = 0u64;
            while start.elapsed() < RUN {
                store.commit(step(&now, 2, commits as i64)).await.expect("commit");
                now.next_event_id += 2;
                now.next_seq += 1;
                commits += 1;
            }
            commits
        }));
    }
    let mut total = 0;
    for handle in handles {
        total += handle.await.expect("a writer");
    }
    let elapsed = start.elapsed().as_secs_f64();
    let after = store.stats();
    let batch = (after.writes - before.writes) as f64 / (after.batches - before.batches).max(1) as f64;
    (total as f64 / elapsed, batch)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run with --release --ignored --nocapture"]
async fn durable_commits_per_second() {
    for durability in [Durability::Full, Durability::Normal] {
        for writers in [1, 16, 100] {
            let (rate, batch) = measure(durability, writers).await;
            println!("{durability:?} sync, {writers:>3} writers: {rate:>9.0} commits/s, {batch:>6.1} commits per transaction");
        }
    }
}
