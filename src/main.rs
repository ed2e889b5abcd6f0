//! `handler`: parses the command line, sets up logging and runs the command (see [`cli`]).

use std::process::ExitCode;

use acs_event_handler::cli::{self, logging, Cli, Command};
use clap::Parser;

/// mimalloc: the hot path allocates small, short-lived strings and buffers; measured against the
/// system allocator in the load test (see README "Performance").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    logging::init_tracing(matches!(command, Command::Serve));
    logging::install_panic_hook();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(cli::run(command))
}
