//! Task tokens: unguessable, yet the same on every replay of an execution.
//!
//! A token is HMAC-SHA256 (RFC 2104) keyed by the execution's random 128-bit secret
//! ([`crate::ExecutionInfo::task_secret`]) over the task id, so nobody without the secret can
//! derive one from ARNs or ids, and replaying the execution gives the same tokens again.

use crate::TaskId;
use sha2::{Digest, Sha256};

/// What every token starts with (AWS's tokens also start with `AQ`).
const PREFIX: &str = "AQ";
/// Bytes of the MAC kept in a token: 192 bits.
const MAC_BYTES: usize = 24;
/// The length of a token: the prefix and the MAC in unpadded base64url.
pub const TASK_TOKEN_LEN: usize = PREFIX.len() + MAC_BYTES * 4 / 3;

/// The task token of task `task` of the execution whose secret is `secret`.
pub fn task_token(secret: u128, task: TaskId) -> String {
    let mut message = Vec::with_capacity(13);
    message.extend_from_slice(b"task:");
    message.extend_from_slice(&task.to_be_bytes());
    let mac = hmac_sha256(&secret.to_be_bytes(), &message);
    let mut token = String::with_capacity(TASK_TOKEN_LEN);
    token.push_str(PREFIX);
    base64url(&mac[..MAC_BYTES], &mut token);
    token
}

/// Whether `text` has the shape of a token this engine makes (not whether it names a task).
pub fn is_task_token(text: &str) -> bool {
    text.len() == TASK_TOKEN_LEN
        && text.starts_with(PREFIX)
        && text[PREFIX.len()..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// HMAC-SHA256 of `message` under `key` (a key no longer than a block).
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut padded = [0u8; BLOCK];
    padded[..key.len()].copy_from_slice(key);
    let inner_key: Vec<u8> = padded.iter().map(|b| b ^ 0x36).collect();
    let outer_key: Vec<u8> = padded.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new().chain_update(&inner_key).chain_update(message).finalize();
    Sha256::new().chain_update(&outer_key).chain_update(inner).finalize().into()
}

/// Appends `bytes` (a multiple of 3 long) in unpadded base64url.
fn base64url(bytes: &[u8], out: &mut String) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, &b| n << 8 | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn tokens_are_stable_distinct_and_well_formed() {
        let a = task_token(0x0123_4567_89ab_cdef_0011_2233_4455_6677, 1);
        assert_eq!(a, task_token(0x0123_4567_89ab_cdef_0011_2233_4455_6677, 1));
        assert_ne!(a, task_token(0x0123_4567_89ab_cdef_0011_2233_4455_6677, 2));
        assert_ne!(a, task_token(0x0123_4567_89ab_cdef_0011_2233_4455_6678, 1));
        assert_eq!(a.len(), TASK_TOKEN_LEN);
        assert!(is_task_token(&a), "{a}");
        assert!(!is_task_token("arn:aws:states:us-east-1:1:execution:m:e/task/1"));
        assert!(!is_task_token(&a[..a.len() - 1]));
        let mut bad = a.clone();
        bad.replace_range(5..6, "+");
        assert!(!is_task_token(&bad));
    }

    #[test]
    fn base64url_encodes_like_the_rfc() {
        let mut out = String::new();
        base64url(b"\xfb\xff\xfe", &mut out);
        assert_eq!(out, "-__-");
    }
}
