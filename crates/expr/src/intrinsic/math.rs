//! Math functions: `States.MathAdd` and `States.MathRandom`.

use super::{Ctx, Outcome};
use crate::Rng;
use crate::Value;

/// `States.MathAdd(a, b)`: both numbers are rounded half up to integers first (AWS gives
/// `MathAdd(1.5, 1.51) = 4`), and the sum is an integer.
pub(super) fn add(ctx: &Ctx) -> Outcome {
    let a = ctx.rounded(0)?;
    let b = ctx.rounded(1)?;
    let sum = a.checked_add(b).ok_or_else(|| ctx.invalid("the sum overflows"))?;
    Ok(Value::from(sum))
}

/// `States.MathRandom(start, end[, seed])`: an integer with `start <= n < end`. With a seed,
/// the number depends only on the seed; without, it comes from the execution's generator.
pub(super) fn random(ctx: &Ctx) -> Outcome {
    let start = ctx.rounded(0)?;
    let end = ctx.rounded(1)?;
    if end <= start {
        return Err(ctx.invalid("the end must be greater than the start"));
    }
    let draw = match ctx.args.get(2) {
        Some(_) => Rng::new(ctx.rounded(2)? as u64).next_u64(),
        None => ctx.scope.rng.next_u64(),
    };
    let width = (end as i128 - start as i128) as u128;
    let n = start as i128 + (draw as u128 % width) as i128;
    Ok(Value::from(n as i64))
}
