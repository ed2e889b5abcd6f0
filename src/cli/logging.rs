//! Process-wide logging and panic reporting for every command.

use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::writer::MakeWriterExt;

use crate::logtext::LineSafe;

/// For `serve`, info and debug go to stdout (the host logs it as Information), warnings and
/// errors to stderr (logged as Error). Every other command prints its JSON on stdout, so all of
/// its logging goes to stderr and `RUST_LOG=debug handler replay … | jq` still parses. `RUST_LOG`
/// may name a level (`debug`, `warn`, …); default `info`. Every record is written through
/// [`LineSafe`], so text from outside in a field or message cannot break it into forged lines.
pub fn init_tracing(serve: bool) {
    let setting = std::env::var(crate::settings::names::RUST_LOG).ok();
    let (level, ignored) = level_of(setting.as_deref());
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
    if let Some(value) = ignored {
        tracing::warn!(
            "RUST_LOG={} is not a level (error, warn, info, debug, trace, off); logging at info",
            crate::logtext::quote(&value, 100)
        );
    }
}

/// The level `RUST_LOG` names (default info), and the value when it names none: a
/// `target=level` directive is not supported, and saying so beats ignoring it without a word.
fn level_of(value: Option<&str>) -> (LevelFilter, Option<String>) {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => (LevelFilter::INFO, None),
        Some(v) => match v.parse::<LevelFilter>() {
            Ok(level) => (level, None),
            Err(_) => (LevelFilter::INFO, Some(v.to_owned())),
        },
    }
}

/// A panic is reported as one error line with its location, never its message: a message can
/// quote input (a string slicing panic prints the string), and input holds personal data. The
/// guards in the dispatcher and the server turn the panic into a dead letter or a JSON 500.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_else(|| "an unknown location".to_owned());
        tracing::error!(%location, "panic (message withheld: it may quote input)");
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_log_names_a_level_or_is_reported() {
        assert_eq!(level_of(None), (LevelFilter::INFO, None));
        assert_eq!(level_of(Some(" debug ")), (LevelFilter::DEBUG, None));
        assert_eq!(
            level_of(Some("acs_event_handler=debug")),
            (
                LevelFilter::INFO,
                Some("acs_event_handler=debug".to_owned())
            )
        );
    }
}
