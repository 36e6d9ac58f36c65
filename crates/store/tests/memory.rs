//! The memory store passes the whole conformance suite.

use store::MemoryStore;

#[tokio::test]
async fn memory_store_passes_the_conformance_suite() {
    store::conformance::run_all(|| async { MemoryStore::new() }).await;
}
