//! Array functions: `States.ArrayPartition`, `ArrayContains`, `ArrayRange`, `ArrayGetItem`,
//! `ArrayLength` and `ArrayUnique` (`States.Array` itself needs no code).

use super::{json_eq, Ctx, Outcome};
use crate::Value;

/// The most items `States.ArrayRange` may produce.
const MAX_RANGE_ITEMS: i64 = 1000;

pub(super) fn partition(ctx: &Ctx) -> Outcome {
    let items = ctx.array(0)?;
    let size = ctx.integer(1)?;
    if size <= 0 {
        return Err(ctx.invalid("chunk size must be greater than 0"));
    }
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    Ok(Value::Array(items.chunks(size).map(|c| Value::Array(c.to_vec())).collect()))
}

pub(super) fn contains(ctx: &Ctx) -> Outcome {
    let items = ctx.array(0)?;
    let needle = ctx.args.get(1).unwrap_or(&Value::Null);
    Ok(Value::Bool(items.iter().any(|v| json_eq(v, needle))))
}

/// `States.ArrayRange(first, last, step)`: `first`, `first + step`, ... up to and
/// including `last`.
pub(super) fn range(ctx: &Ctx) -> Outcome {
    let first = ctx.integer(0)?;
    let last = ctx.integer(1)?;
    let step = ctx.integer(2)?;
    if step == 0 {
        return Err(ctx.invalid("step must not be 0"));
    }
    let span = if step > 0 { last - first } else { first - last };
    let count = if span < 0 { 0 } else { span / step.abs() + 1 };
    if count > MAX_RANGE_ITEMS {
        return Err(ctx.invalid(format!("the range must have at most {MAX_RANGE_ITEMS} items")));
    }
    Ok(Value::Array((0..count).map(|i| Value::from(first + i * step)).collect()))
}

pub(super) fn get_item(ctx: &Ctx) -> Outcome {
    let items = ctx.array(0)?;
    let index = ctx.integer(1)?;
    usize::try_from(index)
        .ok()
        .and_then(|i| items.get(i))
        .cloned()
        .ok_or_else(|| ctx.invalid(format!("index {index} is out of bounds for length {}", items.len())))
}

pub(super) fn length(ctx: &Ctx) -> Outcome {
    Ok(Value::from(ctx.array(0)?.len()))
}

/// Keeps the first of equal items, in order.
pub(super) fn unique(ctx: &Ctx) -> Outcome {
    let items = ctx.array(0)?;
    let mut kept: Vec<Value> = Vec::with_capacity(items.len());
    for item in items {
        if !kept.iter().any(|k| json_eq(k, item)) {
            kept.push(item.clone());
        }
    }
    Ok(Value::Array(kept))
}
