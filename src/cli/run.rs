//! Runs a parsed command: builds what it needs (the app only for `serve` and `replay`) and maps
//! its outcome to the process exit status.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use clap::CommandFactory;

use super::output::{self, Summary};
use super::{filter, input, inspect, replay, sample, send, Cli, Command, InputArgs, OutputArgs};
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
            let env_port = std::env::var(crate::settings::names::FUNCTIONS_CUSTOMHANDLER_PORT).ok();
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
        Command::Inspect { input, output } => {
            let inputs = read(&input, output);
            let mut out = std::io::stdout().lock();
            let outcome = inspect::run_summarized(&inputs, output.pretty, &mut out);
            finish(outcome, output, &mut out)
        }
        Command::Filter {
            filter: filter_path,
            input,
            output,
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
            let inputs = read(&input, output);
            let mut out = std::io::stdout().lock();
            let outcome = filter::run_summarized(&parsed, &inputs, output.pretty, &mut out);
            finish(outcome, output, &mut out)
        }
        Command::Send {
            input,
            output,
            url,
            schema,
            fresh,
        } => {
            if let Err(e) = send::check_url(&url) {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
            let inputs = read(&input, output);
            let options = send::SendOptions {
                url,
                schema,
                fresh,
                pretty: output.pretty,
                quiet: output.quiet,
            };
            let mut out = std::io::stdout().lock();
            let outcome = send::run_summarized(&inputs, &options, &mut out).await;
            finish(outcome, output, &mut out)
        }
        Command::Sample { list: true, .. } => {
            let mut out = std::io::stdout().lock();
            let written = sample::list().iter().try_for_each(|t| writeln!(out, "{t}"));
            written_status(written, &mut out)
        }
        Command::Sample {
            event_type,
            schema,
            fresh,
            pretty,
            ..
        } => {
            // clap requires the type unless --list is given.
            let event_type = event_type.unwrap_or_default();
            match sample::sample(&event_type, schema, fresh) {
                Ok(event) => {
                    let mut out = std::io::stdout().lock();
                    let written = output::write_json(&mut out, &event, pretty);
                    written_status(written, &mut out)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Completions { shell } => {
            let mut out = std::io::stdout().lock();
            clap_complete::generate(shell, &mut Cli::command(), "handler", &mut out);
            written_status(Ok(()), &mut out)
        }
        Command::Replay {
            mut input,
            output,
            to_storage,
        } => {
            let app = match app(&settings) {
                Ok(app) => app,
                Err(code) => return code,
            };
            let storage = match replay::storage_argument(to_storage, &mut input.paths)
                .map(|c| replay::open_storage(&c))
                .transpose()
            {
                Ok(storage) => storage,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let inputs = read(&input, output);
            let mut out = std::io::stdout().lock();
            let mut err = std::io::stderr();
            let outcome = replay::run_with(
                &app,
                &inputs,
                storage.as_ref(),
                output.pretty,
                &mut out,
                &mut err,
            );
            finish(outcome.await, output, &mut out)
        }
    }
}

/// Reads the inputs, with notes about skipped files on stderr.
fn read(input: &InputArgs, output: OutputArgs) -> Vec<input::Input> {
    let options = input::ReadOptions {
        recursive: input.recursive,
        quiet: output.quiet,
    };
    input::read_inputs_with(&input.paths, options, &mut std::io::stderr())
}

/// The exit status of a command that reads events: 1 when no event was found at all or any
/// input or event failed, and the summary line on stderr unless `--quiet`.
fn finish(outcome: std::io::Result<Summary>, output: OutputArgs, out: &mut impl Write) -> ExitCode {
    let summary = match outcome.and_then(|summary| out.flush().map(|_| summary)) {
        Ok(summary) => summary,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if !output.quiet {
        eprintln!("{}", summary.line());
    }
    if summary.events == 0 {
        eprintln!("error: no event found in the input (give files, folders or - for standard input; a folder is read for *.json, *.ndjson and *.jsonl)");
        return ExitCode::FAILURE;
    }
    if summary.failures() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The exit status of a command that only prints (`sample`, `completions`).
fn written_status(written: std::io::Result<()>, out: &mut impl Write) -> ExitCode {
    match written.and_then(|_| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
