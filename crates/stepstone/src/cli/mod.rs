//! The `stepstone` command line: argument parsing (clap) and dispatch to each subcommand.

mod bench;
mod bench_http;
mod files;
mod graph;
mod http_client;
mod run;
mod serve;
mod validate;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code for a usage problem: a missing or unreadable file, input that is not JSON,
/// a definition that does not validate (for `run`).
pub const EXIT_USAGE: u8 = 2;
/// Exit code for an execution that did not succeed, or a definition with errors (`validate`).
pub const EXIT_FAILED: u8 = 1;

#[derive(Debug, Parser)]
#[command(name = "stepstone", version, about = "A self-hosted AWS Step Functions")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a state machine definition once, in-process, and print its output.
    Run(RunArgs),
    /// Validate a definition and print every problem found.
    Validate(ValidateArgs),
    /// Measure state transitions per second on the benchmark workloads.
    Bench(BenchArgs),
    /// Serve the AWS Step Functions API over HTTP, with executions stored in SQLite.
    Serve(ServeArgs),
    /// Load a running server over HTTP with a benchmark workload and print its throughput.
    BenchHttp(BenchHttpArgs),
    /// Draw a definition as an SVG graph (as the console shows it).
    Graph(GraphArgs),
}

/// STANDARD or EXPRESS (some integrations are not allowed in EXPRESS machines).
#[derive(Debug, Clone, Copy, ValueEnum, Default)]
#[value(rename_all = "UPPER")]
pub enum MachineKind {
    #[default]
    Standard,
    Express,
}

impl From<MachineKind> for asl::MachineType {
    fn from(kind: MachineKind) -> Self {
        match kind {
            MachineKind::Standard => asl::MachineType::Standard,
            MachineKind::Express => asl::MachineType::Express,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The definition file (Amazon States Language, JSON).
    pub definition: PathBuf,
    /// The execution input: JSON text, or @FILE to read it from a file.
    #[arg(long, default_value = "{}")]
    pub input: String,
    /// Also print the execution history (a table, or `events` with --json).
    #[arg(long)]
    pub history: bool,
    /// Multiplies every wait and retry delay; 0 skips them.
    #[arg(long, default_value_t = 1.0)]
    pub time_scale: f64,
    /// Print one JSON object shaped like DescribeExecution.
    #[arg(long)]
    pub json: bool,
    /// The execution's name.
    #[arg(long)]
    pub name: Option<String>,
    /// The state machine type.
    #[arg(long = "type", value_enum, default_value_t)]
    pub kind: MachineKind,
    /// A mock file in AWS Step Functions Local's format (MockConfigFile.json). Default: the
    /// SFN_MOCK_CONFIG environment variable (read only when --test-case is given).
    #[arg(long, requires = "test_case")]
    pub mock_config: Option<PathBuf>,
    /// The test case of the mock file to use.
    #[arg(long)]
    pub test_case: Option<String>,
    /// The state machine of the mock file (default: the definition file's name without its
    /// extensions, or the file's only state machine).
    #[arg(long, requires = "test_case")]
    pub state_machine: Option<String>,
    /// NAME=COMMAND: a Task on the Lambda function NAME runs COMMAND with `sh -c`, the event
    /// JSON on stdin and the result JSON on stdout. Repeatable.
    #[arg(long = "function", value_name = "NAME=COMMAND")]
    pub functions: Vec<String>,
    /// The configuration file (default: stepstone.toml in the working directory, if any).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The definition file (Amazon States Language, JSON).
    pub definition: PathBuf,
    /// The state machine type.
    #[arg(long = "type", value_enum, default_value_t)]
    pub kind: MachineKind,
}

#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// The definition file (Amazon States Language, JSON; it need not be valid).
    pub definition: PathBuf,
    /// Write the SVG to this file instead of printing it.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Draw the legend of the status colours instead of the definition.
    #[arg(long)]
    pub legend: bool,
}

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Only this workload (its id, e.g. W3, or its name, e.g. choice_loop).
    #[arg(long)]
    pub workload: Option<String>,
    /// How long to run each workload, in seconds.
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
    /// The workloads directory (with manifest.json). Default: ../shared/bench/workloads
    /// beside the repository, then the repository's own bench/workloads (JSONata versions).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Record every history event, with its payloads, as a stored execution would.
    #[arg(long)]
    pub history: bool,
}

/// What `bench-http` measures.
#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum BenchMode {
    /// StartSyncExecution of an EXPRESS machine, back to back, for --duration.
    #[default]
    Sync,
    /// --executions STANDARD executions started at once; waits until all have ended.
    Standard,
}

#[derive(Debug, clap::Args)]
pub struct BenchHttpArgs {
    /// The server, e.g. http://127.0.0.1:8083.
    #[arg(long, default_value = "http://127.0.0.1:8083")]
    pub endpoint: String,
    /// The workload: its id (W1), name (hello) or both (W1_hello).
    #[arg(long, default_value = "W1_hello")]
    pub workload: String,
    /// The workloads directory (as for `bench`).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub mode: BenchMode,
    /// Keep-alive connections, each sending requests back to back.
    #[arg(long, default_value_t = 16)]
    pub connections: usize,
    /// How long to send, in seconds (sync mode).
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// How many executions to start (standard mode).
    #[arg(long, default_value_t = 2000)]
    pub executions: u64,
    /// The client's threads.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The address to listen on (port 0 picks a free port; the address is printed).
    #[arg(long, env = "STEPSTONE_LISTEN", default_value = "127.0.0.1:8083")]
    pub listen: String,
    /// The directory of the database (DIR/stepstone.db), created if missing.
    #[arg(long, env = "STEPSTONE_DATA_DIR", default_value = "./stepstone-data")]
    pub data_dir: PathBuf,
    /// The region in the ARNs handed out.
    #[arg(long, env = "STEPSTONE_REGION", default_value = "us-east-1")]
    pub region: String,
    /// The account in the ARNs handed out.
    #[arg(long, env = "STEPSTONE_ACCOUNT", default_value = "123456789012")]
    pub account: String,
    /// The configuration file (default: stepstone.toml in the working directory, if any).
    #[arg(long, env = "STEPSTONE_CONFIG")]
    pub config: Option<PathBuf>,
    /// A mock file in Step Functions Local's MockConfigFile format: StartExecution on
    /// `<stateMachineArn>#<TestCase>` runs that test case (default: `mock_config` in the
    /// configuration file).
    #[arg(long, env = "SFN_MOCK_CONFIG")]
    pub mock_config: Option<PathBuf>,
}

/// A command that could not do its work: the message to print and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Failure { code: EXIT_USAGE, message: message.into() }
    }
}

/// Parses the process arguments and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Validate(args) => validate::validate(&args),
        Command::Bench(args) => bench::bench(&args),
        Command::Serve(args) => serve::serve(&args),
        Command::BenchHttp(args) => bench_http::bench_http(&args),
        Command::Graph(args) => graph::graph(&args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("stepstone: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
