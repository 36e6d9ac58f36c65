//! Group commit: writes queued together share one transaction, and a failing one does not
//! spoil the others.

use crate::{write, writer, Options, SqliteStore};
use store::conformance::{machine, reload, started, step};
use store::{Error, HistoryQuery, PageRequest, Store, Timer};

fn timer(arn: &str, timer_id: u64) -> Timer {
    Timer { execution_arn: arn.to_string(), timer_id, fire_at: 10 }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_write_in_a_batch_leaves_the_others_whole() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let store = SqliteStore::open(dir.path().join("batch.db"), Options::default()).expect("open");
    let names: Vec<String> = (0..20).map(|i| format!("e{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let executions = started(&store, &machine("m"), &names).await;
    let before = store.stats();

    // Hold the writer until every write below is queued, so they run as one batch.
    let (release, hold) = std::sync::mpsc::channel::<()>();
    let (blocker, blocked) = writer::job(move |_| hold.recv().map_err(|_| Error::Backend("no release".into())));
    store.send(blocker).expect("queue the blocker");
    let mut answers = Vec::new();
    for (i, execution) in executions.iter().enumerate() {
        // Both from the same view: `good` must always win. `bad` fails whether it runs first
        // (a duplicate timer, after writing history) or second (a stale view).
        let mut good = step(execution, 2, 5);
        good.timers_added = vec![timer(&execution.arn, 1)];
        let mut bad = step(execution, 1, 5);
        bad.timers_added = vec![timer(&execution.arn, 5), timer(&execution.arn, 5)];
        let (first, second) = if i % 2 == 0 { (bad, good) } else { (good, bad) };
        for commit in [first, second] {
            let (job, answer) = writer::job(move |conn| write::commit(conn, &commit));
            store.send(job).expect("queue a commit");
            answers.push(answer);
        }
    }
    release.send(()).expect("release the writer");
    blocked.await.expect("the blocker's answer").expect("the blocker");
    for (i, answer) in answers.into_iter().enumerate() {
        let result = answer.await.expect("an answer");
        // Two answers per execution: even executions queued bad then good, odd ones good then bad.
        let good = (i / 2) % 2 != i % 2;
        assert_eq!(result.is_ok(), good, "write {i}: {result:?}");
    }
    let after = store.stats();
    assert_eq!(after.writes - before.writes, 41);
    assert!(after.batches - before.batches <= 2, "the queued writes share batches: {before:?} -> {after:?}");

    for execution in &executions {
        let now = reload(&store, &execution.arn).await;
        assert_eq!((now.next_event_id, now.next_seq), (4, 2));
        let query = HistoryQuery { execution_arn: execution.arn.clone(), reverse: false, page: PageRequest::first(10) };
        let ids: Vec<u64> = store.history(query).await.expect("history").items.iter().map(|e| e.id).collect();
        assert_eq!(ids, [1, 2, 3]);
        assert_eq!(store.timers(&execution.arn).await.expect("timers"), vec![timer(&execution.arn, 1)]);
        assert_eq!(store.fed_events(&execution.arn).await.expect("fed").len(), 2);
    }
}
