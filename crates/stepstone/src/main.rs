//! The `stepstone` command: see [`stepstone::cli`].

fn main() -> std::process::ExitCode {
    stepstone::cli::main()
}
