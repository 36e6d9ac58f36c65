//! A deterministic random source: the interpreter seeds it per execution, so replays match.

use std::cell::Cell;

/// SplitMix64 over a `Cell`, so that evaluation can draw numbers through a shared `&Scope`.
#[derive(Debug, Default)]
pub struct Rng {
    state: Cell<u64>,
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng { state: Cell::new(seed) }
    }

    pub fn next_u64(&self) -> u64 {
        let s = self.state.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.state.set(s);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// The current state, to be stored with the execution so a replay continues the sequence.
    pub fn state(&self) -> u64 {
        self.state.get()
    }

    /// A version 4 UUID (RFC 4122 text form) drawn from this generator.
    pub fn uuid_v4(&self) -> String {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_be_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_be_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
    }
}
