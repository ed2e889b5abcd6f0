//! The `handler` command line: `serve` (what the Functions host runs), and the tools around it:
//! `inspect`, `replay`, `send`, `filter` and `sample`.

pub mod filter;
pub mod input;
pub mod inspect;
pub mod logging;
pub mod replay;
mod run;
pub mod sample;
pub mod send;

pub use run::run;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Azure Functions custom handler for Azure Communication Services events.
#[derive(Debug, Parser)]
#[command(name = "handler", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do; without a command the handler serves (that is how the host starts it).
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the custom-handler protocol on 127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT (default 3000).
    Serve,
    /// Print each event of delivery bodies as typed JSON, one line per event.
    Inspect {
        /// Files, folders (every *.json) or - for standard input.
        paths: Vec<String>,
        /// Pretty-print each event.
        #[arg(long)]
        pretty: bool,
    },
    /// Run each event through the handler exactly as a live invocation and print its outputs.
    Replay {
        /// Files, folders (every *.json) or - for standard input.
        paths: Vec<String>,
        /// Also write each reply into Azure Storage as the Functions host would (default: Azurite,
        /// UseDevelopmentStorage=true), using ./EventGridTrigger/function.json and ./host.json.
        #[arg(long, value_name = "CONNECTION_STRING", num_args = 0..=1, default_missing_value = crate::storage::DEVELOPMENT_STORAGE)]
        to_storage: Option<String>,
    },
    /// Post events to a running Functions host's Event Grid webhook, one request per event.
    Send {
        /// Files, folders (every *.json) or - for standard input.
        paths: Vec<String>,
        /// The webhook URL.
        #[arg(long, default_value = send::DEFAULT_URL)]
        url: String,
        /// Convert events to this schema before sending.
        #[arg(long, value_enum)]
        schema: Option<sample::OutputSchema>,
        /// Give every event a new id and the current time (so deduplication does not hide a re-send).
        #[arg(long)]
        fresh: bool,
    },
    /// Would an event subscription with this filter receive these events? One JSON line per
    /// event (`delivered`, `reason`); warnings about the filter on stderr.
    Filter {
        /// The filter JSON: the subscription's `filter` object, or `{"filter": {...}}`.
        #[arg(long)]
        filter: PathBuf,
        /// Files, folders (every *.json) or - for standard input.
        paths: Vec<String>,
    },
    /// Print a fresh sample event (new id, current time) of any ACS event type.
    Sample {
        /// The type: `Microsoft.Communication.SMSReceived` or just `SMSReceived` (any case).
        event_type: String,
        /// Envelope schema of the output.
        #[arg(long, value_enum, default_value = "eventgrid")]
        schema: sample::OutputSchema,
    },
}
