//! [`MemoryStore`]: the whole store in maps behind one mutex, for tests and EXPRESS-only use.

mod signals;
mod versions;

use crate::{
    Activity, Alias, Commit, Created, Error, Execution, ExecutionQuery, ExecutionStatus, FedEvent, Guard, HistoryEvent,
    HistoryQuery, Lease, Page, PageRequest, Result, Signal, Start, StateMachine, Store, TaskRecord, TaskState, Timer,
    TimerQuery, Version,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

/// A [`Store`] in memory. Every operation takes one lock, so each is atomic.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

/// Records keyed by creation order, with an index from ARN to that order.
struct Ordered<T> {
    items: BTreeMap<u64, T>,
    by_arn: HashMap<String, u64>,
}

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Ordered { items: BTreeMap::new(), by_arn: HashMap::new() }
    }
}

impl<T: Clone> Ordered<T> {
    fn get(&self, arn: &str) -> Option<&T> {
        self.by_arn.get(arn).and_then(|seq| self.items.get(seq))
    }

    fn get_mut(&mut self, arn: &str) -> Option<&mut T> {
        self.by_arn.get(arn).and_then(|seq| self.items.get_mut(seq))
    }

    fn insert(&mut self, seq: u64, arn: String, item: T) {
        self.by_arn.insert(arn, seq);
        self.items.insert(seq, item);
    }

    fn remove(&mut self, arn: &str) -> bool {
        self.by_arn.remove(arn).and_then(|seq| self.items.remove(&seq)).is_some()
    }

    /// Oldest first, after the cursor.
    fn page(&self, page: &PageRequest) -> Result<Page<T>> {
        let after = page.position()?.map_or(0, |p| p + 1);
        let mut items: Vec<(u64, &T)> = self.items.range(after..).take(page.size() + 1).map(|(k, v)| (*k, v)).collect();
        Ok(cut(&mut items, page.size()))
    }
}

/// Keeps the first `size` items; the cursor names the last kept one when more follow.
fn cut<T: Clone>(items: &mut Vec<(u64, &T)>, size: usize) -> Page<T> {
    let more = items.len() > size;
    items.truncate(size);
    let next = if more { items.last().map(|(k, _)| k.to_string()) } else { None };
    Page { items: items.iter().map(|(_, v)| (*v).clone()).collect(), next }
}

#[derive(Default)]
struct Inner {
    seq: u64,
    machines: Ordered<StateMachine>,
    activities: Ordered<Activity>,
    executions: Ordered<Execution>,
    history: HashMap<String, Vec<HistoryEvent>>,
    fed: HashMap<String, Vec<FedEvent>>,
    timers: BTreeMap<(String, u64), Timer>,
    tasks: BTreeMap<(String, u64), TaskRecord>,
    tokens: HashMap<String, (String, u64)>,
    signals: signals::Inbox,
    /// Versions by machine ARN, then number.
    versions: HashMap<String, BTreeMap<u64, Version>>,
    /// The last version number each machine handed out.
    version_counters: HashMap<String, u64>,
    aliases: Ordered<Alias>,
}

impl Inner {
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Every check a commit must pass, before anything is written.
    fn validate(&self, commit: &Commit, guard: Guard<'_>) -> Result<()> {
        commit.check(guard)?;
        let arn = &commit.execution_arn;
        let mut ids = HashSet::new();
        for timer in &commit.timers_added {
            if !ids.insert(timer.timer_id) || self.timers.contains_key(&(arn.clone(), timer.timer_id)) {
                return Err(Error::Invalid(format!("timer {} of '{arn}' already exists", timer.timer_id)));
            }
        }
        self.signals.check_consumed(commit)?;
        let mut tokens = HashSet::new();
        for task in &commit.tasks {
            let owner = self.tokens.get(&task.token);
            let taken = owner.is_some_and(|(a, id)| a != arn || *id != task.task_id);
            if taken || !tokens.insert(task.token.as_str()) {
                return Err(Error::Invalid(format!("task token '{}' is already used", task.token)));
            }
        }
        Ok(())
    }

    /// Writes a validated commit.
    fn write(&mut self, commit: Commit) {
        let arn = commit.execution_arn;
        let next_event_id = commit.expected_next_event_id + commit.history.len() as u64;
        let next_seq = commit.fed.last().map(|e| e.seq + 1);
        self.history.entry(arn.clone()).or_default().extend(commit.history);
        self.fed.entry(arn.clone()).or_default().extend(commit.fed);
        for timer in commit.timers_added {
            self.timers.insert((arn.clone(), timer.timer_id), timer);
        }
        for id in commit.timers_removed {
            self.timers.remove(&(arn.clone(), id));
        }
        for task in commit.tasks {
            let key = (arn.clone(), task.task_id);
            if let Some(old) = self.tasks.get(&key) {
                self.tokens.remove(&old.token);
            }
            self.tokens.insert(task.token.clone(), key.clone());
            self.tasks.insert(key, task);
        }
        for id in commit.tasks_finished {
            if let Some(task) = self.tasks.get_mut(&(arn.clone(), id)) {
                task.state = TaskState::Finished;
            }
        }
        self.signals.consume(&arn, &commit.signals_consumed, commit.status.is_some());
        if let Some(execution) = self.executions.get_mut(&arn) {
            execution.next_event_id = next_event_id;
            execution.next_seq = next_seq.unwrap_or(execution.next_seq);
            if let Some(redrive) = commit.redrive {
                execution.status = ExecutionStatus::Running;
                (execution.output, execution.error, execution.cause, execution.stopped) = (None, None, None, None);
                execution.redrive_count += 1;
                execution.redrive_date = Some(redrive.date);
                execution.lease = redrive.lease;
            }
            if let Some(change) = commit.status {
                execution.status = change.status;
                execution.output = change.output;
                execution.error = change.error;
                execution.cause = change.cause;
                execution.stopped = change.stopped;
                execution.lease = None;
            }
        }
    }

    /// The oldest SCHEDULED task of the activity, given to `worker`.
    fn claim_activity_task(&mut self, activity_arn: &str, worker: &str) -> Result<Option<TaskRecord>> {
        // Oldest first: by the execution's creation order, then the task id.
        let mut candidates: Vec<(u64, u64, String)> = self
            .tasks
            .values()
            .filter(|t| t.resource == activity_arn && t.state == TaskState::Scheduled && self.running(&t.execution_arn))
            .filter_map(|t| {
                let seq = self.executions.by_arn.get(&t.execution_arn)?;
                Some((*seq, t.task_id, t.execution_arn.clone()))
            })
            .collect();
        candidates.sort();
        let Some((_, task_id, arn)) = candidates.into_iter().next() else { return Ok(None) };
        let Some(task) = self.tasks.get_mut(&(arn, task_id)) else { return Ok(None) };
        task.state = TaskState::Started;
        task.worker = Some(worker.to_string());
        Ok(Some(task.clone()))
    }

    fn running(&self, arn: &str) -> bool {
        self.executions.get(arn).is_some_and(|e| e.status == ExecutionStatus::Running)
    }
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>> {
        self.inner.lock().map_err(|_| Error::Backend("the memory store's lock is poisoned".into()))
    }
}

impl Store for MemoryStore {
    async fn create_state_machine(&self, machine: StateMachine) -> Result<Created<StateMachine>> {
        let mut inner = self.lock()?;
        if let Some(existing) = inner.machines.get(&machine.arn) {
            let same = existing.definition == machine.definition
                && existing.kind == machine.kind
                && existing.configuration == machine.configuration;
            return match same {
                true => Ok(Created { value: existing.clone(), created: false }),
                false => Err(Error::AlreadyExists { kind: "State Machine", key: machine.arn }),
            };
        }
        let seq = inner.next_seq();
        inner.machines.insert(seq, machine.arn.clone(), machine.clone());
        Ok(Created { value: machine, created: true })
    }

    async fn state_machine(&self, arn: &str) -> Result<Option<StateMachine>> {
        Ok(self.lock()?.machines.get(arn).cloned())
    }

    async fn list_state_machines(&self, page: PageRequest) -> Result<Page<StateMachine>> {
        self.lock()?.machines.page(&page)
    }

    async fn delete_state_machine(&self, arn: &str) -> Result<bool> {
        let mut inner = self.lock()?;
        inner.forget_machine(arn);
        Ok(inner.machines.remove(arn))
    }

    async fn update_state_machine(&self, machine: StateMachine) -> Result<bool> {
        Ok(self.lock()?.update_state_machine(machine))
    }

    async fn publish_version(&self, version: Version) -> Result<Created<Version>> {
        self.lock()?.publish_version(version)
    }

    async fn version(&self, arn: &str) -> Result<Option<Version>> {
        Ok(self.lock()?.version(arn))
    }

    async fn list_versions(&self, state_machine_arn: &str, page: PageRequest) -> Result<Page<Version>> {
        self.lock()?.list_versions(state_machine_arn, &page)
    }

    async fn delete_version(&self, arn: &str) -> Result<bool> {
        self.lock()?.delete_version(arn)
    }

    async fn create_alias(&self, alias: Alias) -> Result<Created<Alias>> {
        self.lock()?.create_alias(alias)
    }

    async fn alias(&self, arn: &str) -> Result<Option<Alias>> {
        Ok(self.lock()?.aliases.get(arn).cloned())
    }

    async fn update_alias(&self, alias: Alias) -> Result<bool> {
        Ok(self.lock()?.update_alias(alias))
    }

    async fn delete_alias(&self, arn: &str) -> Result<bool> {
        Ok(self.lock()?.aliases.remove(arn))
    }

    async fn list_aliases(&self, state_machine_arn: &str, page: PageRequest) -> Result<Page<Alias>> {
        self.lock()?.list_aliases(state_machine_arn, &page)
    }

    async fn set_tags(&self, arn: &str, tags: Vec<crate::Tag>) -> Result<bool> {
        Ok(self.lock()?.set_tags(arn, tags))
    }

    async fn create_activity(&self, activity: Activity) -> Result<Created<Activity>> {
        let mut inner = self.lock()?;
        if let Some(existing) = inner.activities.get(&activity.arn) {
            return Ok(Created { value: existing.clone(), created: false });
        }
        let seq = inner.next_seq();
        inner.activities.insert(seq, activity.arn.clone(), activity.clone());
        Ok(Created { value: activity, created: true })
    }

    async fn activity(&self, arn: &str) -> Result<Option<Activity>> {
        Ok(self.lock()?.activities.get(arn).cloned())
    }

    async fn list_activities(&self, page: PageRequest) -> Result<Page<Activity>> {
        self.lock()?.activities.page(&page)
    }

    async fn delete_activity(&self, arn: &str) -> Result<bool> {
        Ok(self.lock()?.activities.remove(arn))
    }

    async fn claim_activity_task(&self, activity_arn: &str, worker: &str) -> Result<Option<TaskRecord>> {
        self.lock()?.claim_activity_task(activity_arn, worker)
    }

    async fn start_execution(&self, start: Start) -> Result<Created<Execution>> {
        let mut inner = self.lock()?;
        let execution = start.execution;
        if inner.machines.get(&execution.state_machine_arn).is_none() {
            return Err(Error::NotFound { kind: "State Machine", key: execution.state_machine_arn });
        }
        if start.commit.execution_arn != execution.arn {
            return Err(Error::Invalid("the first commit names another execution".into()));
        }
        if let Some(existing) = inner.executions.get(&execution.arn) {
            return match existing.status == ExecutionStatus::Running && existing.input == execution.input {
                true => Ok(Created { value: existing.clone(), created: false }),
                false => Err(Error::AlreadyExists { kind: "Execution", key: execution.arn }),
            };
        }
        inner.validate(&start.commit, Guard::from(&execution))?;
        let seq = inner.next_seq();
        let arn = execution.arn.clone();
        inner.executions.insert(seq, arn.clone(), execution);
        inner.write(start.commit);
        let stored = inner.executions.get(&arn).cloned();
        stored.map(|value| Created { value, created: true }).ok_or(Error::Backend("lost a new execution".into()))
    }

    async fn execution(&self, arn: &str) -> Result<Option<Execution>> {
        Ok(self.lock()?.executions.get(arn).cloned())
    }

    async fn list_executions(&self, query: ExecutionQuery) -> Result<Page<Execution>> {
        let inner = self.lock()?;
        let before = query.page.position()?.unwrap_or(u64::MAX);
        let machine = query.state_machine_arn.as_deref();
        let mut items: Vec<(u64, &Execution)> = inner
            .executions
            .items
            .range(..before)
            .rev()
            .filter(|(_, e)| machine.is_none_or(|m| e.state_machine_arn == m))
            .filter(|(_, e)| query.status.is_none_or(|s| e.status == s))
            .filter(|(_, e)| query.redriven.is_none_or(|r| (e.redrive_count > 0) == r))
            .take(query.page.size() + 1)
            .map(|(k, v)| (*k, v))
            .collect();
        Ok(cut(&mut items, query.page.size()))
    }

    async fn commit(&self, commit: Commit) -> Result<()> {
        let mut inner = self.lock()?;
        let Some(execution) = inner.executions.get(&commit.execution_arn) else {
            return Err(Error::NotFound { kind: "Execution", key: commit.execution_arn });
        };
        inner.validate(&commit, Guard::from(execution))?;
        inner.write(commit);
        Ok(())
    }

    async fn history(&self, query: HistoryQuery) -> Result<Page<HistoryEvent>> {
        let inner = self.lock()?;
        if inner.executions.get(&query.execution_arn).is_none() {
            return Err(Error::NotFound { kind: "Execution", key: query.execution_arn });
        }
        let events = inner.history.get(&query.execution_arn).map(Vec::as_slice).unwrap_or_default();
        let cursor = query.page.position()?;
        let mut items: Vec<(u64, &HistoryEvent)> = if query.reverse {
            let end = cursor.map_or(events.len(), |id| (id.saturating_sub(1) as usize).min(events.len()));
            events[..end].iter().rev().take(query.page.size() + 1).map(|e| (e.id, e)).collect()
        } else {
            let start = cursor.map_or(0, |id| (id as usize).min(events.len()));
            events[start..].iter().take(query.page.size() + 1).map(|e| (e.id, e)).collect()
        };
        Ok(cut(&mut items, query.page.size()))
    }

    async fn fed_events(&self, execution_arn: &str) -> Result<Vec<FedEvent>> {
        Ok(self.lock()?.fed.get(execution_arn).cloned().unwrap_or_default())
    }

    async fn due_timers(&self, query: TimerQuery) -> Result<Vec<Timer>> {
        let inner = self.lock()?;
        let node = query.node.as_deref();
        let mut due: Vec<&Timer> = inner
            .timers
            .values()
            .filter(|t| t.fire_at <= query.now)
            .filter(|t| {
                let execution = inner.executions.get(&t.execution_arn);
                execution.is_some_and(|e| {
                    e.status == ExecutionStatus::Running
                        && node.is_none_or(|n| e.lease.as_ref().is_some_and(|l| l.node == n))
                })
            })
            .collect();
        due.sort_by(|a, b| (a.fire_at, &a.execution_arn, a.timer_id).cmp(&(b.fire_at, &b.execution_arn, b.timer_id)));
        Ok(due.into_iter().take(query.limit).cloned().collect())
    }

    async fn timers(&self, execution_arn: &str) -> Result<Vec<Timer>> {
        let inner = self.lock()?;
        Ok(inner.timers.values().filter(|t| t.execution_arn == execution_arn).cloned().collect())
    }

    async fn pending_tasks(&self, execution_arn: &str) -> Result<Vec<TaskRecord>> {
        let inner = self.lock()?;
        let tasks = inner.tasks.values().filter(|t| t.execution_arn == execution_arn && t.state != TaskState::Finished);
        Ok(tasks.cloned().collect())
    }

    async fn task_by_token(&self, token: &str) -> Result<Option<TaskRecord>> {
        let inner = self.lock()?;
        Ok(inner.tokens.get(token).and_then(|key| inner.tasks.get(key)).cloned())
    }

    async fn claim(&self, node: &str, now: i64, lease_ms: i64, limit: usize) -> Result<Vec<String>> {
        let mut inner = self.lock()?;
        let mut claimed = Vec::new();
        for execution in inner.executions.items.values_mut() {
            if claimed.len() >= limit {
                break;
            }
            let free = execution.lease.as_ref().is_none_or(|l| l.until <= now);
            if execution.status == ExecutionStatus::Running && free {
                execution.lease = Some(Lease { node: node.to_string(), until: now + lease_ms });
                claimed.push(execution.arn.clone());
            }
        }
        Ok(claimed)
    }

    async fn renew(&self, node: &str, now: i64, lease_ms: i64) -> Result<Vec<String>> {
        let mut inner = self.lock()?;
        let mut held = Vec::new();
        for execution in inner.executions.items.values_mut() {
            if let Some(lease) = execution.lease.as_mut().filter(|l| l.node == node) {
                lease.until = now + lease_ms;
                held.push(execution.arn.clone());
            }
        }
        Ok(held)
    }

    async fn release(&self, node: &str, execution_arns: &[String]) -> Result<()> {
        let mut inner = self.lock()?;
        for arn in execution_arns {
            if let Some(execution) = inner.executions.get_mut(arn) {
                if execution.lease.as_ref().is_some_and(|l| l.node == node) {
                    execution.lease = None;
                }
            }
        }
        Ok(())
    }

    // --- signals (inbox) ---

    async fn add_signal(&self, execution_arn: &str, event_json: String, now: i64) -> Result<Signal> {
        let mut inner = self.lock()?;
        inner.check_running(execution_arn)?;
        Ok(inner.signals.add(execution_arn, event_json, now))
    }

    async fn signals(&self, execution_arn: &str) -> Result<Vec<Signal>> {
        Ok(self.lock()?.signals.of(execution_arn))
    }

    async fn signalled(&self, node: &str) -> Result<Vec<String>> {
        let inner = self.lock()?;
        let held = |arn: &String| {
            inner.executions.get(arn).is_some_and(|e| {
                e.status == ExecutionStatus::Running && e.lease.as_ref().is_some_and(|l| l.node == node)
            })
        };
        Ok(inner.signals.executions().into_iter().filter(held).collect())
    }

    async fn take_activity_task(
        &self,
        activity_arn: &str,
        worker: &str,
        now: i64,
        started: Box<dyn FnOnce(&TaskRecord) -> String + Send>,
    ) -> Result<Option<(TaskRecord, Signal)>> {
        let mut inner = self.lock()?;
        let Some(task) = inner.claim_activity_task(activity_arn, worker)? else { return Ok(None) };
        let signal = inner.signals.add(&task.execution_arn, started(&task), now);
        Ok(Some((task, signal)))
    }
}
