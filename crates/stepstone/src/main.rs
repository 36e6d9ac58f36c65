//! The `stepstone` command.

fn main() {
    println!("stepstone");
}
