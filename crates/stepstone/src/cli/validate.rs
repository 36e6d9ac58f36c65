//! `stepstone validate`: prints every diagnostic of a definition, `OK` when it has no error.

use super::{files, Failure, ValidateArgs, EXIT_FAILED};

pub fn validate(args: &ValidateArgs) -> Result<u8, Failure> {
    let text = files::read_text(&args.definition)?;
    let checked = files::check_definition(&text, args.kind.into());
    for d in &checked.errors {
        println!("{d}");
    }
    for d in &checked.warnings {
        println!("warning: {d}");
    }
    if checked.errors.is_empty() {
        println!("OK");
        Ok(0)
    } else {
        Ok(EXIT_FAILED)
    }
}
