//! One slot per execution in a node: whoever commits for an execution or rebuilds it from the
//! store (a start, a redrive, a recovery, then the driver) holds its slot from before that
//! store call until the driver it spawns ends.
//!
//! Taking a slot is one check-and-insert under the `drivers` lock, so at most one of them
//! acts for an execution at a time: no driver can commit between another's read (or commit)
//! and the commands it carries out from it. A slot's wake-up is made when it is taken and
//! handed to its driver, so a signal that comes while the slot is only reserved is kept (as
//! a `Notify` permit) for the driver instead of being lost.

use crate::Shared;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::AbortHandle;

/// Distinguishes the holders of one execution's slot over time.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The holder of an execution's slot in [`Shared::drivers`]: reserved (no `abort` yet), or a
/// running driver.
pub(crate) struct DriverHandle {
    pub(crate) id: u64,
    pub(crate) abort: Option<AbortHandle>,
    /// Tells the holder that signals wait in the store.
    pub(crate) wake: Arc<Notify>,
}

/// A reserved slot: the right to read or commit for the execution and then spawn its driver
/// ([`crate::driver::spawn`]). Dropped unused, it frees the slot.
pub(crate) struct Slot<S> {
    pub(crate) shared: Arc<Shared<S>>,
    pub(crate) arn: String,
    pub(crate) id: u64,
    pub(crate) wake: Arc<Notify>,
}

impl<S> Drop for Slot<S> {
    fn drop(&mut self) {
        let mut drivers = self.shared.drivers.lock().unwrap_or_else(|e| e.into_inner());
        // Still only reserved by this slot: no driver took it over.
        if drivers.get(&self.arn).is_some_and(|holder| holder.id == self.id && holder.abort.is_none()) {
            drivers.remove(&self.arn);
        }
    }
}

/// Reserves the execution's slot; `None` when another start, redrive, recovery or driver
/// holds it.
pub(crate) fn reserve<S>(shared: &Arc<Shared<S>>, arn: &str) -> Option<Slot<S>> {
    let mut drivers = shared.drivers.lock().unwrap_or_else(|e| e.into_inner());
    if drivers.contains_key(arn) {
        return None;
    }
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let wake = Arc::new(Notify::new());
    drivers.insert(arn.to_string(), DriverHandle { id, abort: None, wake: Arc::clone(&wake) });
    Some(Slot { shared: Arc::clone(shared), arn: arn.to_string(), id, wake })
}

/// [`reserve`], trying again every 10 ms for at most `wait` (the driver of an execution that
/// just closed may still be leaving).
pub(crate) async fn reserve_within<S>(shared: &Arc<Shared<S>>, arn: &str, wait: Duration) -> Option<Slot<S>> {
    reserve_while(shared, arn, wait, |_| true).await
}

/// [`reserve`] unless a driver runs the execution here; while another only reserved its
/// slot (a start, a redrive or a recovery on its way to a driver), waits for at most `wait`
/// to see which.
pub(crate) async fn reserve_unless_driven<S>(shared: &Arc<Shared<S>>, arn: &str, wait: Duration) -> Option<Slot<S>> {
    reserve_while(shared, arn, wait, |holder| holder.abort.is_none()).await
}

/// Reserves the slot, trying again every 10 ms for at most `wait` while its holder is one
/// to `wait_for`.
async fn reserve_while<S>(
    shared: &Arc<Shared<S>>,
    arn: &str,
    wait: Duration,
    wait_for: impl Fn(&DriverHandle) -> bool,
) -> Option<Slot<S>> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        if let Some(slot) = reserve(shared, arn) {
            return Some(slot);
        }
        let waiting = {
            let drivers = shared.drivers.lock().unwrap_or_else(|e| e.into_inner());
            drivers.get(arn).is_none_or(&wait_for)
        };
        if !waiting || tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Wakes the holder of the execution's slot in this node, if any: its driver, or the driver
/// that its reservation will spawn.
pub(crate) fn wake<S>(shared: &Shared<S>, arn: &str) {
    let drivers = shared.drivers.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(holder) = drivers.get(arn) {
        holder.wake.notify_one();
    }
}
