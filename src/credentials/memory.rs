//! The in-memory backend of a [`SessionStore`](super::store::SessionStore): the same records
//! and per-profile locks, kept in the process only (tests, short-lived programs, a server
//! that signs in at start-up and must not write to disk).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use serde_json::Value;
use zeroize::Zeroize as _;

/// Records by profile, and the profiles whose lock is held.
#[derive(Default)]
pub(crate) struct Memory {
    records: Mutex<HashMap<String, Record>>,
    locked: Mutex<HashSet<String>>,
    released: Condvar,
}

/// One profile's entry: the provider that wrote it and its record.
pub(crate) struct Record {
    pub(crate) provider: &'static str,
    pub(crate) data: Value,
}

impl Drop for Record {
    fn drop(&mut self) {
        wipe(&mut self.data);
    }
}

/// Overwrites the strings of a record (its secrets) before the memory is freed.
fn wipe(value: &mut Value) {
    match value {
        Value::String(s) => s.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(wipe),
        Value::Object(map) => map.values_mut().for_each(wipe),
        _ => {}
    }
}

impl std::fmt::Debug for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Profile names only: the records hold secrets.
        let profiles: Vec<String> = self.records().keys().cloned().collect();
        f.debug_struct("Memory")
            .field("profiles", &profiles)
            .finish_non_exhaustive()
    }
}

impl Memory {
    pub(crate) fn records(&self) -> MutexGuard<'_, HashMap<String, Record>> {
        // A panic while holding the map cannot leave a half-written record: entries are
        // replaced whole.
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until no one holds `profile`'s lock, then holds it until the guard drops.
    pub(crate) fn lock(self: &Arc<Self>, profile: &str) -> MemoryLock {
        let mut locked = self.locked.lock().unwrap_or_else(PoisonError::into_inner);
        while locked.contains(profile) {
            locked = self
                .released
                .wait(locked)
                .unwrap_or_else(PoisonError::into_inner);
        }
        locked.insert(profile.to_owned());
        MemoryLock {
            memory: Arc::clone(self),
            profile: profile.to_owned(),
        }
    }
}

/// A held in-memory profile lock, released on drop.
pub(crate) struct MemoryLock {
    memory: Arc<Memory>,
    profile: String,
}

impl std::fmt::Debug for MemoryLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryLock")
            .field("profile", &self.profile)
            .finish()
    }
}

impl Drop for MemoryLock {
    fn drop(&mut self) {
        let mut locked = self
            .memory
            .locked
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        locked.remove(&self.profile);
        self.memory.released.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_profile_lock_is_exclusive_and_released_on_drop() {
        let memory = Arc::new(Memory::default());
        let first = memory.lock("default");
        let other = memory.lock("other"); // another profile is not blocked
        let waiter = {
            let memory = Arc::clone(&memory);
            std::thread::spawn(move || {
                let _second = memory.lock("default");
            })
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(!waiter.is_finished(), "the second holder did not wait");
        drop(first);
        waiter.join().unwrap();
        drop(other);
    }
}
