//! The SQLite store passes the whole shared conformance suite, on real files.

use std::sync::atomic::{AtomicUsize, Ordering};
use store_sqlite::{Options, SqliteStore};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let count = AtomicUsize::new(0);
    store::conformance::run_all(|| {
        let path = dir.path().join(format!("store-{}.db", count.fetch_add(1, Ordering::Relaxed)));
        async move { SqliteStore::open(path, Options::default()).expect("open the store") }
    })
    .await;
}
