//! `handler`: parses the command line, sets up logging and calls into the library.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use acs_event_handler::app::App;
use acs_event_handler::cli::{filter, input, inspect, replay, sample, send, Cli, Command};
use acs_event_handler::host::server;
use acs_event_handler::logtext::LineSafe;
use acs_event_handler::settings::Settings;
use clap::Parser;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::writer::MakeWriterExt;

/// mimalloc: the hot path allocates small, short-lived strings and buffers; measured against the
/// system allocator in the load test (see README "Performance").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    init_tracing(matches!(command, Command::Serve));
    install_panic_hook();
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
    runtime.block_on(run(command))
}

/// The app, for the commands that run functions (`serve`, `replay`): only they read the app
/// settings, so a malformed setting in the shell does not break `sample` or `inspect`.
fn app(settings: &Settings) -> Result<Arc<App>, ExitCode> {
    App::new(settings).map(Arc::new).map_err(|e| {
        tracing::error!("{e}");
        ExitCode::from(2)
    })
}

async fn run(command: Command) -> ExitCode {
    let settings = Settings::from_env();
    match command {
        Command::Serve => {
            let app = match app(&settings) {
                Ok(app) => app,
                Err(code) => return code,
            };
            let env_port = std::env::var("FUNCTIONS_CUSTOMHANDLER_PORT").ok();
            let port = match server::port_from_env(env_port.as_deref()) {
                Ok((port, defaulted)) => {
                    if defaulted {
                        tracing::info!(
                            port,
                            "FUNCTIONS_CUSTOMHANDLER_PORT is not set; using the default port"
                        );
                    }
                    port
                }
                Err(e) => {
                    tracing::error!("{e}");
                    return ExitCode::from(2);
                }
            };
            let options = match server::ServerOptions::from_settings(&settings) {
                Ok(options) => options,
                Err(e) => {
                    tracing::error!("{e}");
                    return ExitCode::from(2);
                }
            };
            match server::serve(app, port, options, shutdown_signal()).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!("{e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Inspect { paths, pretty } => {
            let inputs = input::read_inputs(&paths);
            let mut out = std::io::stdout().lock();
            finish(inspect::run(&inputs, pretty, &mut out), &mut out)
        }
        Command::Filter {
            filter: filter_path,
            paths,
        } => {
            let parsed = match filter::load(&filter_path) {
                Ok(parsed) => parsed,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            // Best effort: a closed stderr must not stop the decisions.
            let _ = filter::write_warnings(&parsed, &mut std::io::stderr().lock());
            let inputs = input::read_inputs(&paths);
            let mut out = std::io::stdout().lock();
            finish(filter::run(&parsed, &inputs, &mut out), &mut out)
        }
        Command::Send {
            paths,
            url,
            schema,
            fresh,
        } => {
            let inputs = input::read_inputs(&paths);
            let options = send::SendOptions { url, schema, fresh };
            let mut out = std::io::stdout().lock();
            finish(send::run(&inputs, &options, &mut out).await, &mut out)
        }
        Command::Sample { event_type, schema } => match sample::fresh_sample(&event_type, schema) {
            Ok(event) => {
                let mut out = std::io::stdout().lock();
                let written = serde_json::to_writer_pretty(&mut out, &event)
                    .map_err(std::io::Error::from)
                    .and_then(|_| out.write_all(b"\n"));
                finish(written.map(|_| 0), &mut out)
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Command::Replay {
            mut paths,
            to_storage,
        } => {
            let app = match app(&settings) {
                Ok(app) => app,
                Err(code) => return code,
            };
            let storage = match replay::storage_argument(to_storage, &mut paths)
                .map(|c| replay::open_storage(&c))
                .transpose()
            {
                Ok(storage) => storage,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let inputs = input::read_inputs(&paths);
            let mut out = std::io::stdout().lock();
            let mut err = std::io::stderr();
            let outcome = replay::run_with(&app, &inputs, storage.as_ref(), &mut out, &mut err);
            finish(outcome.await, &mut out)
        }
    }
}

fn finish(outcome: std::io::Result<usize>, out: &mut impl Write) -> ExitCode {
    match outcome.and_then(|errors| out.flush().map(|_| errors)) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// For `serve`, info and debug go to stdout (the host logs it as Information), warnings and
/// errors to stderr (logged as Error). Every other command prints its JSON on stdout, so all of
/// its logging goes to stderr and `RUST_LOG=debug handler replay … | jq` still parses. `RUST_LOG`
/// may name a level (`debug`, `warn`, …); default `info`. Every record is written through
/// [`LineSafe`], so text from outside in a field or message cannot break it into forged lines.
fn init_tracing(serve: bool) {
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.trim().parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    let stderr = || LineSafe(std::io::stderr());
    let stdout = || LineSafe(std::io::stdout());
    let max_to_stderr = if serve {
        tracing::Level::WARN
    } else {
        tracing::Level::TRACE
    };
    let writer = stderr.with_max_level(max_to_stderr).or_else(stdout);
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(writer)
        .with_ansi(false)
        .with_target(false)
        .init();
}

/// A panic is reported as one error line with its location, never its message: a message can
/// quote input (a string slicing panic prints the string), and input holds personal data. The
/// guards in the router and the server turn the panic into a dead letter or a JSON 500.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_else(|| "an unknown location".to_owned());
        tracing::error!(%location, "panic (message withheld: it may quote input)");
    }));
}

/// Resolves on SIGTERM (the host stopping us) or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight invocations");
}
