//! The `handler` command line: `serve` (what the Functions host runs), and the tools around it:
//! `inspect`, `replay`, `send`, `filter`, `sample` and `completions`.
//!
//! Every command but `serve` prints only its JSON on stdout; logs, notes, progress and the
//! summary line go to stderr. Exit status: 0 all fine, 1 some input or event failed (or none
//! was found), 2 a usage or configuration error.

pub mod filter;
pub mod input;
pub mod inspect;
pub mod logging;
pub mod output;
pub mod replay;
mod run;
pub mod sample;
pub mod send;

pub use run::run;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Azure Functions custom handler for Azure Communication Services events.
#[derive(Debug, Parser)]
#[command(name = "handler", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where the events come from (`inspect`, `replay`, `send`, `filter`).
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Files, folders (every *.json, *.ndjson, *.jsonl) or - for standard input (the default).
    /// Each may hold one event, an array, or several JSON values one after the other (NDJSON).
    pub paths: Vec<String>,
    /// Also read the subfolders of folders.
    #[arg(long, short = 'r')]
    pub recursive: bool,
}

/// How the results are printed.
#[derive(Debug, Clone, Copy, Args)]
pub struct OutputArgs {
    /// Pretty-print each JSON value (indented, each followed by a newline).
    #[arg(long)]
    pub pretty: bool,
    /// No summary line, notes about skipped files or progress on stderr (errors still are).
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// What to do; without a command the handler serves (that is how the host starts it).
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the custom-handler protocol on 127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT (default 3000).
    Serve,
    /// Print each event of delivery bodies as typed JSON, one line per event.
    Inspect {
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Run each event through the handler exactly as a live invocation and print its outputs.
    Replay {
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        output: OutputArgs,
        /// Also write each reply into Azure Storage as the Functions host would (default: Azurite,
        /// UseDevelopmentStorage=true), using ./EventGridTrigger/function.json and ./host.json.
        #[arg(long, value_name = "CONNECTION_STRING", num_args = 0..=1, default_missing_value = crate::storage::DEVELOPMENT_STORAGE)]
        to_storage: Option<String>,
    },
    /// Post events to a running Functions host's Event Grid webhook, one request per event.
    Send {
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        output: OutputArgs,
        /// The webhook URL.
        #[arg(long, default_value = send::DEFAULT_URL)]
        url: String,
        /// Convert events to this schema before sending.
        #[arg(long, value_enum)]
        schema: Option<sample::OutputSchema>,
        /// Give every event a new id and the current time, and new message ids, versions and
        /// data times, so that a re-send makes new rows (deduplication does not hide it).
        #[arg(long)]
        fresh: bool,
    },
    /// Would an event subscription with this filter receive these events? One JSON line per
    /// event (`delivered`, `reason`); warnings about the filter on stderr.
    Filter {
        /// The filter JSON: the subscription's `filter` object, or `{"filter": {...}}`.
        #[arg(long)]
        filter: PathBuf,
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Print a fresh sample event (new id, current time) of any ACS event type.
    Sample {
        /// The type: `Microsoft.Communication.SMSReceived` or just `SMSReceived` (any case).
        #[arg(required_unless_present = "list")]
        event_type: Option<String>,
        /// Print every event type, one per line, instead.
        #[arg(long, conflicts_with_all = ["event_type", "fresh", "pretty", "schema"])]
        list: bool,
        /// Envelope schema of the output.
        #[arg(long, value_enum, default_value = "eventgrid")]
        schema: sample::OutputSchema,
        /// Also new message ids, versions and data times (as `send --fresh`).
        #[arg(long)]
        fresh: bool,
        /// Pretty-print the event.
        #[arg(long)]
        pretty: bool,
    },
    /// Print a shell completion script: `handler completions bash > /etc/bash_completion.d/handler`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}
