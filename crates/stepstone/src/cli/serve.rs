//! `stepstone serve`: the Step Functions API over HTTP, on a SQLite store in the data
//! directory, with a durable runtime that recovers the executions left running.

use super::{Failure, ServeArgs};
use crate::config::Config;
use crate::invoke::{ServeMocks, Tasks};
use runtime::{Options, Runtime};
use std::sync::Arc;
use store_sqlite::SqliteStore;

pub fn serve(args: &ServeArgs) -> Result<u8, Failure> {
    let failed = |what: &str, e: &dyn std::fmt::Display| Failure { code: 1, message: format!("{what}: {e}") };
    let config = Config::load(args.config.as_deref()).map_err(Failure::usage)?;
    let functions = config.functions().map_err(Failure::usage)?;
    let connections = config.connections().map_err(Failure::usage)?;
    std::fs::create_dir_all(&args.data_dir)
        .map_err(|e| failed(&format!("cannot create {}", args.data_dir.display()), &e))?;
    // One server per data directory: the lock is held for the life of the process, and the
    // node keeps one name across restarts, so it resumes its executions at once.
    let lock_path = args.data_dir.join("stepstone.lock");
    let lock =
        std::fs::File::create(&lock_path).map_err(|e| failed(&format!("cannot create {}", lock_path.display()), &e))?;
    lock.try_lock().map_err(|_| Failure {
        code: 1,
        message: format!("another stepstone server is using {}", args.data_dir.display()),
    })?;
    let mock_file = args.mock_config.clone().or_else(|| config.mock_config.as_ref().map(|f| config.base.join(f)));
    let mocks = match mock_file {
        Some(file) => Some(Arc::new(ServeMocks::open(&file, &args.data_dir).map_err(Failure::usage)?)),
        None => None,
    };
    let path = args.data_dir.join("stepstone.db");
    let store = SqliteStore::open(&path, store_sqlite::Options::default())
        .map_err(|e| failed(&format!("cannot open {}", path.display()), &e))?;
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| failed("cannot start the tokio runtime", &e))?;
    tokio.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .map_err(|e| failed(&format!("cannot listen on {}", args.listen), &e))?;
        let address = listener.local_addr().map_err(|e| failed("no local address", &e))?;
        let node = hostname();
        let options = Options { node, ..Options::default() };
        // Functions: those of the configuration, and those created through the Lambda API
        // (kept in DATA_DIR/functions); the bootstraps are written to DATA_DIR/bootstrap.
        let lambda = lambda::Lambda::new(lambda::Options {
            region: args.region.clone(),
            account: args.account.clone(),
            cache_dir: args.data_dir.join("bootstrap"),
            data_dir: Some(args.data_dir.clone()),
        })
        .map_err(|e| failed("cannot set up the functions", &e))?;
        for (name, function) in functions {
            lambda.add(&name, function).map_err(|e| Failure::usage(e.to_string()))?;
        }
        let http = http_task::HttpTask::new(
            http_task::Options { region: args.region.clone(), ..http_task::Options::default() },
            connections,
        )
        .map_err(|e| failed("cannot set up the HTTP Task", &e))?;
        let tasks = Tasks { lambda: lambda.clone(), mocks: mocks.clone(), http };
        let runtime = Arc::new(Runtime::new(Arc::new(store), Arc::new(tasks), options));
        if let Some(mocks) = &mocks {
            mocks.attach(&runtime);
        }
        runtime.recover().await.map_err(|e| failed("recovery failed", &e))?;
        let resumed = runtime.driving().len();
        if resumed > 0 {
            eprintln!("stepstone: resumed {resumed} running executions");
        }
        let config = api::Config { region: args.region.clone(), account: args.account.clone() };
        println!("stepstone: listening on http://{address}");
        let test_cases = mocks.map(|m| m as Arc<dyn api::TestCases>);
        let console = console::Config { region: config.region.clone(), account: config.account.clone() };
        let router = api::router_with(Arc::clone(&runtime), config, test_cases)
            .merge(console::router(Arc::clone(&runtime), console))
            .merge(lambda::api::router(lambda))
            .merge(crate::approval::router(runtime));
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| failed("the server failed", &e))?;
        drop(lock);
        Ok(0)
    })
}

/// This machine's name, for the node name in leases.
fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok().map(|h| h.trim().to_string()))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "stepstone".to_string())
}
