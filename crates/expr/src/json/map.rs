//! A JSON object that keeps its keys in insertion order.
//!
//! Entries live in one vector; a key is found by scanning it, which for the handful of keys
//! of typical state data beats hashing. Objects with many keys also get a hash index, so
//! lookups stay constant-time there.
//!
//! The entries are shared behind an `Arc` and copied on the first write (copy on write):
//! copying an object, which the interpreter does for every history event and many data-flow
//! steps, costs a reference count, not a walk of the object.

use super::{Str, Summary, Value};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// Objects with more keys than this keep a hash index beside their entries.
const INDEX_ABOVE: usize = 16;

#[derive(Clone, Default)]
pub struct Map {
    /// `None` for an empty object, so that making one allocates nothing.
    inner: Option<Arc<Inner>>,
}

#[derive(Clone, Default)]
struct Inner {
    entries: Vec<(Str, Value)>,
    /// Key to position, kept only for large objects.
    index: Option<HashMap<Str, usize>>,
    /// The object's [`Summary`], computed once; any write clears it.
    summary: OnceLock<Summary>,
}

const NO_ENTRIES: &[(Str, Value)] = &[];

impl Map {
    pub fn new() -> Map {
        Map::default()
    }

    pub fn with_capacity(capacity: usize) -> Map {
        if capacity == 0 {
            return Map::new();
        }
        Map { inner: Some(Arc::new(Inner { entries: Vec::with_capacity(capacity), ..Inner::default() })) }
    }

    fn entries(&self) -> &[(Str, Value)] {
        self.inner.as_deref().map_or(NO_ENTRIES, |i| &i.entries)
    }

    /// The entries, unshared first when another copy of the object holds them. The caller
    /// may change anything below, so the cached summary goes.
    fn inner_mut(&mut self) -> &mut Inner {
        let inner = Arc::make_mut(self.inner.get_or_insert_with(Arc::default));
        inner.summary.take();
        inner
    }

    /// Facts about the whole object, computed once per version of it.
    pub fn summary(&self) -> Summary {
        match &self.inner {
            None => Summary::EMPTY_OBJECT,
            Some(inner) => *inner.summary.get_or_init(|| {
                let mut summary = Summary::EMPTY_OBJECT;
                for (key, value) in &inner.entries {
                    let child = value.summary();
                    summary.encoded_len += key.len() + 4 + child.encoded_len;
                    summary.canonical_numbers &= child.canonical_numbers;
                }
                summary
            }),
        }
    }

    pub fn len(&self) -> usize {
        self.entries().len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries().is_empty()
    }

    fn position(&self, key: &str) -> Option<usize> {
        let inner = self.inner.as_deref()?;
        match &inner.index {
            Some(index) => index.get(key).copied(),
            None => inner.entries.iter().position(|(k, _)| k.as_str() == key),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.position(key).map(|i| &self.entries()[i].1)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        let i = self.position(key)?;
        Some(&mut self.inner_mut().entries[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Sets `key` to `value`. An existing key keeps its place; the old value is returned.
    pub fn insert(&mut self, key: impl Into<Str>, value: Value) -> Option<Value> {
        let key = key.into();
        if let Some(i) = self.position(&key) {
            return Some(std::mem::replace(&mut self.inner_mut().entries[i].1, value));
        }
        self.push_new(key, value);
        None
    }

    /// Appends a key known to be absent.
    fn push_new(&mut self, key: Str, value: Value) {
        let inner = self.inner_mut();
        if let Some(index) = &mut inner.index {
            index.insert(key.clone(), inner.entries.len());
        }
        inner.entries.push((key, value));
        if inner.index.is_none() && inner.entries.len() > INDEX_ABOVE {
            inner.reindex();
        }
    }

    /// The value at `key`, inserted by `make` first when absent.
    pub fn get_or_insert_with(&mut self, key: &str, make: impl FnOnce() -> Value) -> &mut Value {
        let i = match self.position(key) {
            Some(i) => i,
            None => {
                self.push_new(Str::from(key), make());
                self.len() - 1
            }
        };
        &mut self.inner_mut().entries[i].1
    }

    /// Removes `key`, keeping the order of the others.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let i = self.position(key)?;
        let inner = self.inner_mut();
        let (_, value) = inner.entries.remove(i);
        if inner.index.is_some() {
            inner.reindex();
        }
        Some(value)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&Str, &Value)> + ExactSizeIterator {
        self.entries().iter().map(|(k, v)| (k, v))
    }

    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = (&Str, &mut Value)> + ExactSizeIterator {
        let entries: &mut [(Str, Value)] = match self.inner {
            None => &mut [],
            Some(_) => &mut self.inner_mut().entries,
        };
        entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Str> + ExactSizeIterator {
        self.entries().iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator {
        self.entries().iter().map(|(_, v)| v)
    }

    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut Value> + ExactSizeIterator {
        self.iter_mut().map(|(_, v)| v)
    }
}

impl Inner {
    fn reindex(&mut self) {
        if self.entries.len() > INDEX_ABOVE {
            self.index = Some(self.entries.iter().enumerate().map(|(i, (k, _))| (k.clone(), i)).collect());
        } else {
            self.index = None;
        }
    }
}

impl PartialEq for Map {
    /// Equal when both hold the same keys with equal values, in any order (as JSON objects).
    fn eq(&self, other: &Map) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl std::fmt::Debug for Map {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Into<Str>> FromIterator<(K, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Map {
        let mut map = Map::new();
        map.extend(iter);
        map
    }
}

impl<K: Into<Str>> Extend<(K, Value)> for Map {
    fn extend<I: IntoIterator<Item = (K, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl IntoIterator for Map {
    type Item = (Str, Value);
    type IntoIter = std::vec::IntoIter<(Str, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        match self.inner {
            None => Vec::new().into_iter(),
            Some(inner) => {
                Arc::try_unwrap(inner).map_or_else(|shared| shared.entries.clone(), |i| i.entries).into_iter()
            }
        }
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a Str, &'a Value);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (Str, Value)>, fn(&'a (Str, Value)) -> (&'a Str, &'a Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries().iter().map(|(k, v)| (k, v))
    }
}

impl std::ops::Index<&str> for Map {
    type Output = Value;
    /// The value at `key`; panics when there is none, as `serde_json::Map` does.
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or_else(|| panic!("no key {key:?} in the object"))
    }
}

impl crate::Variables for Map {
    fn get(&self, name: &str) -> Option<&Value> {
        Map::get(self, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_replaces_in_place_and_finds_keys_at_any_size() {
        for size in [0usize, 1, 16, 17, 100] {
            let mut map = Map::new();
            for i in 0..size {
                assert_eq!(map.insert(format!("k{i}"), Value::from(i)), None);
            }
            assert_eq!(map.insert("k0", Value::from("x")).is_some(), size > 0);
            let keys: Vec<String> = map.keys().map(|k| k.to_string()).collect();
            let expected: Vec<String> =
                (0..size).map(|i| format!("k{i}")).chain((size == 0).then(|| "k0".to_string())).collect();
            assert_eq!(keys, expected);
            for i in 1..size {
                assert_eq!(map.get(&format!("k{i}")), Some(&Value::from(i)));
            }
            assert_eq!(map.get("missing"), None);
            if size > 2 {
                assert_eq!(map.remove("k1"), Some(Value::from(1usize)));
                assert_eq!(map.keys().nth(1).map(|k| k.to_string()), Some("k2".to_string()));
                assert_eq!(map.get("k2"), Some(&Value::from(2usize)));
                assert!(!map.contains_key("k1"));
            }
        }
    }

    #[test]
    fn copies_share_until_written_and_the_summary_follows_writes() {
        let mut a = Map::new();
        a.insert("x", Value::from(1));
        a.insert("nested", Value::Object(Map::from_iter([("y", Value::from(2.0))])));
        let before = a.summary();
        assert!(!before.canonical_numbers, "2.0 is not how JSONata prints 2");
        let mut b = a.clone();
        b.insert("x", Value::from("longer text"));
        assert_eq!(a.get("x"), Some(&Value::from(1)), "writing a copy must not change the original");
        assert_eq!(a.summary(), before, "the original's summary is unchanged");
        assert!(b.summary().encoded_len > before.encoded_len);
        if let Some(Value::Object(nested)) = b.get_mut("nested") {
            nested.insert("y", Value::from(2));
        }
        assert!(b.summary().canonical_numbers, "a write below clears the cached summary");
        assert!(!a.summary().canonical_numbers);
    }
}
