//! Names derived from a task like its token: the name of a child execution a task starts
//! without one, the same on every replay (so a start repeated after a crash finds the same
//! child) and unrelated to the task's token.

use crate::{task_token, TaskId};

/// Turns the secret into the key of names, so that a name reveals nothing of any token.
const NAME_KEY: u128 = 0x6e61_6d65_7320_6f66_2074_6173_6b73_2121;

/// A UUID (version 4 form) for task `task` of the execution whose secret is `secret`.
pub fn task_uuid(secret: u128, task: TaskId) -> String {
    // A token under another key: as unguessable, and independent of the task's token.
    let token = task_token(secret ^ NAME_KEY, task);
    let mut bytes = Vec::with_capacity(24);
    let (mut acc, mut bits) = (0u32, 0);
    for c in token.bytes().skip(2) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            _ => 63,
        };
        acc = acc << 6 | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((acc >> bits) as u8);
        }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_uuids_are_stable_distinct_and_unlike_tokens() {
        let a = task_uuid(7, 1);
        assert_eq!(a, task_uuid(7, 1));
        assert_ne!(a, task_uuid(7, 2));
        assert_ne!(a, task_uuid(8, 1));
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
        assert!(a.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()));
        // Not the token's bits: the token of the same task decodes to other bytes.
        let token = task_token(7, 1);
        assert!(!token.contains(&a[..4]) || !token.contains(&a[9..13]));
    }
}
