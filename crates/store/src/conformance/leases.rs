//! Conformance: leases between nodes (claim, expiry and takeover, renewal, release).

use super::{machine, reload, start, started, step};
use crate::{Error, ExecutionStatus, Lease, StatusChange, Store};

fn sorted(mut arns: Vec<String>) -> Vec<String> {
    arns.sort();
    arns
}

/// A node claims free RUNNING executions, oldest first; another takes over only once the
/// lease has expired, after which the first node's commits fail with `LeaseLost`.
pub async fn claim_takes_free_and_expired_leases<S: Store>(store: &S) {
    let executions = started(store, &machine("m"), &["e0", "e1", "e2", "e3"]).await;
    let arns: Vec<String> = executions.iter().map(|e| e.arn.clone()).collect();
    let mut close = step(&executions[3], 1, 1);
    close.status = Some(StatusChange {
        status: ExecutionStatus::Succeeded,
        output: Some("1".into()),
        error: None,
        cause: None,
        stopped: Some(1),
    });
    store.commit(close).await.expect("close e3");

    let a = store.claim("a", 1_000, 500, 2).await.expect("claim");
    assert_eq!(a, arns[..2], "the two oldest");
    let lease = reload(store, &arns[0]).await.lease;
    assert_eq!(lease, Some(Lease { node: "a".into(), until: 1_500 }));
    let b = store.claim("b", 1_100, 500, 10).await.expect("claim");
    assert_eq!(b, arns[2..3], "the one left; closed ones are never claimed");
    assert_eq!(store.claim("b", 1_499, 500, 10).await.expect("claim"), Vec::<String>::new(), "a's leases hold");
    assert_eq!(store.claim("a", 1_200, 500, 10).await.expect("claim"), Vec::<String>::new(), "b's lease holds");

    // a is still the holder: it may commit.
    let e0 = reload(store, &arns[0]).await;
    let mut by_a = step(&e0, 1, 1_400);
    by_a.node = Some("a".into());
    store.commit(by_a).await.expect("the holder commits");

    // Expired at 1_500: b takes both over.
    let taken = store.claim("b", 1_500, 500, 10).await.expect("claim");
    assert_eq!(sorted(taken), sorted(arns[..2].to_vec()));
    let e0 = reload(store, &arns[0]).await;
    let mut stale = step(&e0, 1, 1_600);
    stale.node = Some("a".into());
    let err = store.commit(stale.clone()).await.expect_err("a lost the lease");
    assert!(matches!(err, Error::LeaseLost { .. }), "{err:?}");
    assert_eq!(reload(store, &arns[0]).await, e0, "nothing written");
    stale.node = Some("b".into());
    store.commit(stale).await.expect("the new holder commits");
    // A closing commit frees the lease.
    let e1 = reload(store, &arns[1]).await;
    let mut close = step(&e1, 1, 1_700);
    close.node = Some("b".into());
    close.status = Some(StatusChange {
        status: ExecutionStatus::Aborted,
        output: None,
        error: Some("Stopped".into()),
        cause: None,
        stopped: Some(1_700),
    });
    store.commit(close).await.expect("close");
    assert_eq!(reload(store, &arns[1]).await.lease, None);
}

/// Renewal extends the leases a node still holds; release frees them at once.
pub async fn renew_and_release<S: Store>(store: &S) {
    let executions = started(store, &machine("m"), &["e0", "e1", "e2"]).await;
    let arns: Vec<String> = executions.iter().map(|e| e.arn.clone()).collect();
    assert_eq!(store.claim("a", 0, 100, 2).await.expect("claim").len(), 2);
    assert_eq!(store.claim("b", 0, 1_000, 1).await.expect("claim"), arns[2..]);
    assert_eq!(sorted(store.renew("a", 90, 100).await.expect("renew")), sorted(arns[..2].to_vec()));
    assert_eq!(reload(store, &arns[0]).await.lease, Some(Lease { node: "a".into(), until: 190 }));
    assert_eq!(store.claim("b", 150, 100, 10).await.expect("claim"), Vec::<String>::new(), "renewed");

    store.release("a", &arns[..1]).await.expect("release");
    store.release("a", &arns[2..]).await.expect("release of another's lease does nothing");
    assert_eq!(reload(store, &arns[0]).await.lease, None);
    assert_eq!(reload(store, &arns[2]).await.lease.map(|l| l.node), Some("b".into()));
    assert_eq!(store.claim("b", 150, 100, 10).await.expect("claim"), arns[..1], "released, so free");
    assert_eq!(store.renew("a", 160, 100).await.expect("renew"), arns[1..2]);

    // An expired lease nobody took is still renewed; one taken over is not.
    let taken = store.claim("c", 1_000, 100, 10).await.expect("claim");
    assert_eq!(sorted(taken), sorted(arns.clone()), "all expired");
    assert_eq!(store.renew("a", 1_001, 100).await.expect("renew"), Vec::<String>::new());
    assert_eq!(sorted(store.renew("c", 1_200, 100).await.expect("renew")), sorted(arns.clone()));

    // A commit without a node skips the lease check.
    let e2 = reload(store, &arns[2]).await;
    store.commit(step(&e2, 1, 1_201)).await.expect("a commit without a node");
}

/// A start may hand its lease to the starting node at once.
pub async fn start_with_a_lease<S: Store>(store: &S) {
    let m = machine("m");
    store.create_state_machine(m.clone()).await.expect("create");
    let mut first = start(&m, "e", "{}");
    first.execution.lease = Some(Lease { node: "a".into(), until: 1_000 });
    first.commit.node = Some("a".into());
    let created = store.start_execution(first).await.expect("start");
    assert_eq!(created.value.lease, Some(Lease { node: "a".into(), until: 1_000 }));
    assert_eq!(store.claim("b", 999, 100, 10).await.expect("claim"), Vec::<String>::new());
    let mut by_b = step(&created.value, 1, 999);
    by_b.node = Some("b".into());
    assert!(matches!(store.commit(by_b).await, Err(Error::LeaseLost { .. })));
    assert_eq!(store.claim("b", 1_000, 100, 10).await.expect("claim"), vec![created.value.arn]);
}
