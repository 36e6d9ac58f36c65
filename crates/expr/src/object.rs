//! Key lookups in JSON objects, tuned for the small objects that state data is made of.
//!
//! serde_json keeps key order with an `IndexMap` hashed by SipHash. For a handful of keys a
//! scan of the entries in order is faster than hashing the key (measured on `stepstone
//! bench`, W2 chain100).

use serde_json::{Map, Value};

/// Objects up to this size are scanned rather than hashed.
const SCAN_LIMIT: usize = 8;

pub(crate) fn get<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    if object.len() <= SCAN_LIMIT {
        object.iter().find_map(|(k, v)| (k == key).then_some(v))
    } else {
        object.get(key)
    }
}

pub(crate) fn get_mut<'a>(object: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Value> {
    if object.len() <= SCAN_LIMIT {
        object.iter_mut().find_map(|(k, v)| (k == key).then_some(v))
    } else {
        object.get_mut(key)
    }
}

pub(crate) fn contains(object: &Map<String, Value>, key: &str) -> bool {
    get(object, key).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn small_and_large_objects_find_the_same_keys() {
        for size in [0usize, 1, 8, 9, 40] {
            let mut object = Map::new();
            for i in 0..size {
                object.insert(format!("k{i}"), json!(i));
            }
            for i in 0..size {
                assert_eq!(get(&object, &format!("k{i}")), Some(&json!(i)));
                *get_mut(&mut object, &format!("k{i}")).unwrap() = json!(i + 1);
                assert_eq!(object[&format!("k{i}")], json!(i + 1));
            }
            assert_eq!(get(&object, "missing"), None);
            assert!(!contains(&object, "missing"));
        }
    }
}
