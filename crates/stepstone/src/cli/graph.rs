//! `stepstone graph`: draws a definition as SVG (the console's drawing), to stdout or a file.

use super::{files, Failure, GraphArgs};
use serde_json::Value;

pub fn graph(args: &GraphArgs) -> Result<u8, Failure> {
    let text = files::read_text(&args.definition)?;
    let definition: Value = serde_json::from_str(&text)
        .map_err(|e| Failure::usage(format!("{} is not valid JSON: {e}", args.definition.display())))?;
    let drawing = if args.legend { graph::legend() } else { graph::svg(&definition, &graph::Overlay::new()) };
    match &args.out {
        Some(path) => std::fs::write(path, drawing + "\n")
            .map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display())))?,
        None => println!("{drawing}"),
    }
    Ok(0)
}
