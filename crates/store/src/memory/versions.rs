//! The [`MemoryStore`](super::MemoryStore)'s versions, aliases and tags.

use super::{cut, Inner};
use crate::{Alias, Created, Error, Page, PageRequest, Result, StateMachine, Tag, Version};

/// The machine ARN and number of a version ARN (`{machine}:{number}`).
fn split(arn: &str) -> Option<(&str, u64)> {
    let (machine, number) = arn.rsplit_once(':')?;
    Some((machine, number.parse().ok()?))
}

impl Inner {
    pub(super) fn update_state_machine(&mut self, machine: StateMachine) -> bool {
        match self.machines.get_mut(&machine.arn) {
            Some(stored) => {
                *stored = StateMachine { created: stored.created, name: stored.name.clone(), ..machine };
                true
            }
            None => false,
        }
    }

    /// Drops the versions, aliases and version counter of a deleted machine.
    pub(super) fn forget_machine(&mut self, arn: &str) {
        self.versions.remove(arn);
        self.version_counters.remove(arn);
        let aliases: Vec<String> =
            self.aliases.items.values().filter(|a| a.state_machine_arn == arn).map(|a| a.arn.clone()).collect();
        for alias in aliases {
            self.aliases.remove(&alias);
        }
    }

    pub(super) fn publish_version(&mut self, mut version: Version) -> Result<Created<Version>> {
        let machine_arn = version.state_machine_arn.clone();
        if self.machines.get(&machine_arn).is_none() {
            return Err(Error::NotFound { kind: "State Machine", key: machine_arn });
        }
        let versions = self.versions.entry(machine_arn.clone()).or_default();
        if let Some(newest) = versions.values().next_back() {
            if newest.revision_id == version.revision_id {
                return Ok(Created { value: newest.clone(), created: false });
            }
        }
        let counter = self.version_counters.entry(machine_arn.clone()).or_default();
        *counter += 1;
        version.number = *counter;
        version.arn = format!("{machine_arn}:{}", version.number);
        versions.insert(version.number, version.clone());
        Ok(Created { value: version, created: true })
    }

    pub(super) fn version(&self, arn: &str) -> Option<Version> {
        let (machine, number) = split(arn)?;
        self.versions.get(machine)?.get(&number).cloned()
    }

    pub(super) fn list_versions(&self, machine: &str, page: &PageRequest) -> Result<Page<Version>> {
        let before = page.position()?.unwrap_or(u64::MAX);
        let Some(versions) = self.versions.get(machine) else { return Ok(Page { items: vec![], next: None }) };
        let mut items: Vec<(u64, &Version)> =
            versions.range(..before).rev().take(page.size() + 1).map(|(k, v)| (*k, v)).collect();
        Ok(cut(&mut items, page.size()))
    }

    pub(super) fn delete_version(&mut self, arn: &str) -> Result<bool> {
        let Some((machine, number)) = split(arn) else { return Ok(false) };
        if self.versions.get(machine).is_none_or(|v| !v.contains_key(&number)) {
            return Ok(false);
        }
        let by: Vec<String> = self
            .aliases
            .items
            .values()
            .filter(|a| a.routing.iter().any(|(v, _)| v == arn))
            .map(|a| a.name.clone())
            .collect();
        if !by.is_empty() {
            return Err(Error::InUse { key: arn.to_string(), by });
        }
        Ok(self.versions.get_mut(machine).and_then(|v| v.remove(&number)).is_some())
    }

    pub(super) fn create_alias(&mut self, alias: Alias) -> Result<Created<Alias>> {
        if self.machines.get(&alias.state_machine_arn).is_none() {
            return Err(Error::NotFound { kind: "State Machine", key: alias.state_machine_arn });
        }
        if let Some(existing) = self.aliases.get(&alias.arn) {
            return match existing.description == alias.description && existing.routing == alias.routing {
                true => Ok(Created { value: existing.clone(), created: false }),
                false => Err(Error::AlreadyExists { kind: "Alias", key: alias.arn }),
            };
        }
        let seq = self.next_seq();
        self.aliases.insert(seq, alias.arn.clone(), alias.clone());
        Ok(Created { value: alias, created: true })
    }

    pub(super) fn update_alias(&mut self, alias: Alias) -> bool {
        match self.aliases.get_mut(&alias.arn) {
            Some(stored) => {
                stored.description = alias.description;
                stored.routing = alias.routing;
                stored.updated = alias.updated;
                true
            }
            None => false,
        }
    }

    pub(super) fn list_aliases(&self, machine: &str, page: &PageRequest) -> Result<Page<Alias>> {
        let after = page.position()?.map_or(0, |p| p + 1);
        let mut items: Vec<(u64, &Alias)> = self
            .aliases
            .items
            .range(after..)
            .filter(|(_, a)| a.state_machine_arn == machine)
            .take(page.size() + 1)
            .map(|(k, v)| (*k, v))
            .collect();
        Ok(cut(&mut items, page.size()))
    }

    pub(super) fn set_tags(&mut self, arn: &str, tags: Vec<Tag>) -> bool {
        if let Some(machine) = self.machines.get_mut(arn) {
            machine.tags = tags;
            true
        } else if let Some(activity) = self.activities.get_mut(arn) {
            activity.tags = tags;
            true
        } else {
            false
        }
    }
}
