//! `handler`: parses the command line, sets up logging and runs the command (see [`cli`]).

use std::process::ExitCode;

use acs_event_handler::cli::{self, logging, Cli, Command};
use clap::Parser;

/// mimalloc: the hot path allocates small, short-lived strings and buffers; measured against the
/// system allocator in the load test (see README "Performance").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // The host starts `handler` with no arguments (host.json `arguments: []`): serve without
    // building clap's command tree, which is most of start-up's own work (callgrind: ~50 k of
    // the ~300 k instructions main runs before listening, and the page faults of its code).
    let command = if std::env::args_os().len() <= 1 {
        Command::Serve
    } else {
        Cli::parse().command.unwrap_or(Command::Serve)
    };
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
