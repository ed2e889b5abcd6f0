//! Runs a parsed command: builds what it needs (the app only for `serve` and `replay`) and maps
//! its outcome to the process exit status.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use super::{filter, input, inspect, replay, sample, send, Command};
use crate::app::App;
use crate::host::server;
use crate::settings::Settings;

/// The app, for the commands that run functions (`serve`, `replay`): only they read the app
/// settings, so a malformed setting in the shell does not break `sample` or `inspect`.
fn app(settings: &Settings) -> Result<Arc<App>, ExitCode> {
    App::new(settings).map(Arc::new).map_err(|e| {
        tracing::error!("{e}");
        ExitCode::from(2)
    })
}

/// Runs one command to completion; the exit status follows the table in the README.
pub async fn run(command: Command) -> ExitCode {
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
            match server::serve(app, port, options, server::shutdown_signal()).await {
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
