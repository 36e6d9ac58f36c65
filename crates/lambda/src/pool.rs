//! Warm function processes that speak the Runtime API: one event at a time per process,
//! idle processes reused, new ones started while all are busy (up to the concurrency), and a
//! process killed when its event outlives the function's timeout or when it dies, and an idle
//! process stopped once it has waited longer than the function's idle time.

use crate::runtime_api::{Event, Outcome, Server};
use crate::shape::{iso_now, now_nanos, Invocation, ServiceError};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};
use tokio::sync::{oneshot, Semaphore};

/// How to start one process of a function.
#[derive(Debug, Clone)]
pub struct Launch {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub dir: Option<PathBuf>,
    pub environment: BTreeMap<String, String>,
    pub timeout: Duration,
    pub concurrency: usize,
    /// How long a warm process may wait for its next event before it is stopped.
    pub idle: Duration,
}

/// One running process and its Runtime API server.
struct Worker {
    child: Child,
    server: Server,
    /// When it last finished an event.
    since: Instant,
}

impl Worker {
    fn pid(&self) -> Option<u32> {
        self.child.id()
    }
}

/// The warm processes waiting for an event, and whether a task is watching their idle time.
#[derive(Default)]
struct Idle {
    workers: Vec<Worker>,
    watched: bool,
}

/// The processes of one function.
pub struct Pool {
    launch: Launch,
    idle: Mutex<Idle>,
    slots: Semaphore,
}

impl Drop for Pool {
    fn drop(&mut self) {
        if let Ok(idle) = self.idle.get_mut() {
            for worker in idle.workers.iter_mut() {
                let _ = worker.child.start_kill();
            }
        }
    }
}

impl Pool {
    pub fn new(launch: Launch) -> Pool {
        let slots = Semaphore::new(launch.concurrency.max(1));
        Pool { launch, idle: Mutex::new(Idle::default()), slots }
    }

    /// The process ids of the idle processes (for tests and diagnostics).
    pub fn idle_pids(&self) -> Vec<u32> {
        self.idle.lock().map(|idle| idle.workers.iter().filter_map(Worker::pid).collect()).unwrap_or_default()
    }

    /// Runs one event on a warm or new process.
    pub async fn invoke(self: &Arc<Self>, name: &str, arn: &str, payload: String) -> Result<Invocation, ServiceError> {
        let _permit = self
            .slots
            .acquire()
            .await
            .map_err(|_| ServiceError::new(500, "ServiceException", "the function is shutting down"))?;
        let request_id = crate::shape::request_id();
        let mut worker = match self.take_idle() {
            Some(worker) => worker,
            None => self.spawn(name).await?,
        };
        let deadline_ms = now_nanos() / 1_000_000 + self.launch.timeout.as_millis();
        let (reply, answer) = oneshot::channel();
        let event = Event { request_id: request_id.clone(), payload, deadline_ms, function_arn: arn.into(), reply };
        if !worker.server.send(event).await {
            return Err(ServiceError::new(500, "ServiceException", "the function's runtime server stopped"));
        }
        let timeout = tokio::time::sleep(self.launch.timeout);
        tokio::pin!(timeout);
        let outcome = tokio::select! {
            answer = answer => match answer {
                Ok(outcome) => Ok(outcome),
                Err(_) => Err(exited(&request_id, None)),
            },
            status = worker.child.wait() => {
                // The process may have posted an init error before it exited.
                let init = tokio::time::timeout(Duration::from_millis(50), worker.server.init_failed()).await.ok();
                Err(init.unwrap_or_else(|| exited(&request_id, status.ok())))
            }
            init = worker.server.init_failed() => {
                let _ = worker.child.start_kill();
                Err(init)
            }
            () = &mut timeout => {
                let _ = worker.child.start_kill();
                let _ = worker.child.wait().await;
                Err(format!(
                    "{{\"errorMessage\":\"{} {request_id} Task timed out after {:.2} seconds\"}}",
                    iso_now(),
                    self.launch.timeout.as_secs_f64()
                ))
            }
        };
        match outcome {
            Ok(Outcome::Response(payload)) => {
                self.put_idle(worker);
                Ok(Invocation { payload, function_error: None, request_id })
            }
            Ok(Outcome::Error(payload)) => {
                self.put_idle(worker);
                Ok(Invocation { payload, function_error: Some("Unhandled".into()), request_id })
            }
            Err(payload) => {
                let _ = worker.child.start_kill();
                Ok(Invocation { payload, function_error: Some("Unhandled".into()), request_id })
            }
        }
    }

    fn take_idle(&self) -> Option<Worker> {
        self.idle.lock().ok()?.workers.pop()
    }

    /// Keeps `worker` warm. One task per pool watches the idle processes while there are any:
    /// it wakes when the oldest has been idle for the function's idle time, and stops it.
    fn put_idle(self: &Arc<Self>, mut worker: Worker) {
        worker.since = Instant::now();
        let Ok(mut idle) = self.idle.lock() else { return };
        idle.workers.push(worker);
        if std::mem::replace(&mut idle.watched, true) {
            return;
        }
        let pool: Weak<Pool> = Arc::downgrade(self);
        let mut wait = self.launch.idle;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(wait).await;
                let Some(pool) = pool.upgrade() else { return };
                match pool.stop_idle() {
                    Some(next) => wait = next,
                    None => return,
                }
            }
        });
    }

    /// Stops the processes idle for at least the function's idle time; the time until the
    /// next one is due, or `None` (no longer watched) when none is left idle.
    fn stop_idle(&self) -> Option<Duration> {
        let mut idle = self.idle.lock().ok()?;
        idle.workers.retain_mut(|worker| {
            let stale = worker.since.elapsed() >= self.launch.idle;
            if stale {
                let _ = worker.child.start_kill();
            }
            !stale
        });
        let oldest = idle.workers.iter().map(|worker| worker.since).min();
        idle.watched = oldest.is_some();
        oldest.map(|since| self.launch.idle.saturating_sub(since.elapsed()))
    }

    async fn spawn(&self, name: &str) -> Result<Worker, ServiceError> {
        let server = Server::start()
            .await
            .map_err(|e| ServiceError::new(500, "ServiceException", format!("cannot start the Runtime API: {e}")))?;
        let mut command = Command::new(&self.launch.program);
        command
            .args(&self.launch.args)
            .envs(&self.launch.environment)
            .env("AWS_LAMBDA_RUNTIME_API", server.address.to_string())
            .stdin(std::process::Stdio::null())
            .stdout(stderr())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true);
        if let Some(dir) = &self.launch.dir {
            command.current_dir(dir);
        }
        let child = command.spawn().map_err(|e| {
            ServiceError::new(
                500,
                "ServiceException",
                format!("cannot start the function '{name}' ({}): {e}", self.launch.program.display()),
            )
        })?;
        Ok(Worker { child, server, since: Instant::now() })
    }
}

/// The function's stdout goes to Stepstone's stderr (its log), so stdout stays the program's.
fn stderr() -> std::process::Stdio {
    use std::os::fd::AsFd;
    match std::io::stderr().as_fd().try_clone_to_owned() {
        Ok(fd) => std::process::Stdio::from(fd),
        Err(_) => std::process::Stdio::inherit(),
    }
}

/// Lambda's payload for a runtime that exited during an event.
fn exited(request_id: &str, status: Option<std::process::ExitStatus>) -> String {
    let how = match status {
        Some(status) => match status.code() {
            Some(code) => format!("exit status {code}"),
            None => "signal: killed".to_string(),
        },
        None => "the process stopped".to_string(),
    };
    format!(
        "{{\"errorType\":\"Runtime.ExitError\",\"errorMessage\":\"RequestId: {request_id} Error: Runtime exited with error: {how}\"}}"
    )
}
