//! Retry: picking the retrier for an error and the delay before the next attempt.

use crate::errors;
use asl::{Jitter, Retrier};

/// What the retriers decide for one failure.
pub(crate) enum Decision {
    /// Try again after this many milliseconds.
    RetryAfter(i64),
    /// No retrier applies, or the matching one is exhausted: go to Catch.
    GiveUp,
}

/// The index of the first retrier whose `ErrorEquals` matches `error`.
pub(crate) fn retrier_for(retriers: &[Retrier], error: &str) -> Option<usize> {
    retriers.iter().position(|r| errors::matches(&r.error_equals, error))
}

/// Finds the first retrier whose `ErrorEquals` matches `error`, counts the attempt in
/// `attempts` (one counter per retrier) and gives the delay.
pub(crate) fn decide(retriers: &[Retrier], attempts: &mut Vec<u32>, error: &str, rng: &expr::Rng) -> Decision {
    let Some(index) = retrier_for(retriers, error) else {
        return Decision::GiveUp;
    };
    if attempts.len() < retriers.len() {
        attempts.resize(retriers.len(), 0);
    }
    let retrier = &retriers[index];
    let done = attempts[index];
    if u64::from(done) >= retrier.max_attempts {
        return Decision::GiveUp;
    }
    attempts[index] = done + 1;
    let mut seconds = retrier.interval_seconds as f64 * retrier.backoff_rate.powi(done as i32);
    if let Some(max) = retrier.max_delay_seconds {
        seconds = seconds.min(max as f64);
    }
    if retrier.jitter == Jitter::Full {
        let unit = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        seconds *= unit;
    }
    let millis = (seconds * 1000.0).min(i64::MAX as f64 / 2.0) as i64;
    Decision::RetryAfter(millis.max(0))
}
