//! The `stepstone` command: see [`stepstone::cli`].

/// mimalloc: the interpreter allocates many small JSON values; this allocator runs the
/// benchmark workloads faster than glibc's (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    stepstone::cli::main()
}
