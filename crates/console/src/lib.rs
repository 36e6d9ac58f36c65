//! The web console served by `stepstone serve` at `/`, on the same port as the API: pages of
//! state machines, executions drawn on their graphs, the task inbox and activities, rendered on
//! the server (maud) from the `Store`. Every change a page makes (create, start, stop, redrive,
//! send a task result, ...) goes through the Step Functions API from the browser (`assets/
//! console.js`, `aws()`), so the console can do nothing the API would refuse, and its errors are
//! AWS's own. Only this crate knows HTML; it makes no request outside Stepstone.

mod activities;
mod assets;
mod detail;
mod editor;
pub mod execution;
mod inbox;
mod layout;
mod machines;
mod templates;
pub mod validate;

use axum::routing::{get, post};
use axum::Router;
use runtime::Runtime;
use std::sync::Arc;
use store::{Page, PageRequest, Store};

/// Where the console says it runs: the region and account of the ARNs it builds.
#[derive(Debug, Clone)]
pub struct Config {
    pub region: String,
    pub account: String,
}

/// What every page shares.
pub struct Console<S: Store> {
    pub runtime: Arc<Runtime<S>>,
    pub config: Config,
}

impl<S: Store> Console<S> {
    fn store(&self) -> &S {
        self.runtime.store()
    }
}

type Shared<S> = Arc<Console<S>>;

/// The console's routes: pages (`GET`) and the assets they load. `POST /` stays the API's.
pub fn router<S: Store>(runtime: Arc<Runtime<S>>, config: Config) -> Router {
    let console = Arc::new(Console { runtime, config });
    Router::new()
        .route("/", get(machines::list::<S>))
        .route("/create", get(editor::new::<S>))
        .route("/machines/{name}", get(detail::show::<S>))
        .route("/machines/{name}/edit", get(editor::edit::<S>))
        .route("/activities", get(activities::list::<S>))
        .route("/console/validate", post(validate::validate))
        .route("/console/graph", post(validate::graph))
        .route("/console/assets/{file}", get(assets::serve))
        .route("/executions/{machine}/{name}", get(execution::show::<S>))
        .route("/console/executions/{machine}/{name}/live", get(execution::live::live::<S>))
        .route("/console/executions/{machine}/{name}/export", get(execution::live::export::<S>))
        .route("/console/executions/{machine}/{name}/stages", get(execution::stages::stages::<S>))
        .route("/inbox", get(inbox::show::<S>))
        .route("/console/inbox", get(inbox::fragment::<S>))
        .with_state(console)
}

/// Every item of a paged store listing: `fetch` is called with each page's request, 1,000 items
/// a page, until the last page.
pub(crate) async fn every<T, F, Fut>(mut fetch: F) -> store::Result<Vec<T>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = store::Result<Page<T>>>,
{
    let mut items = Vec::new();
    let mut request = PageRequest::first(1000);
    loop {
        let page = fetch(request.clone()).await?;
        items.extend(page.items);
        match page.next {
            Some(cursor) => request.cursor = Some(cursor),
            None => return Ok(items),
        }
    }
}
