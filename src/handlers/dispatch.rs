//! The dispatcher: the one place that knows which business module owns which event type, and what
//! happens to everything else.
//!
//! Policy (never lose an event, never turn poison into retries):
//! - known type, valid data: the owning module's outputs;
//! - a type no module owns: acknowledged, no outputs;
//! - an unknown type: acknowledged, no outputs, one log line naming the type;
//! - an event that is not an event, data that does not fit its type, or a module that cannot
//!   process it: the raw event goes to the `deadLetter` queue with the reason, and the invocation
//!   still succeeds.

use serde::Serialize;

use crate::events::{AcsEvent, Envelope, Event, InvalidEvent};
use crate::filter::Filter;
use crate::handlers::chat::ChatModule;
use crate::handlers::email::EmailModule;
use crate::handlers::sms::SmsModule;
use crate::handlers::whatsapp::WhatsAppModule;
use crate::host::outputs::{Output, QueueBinding};
use crate::host::protocol::InvocationResult;
use crate::logtext::{clip, quote};
use crate::settings::{Settings, SettingsError};

/// A business module: typed event in, typed outputs out. Modules never see HTTP or envelopes
/// other than the typed [`Envelope`].
pub trait EventModule {
    /// Why an event could not be processed; always permanent (a retry gives the same answer).
    type Error: std::fmt::Display;

    /// The outputs for one event this module owns.
    fn handle(&self, envelope: &Envelope, event: &AcsEvent) -> Result<Vec<Output>, Self::Error>;
}

/// Where an event went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Sms,
    Chat,
    Email,
    WhatsApp,
    /// A known type no module handles (calling, Job Router, …).
    Acknowledged,
    /// A type this version does not know.
    Unknown,
    /// Outside the `ACS_EVENT_FILTER` app setting.
    Filtered,
    DeadLetter,
}

impl Route {
    /// Every route, for readers of the log line (`replay`'s summary).
    pub const ALL: [Route; 8] = [
        Route::Sms,
        Route::Chat,
        Route::Email,
        Route::WhatsApp,
        Route::Acknowledged,
        Route::Unknown,
        Route::Filtered,
        Route::DeadLetter,
    ];

    /// The name used in logs and `replay` output.
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Sms => "sms",
            Route::Chat => "chat",
            Route::Email => "email",
            Route::WhatsApp => "whatsapp",
            Route::Acknowledged => "acknowledged",
            Route::Unknown => "unknown type",
            Route::Filtered => "outside ACS_EVENT_FILTER",
            Route::DeadLetter => "dead-lettered",
        }
    }
}

/// Why an event went to the dead-letter queue (`reason` of the message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DeadLetterReason {
    /// Not an Event Grid event or CloudEvent.
    InvalidEvent,
    /// A known type whose data (or time) does not fit.
    InvalidData,
    /// The owning module refused it (a permanent fault, e.g. a key over 1 KiB).
    ProcessingFailed,
    /// A bug: the module panicked on it. Logged at error level; the rest of the invocation goes
    /// on.
    InternalError,
}

/// The dead-letter queue message: the raw event, untouched, and why it was not processed.
///
/// The event is kept as JSON *text*, byte for byte as received: embedded as JSON it could be
/// nested deeper than the host's JSON reader accepts (which would fail the invocation and turn
/// poison into retries), and the host would rewrite date-like strings inside it. When the whole
/// message would not fit a queue message, `event` is cut (`eventTruncated: true`) and the raw
/// event is kept whole in a blob (`rawEventBlob` / `rawEventBlobPrefix`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeadLetter<'a> {
    reason: DeadLetterReason,
    error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event_type: Option<&'a str>,
    event: &'a str,
}

/// The app setting holding an Event Grid subscription filter (same JSON as the subscription's
/// `filter`): events outside it are acknowledged and logged, without outputs. Useful when one
/// subscription feeds several handlers, or to switch a family off without redeploying Azure.
pub const EVENT_FILTER_SETTING: &str = "ACS_EVENT_FILTER";

/// A test hook compiled into debug builds only: `route:<event type>` makes the dispatcher panic
/// inside its guard when it routes an event of that type, as a module bug would; `invoke:<name>`
/// makes [`crate::app::App::invoke`] panic for that function, outside every guard. Release
/// builds do not read it.
pub const DEBUG_PANIC_SETTING: &str = "HANDLER_DEBUG_PANIC";

/// Routes typed events to the SMS, chat, e-mail and WhatsApp modules.
pub struct Dispatcher {
    sms: SmsModule,
    chat: ChatModule,
    email: EmailModule,
    whatsapp: WhatsAppModule,
    filter: Option<Filter>,
    #[cfg(debug_assertions)]
    panic_on_type: Option<String>,
}

impl Dispatcher {
    /// Builds the modules and the optional event filter from the app settings.
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        let filter = settings
            .text(EVENT_FILTER_SETTING)?
            .map(|json| {
                Filter::parse(json).map_err(|e| SettingsError {
                    name: EVENT_FILTER_SETTING,
                    problem: e.to_string(),
                })
            })
            .transpose()?;
        Ok(Dispatcher {
            sms: SmsModule::from_settings(settings)?,
            chat: ChatModule::from_settings(settings)?,
            email: EmailModule,
            whatsapp: WhatsAppModule::from_settings(settings)?,
            filter,
            #[cfg(debug_assertions)]
            panic_on_type: settings
                .get(DEBUG_PANIC_SETTING)
                .and_then(|v| v.strip_prefix("route:"))
                .map(str::to_owned),
        })
    }

    /// Processes one event of an invocation, appending its outputs and exactly one log line.
    /// Log lines carry the type, id, route and output count: never a phone number or text.
    pub fn route(
        &self,
        event: Result<Event, InvalidEvent>,
        result: &mut InvocationResult,
    ) -> Route {
        let event = match event {
            Ok(event) => event,
            Err(invalid) => {
                let letter = DeadLetter {
                    reason: DeadLetterReason::InvalidEvent,
                    error: &invalid.to_string(),
                    path: None,
                    event_id: invalid.id.as_deref(),
                    event_type: invalid.event_type.as_deref(),
                    event: invalid.raw.get(),
                };
                let detail = "not an Event Grid event or CloudEvent";
                self.dead_letter(&letter, detail, result);
                return Route::DeadLetter;
            }
        };
        let envelope = &event.envelope;
        let mut note = "";
        if let Some(filter) = &self.filter {
            // Only evaluated when the setting is present, on the raw event (what Event Grid
            // filters on), reading only the fields the filter names. An event the filter cannot
            // be evaluated on is processed: dropping it would lose an event Event Grid delivered.
            match filter.matches_json(event.raw.get()) {
                Ok(true) => {}
                Ok(false) => {
                    let route = Route::Filtered;
                    result.logs.push(log_line(
                        &envelope.event_type,
                        &envelope.id,
                        route.as_str(),
                        0,
                    ));
                    return route;
                }
                Err(e) => {
                    tracing::warn!(
                        event_type = %quote(&envelope.event_type, 120),
                        id = %quote(&envelope.id, 120),
                        error = %e,
                        "ACS_EVENT_FILTER cannot be evaluated on this event; processing it"
                    );
                    note = " (ACS_EVENT_FILTER could not be evaluated)";
                }
            }
        }
        let acs = match &event.data {
            Ok(acs) => acs,
            Err(error) => {
                let letter = DeadLetter {
                    reason: DeadLetterReason::InvalidData,
                    error: &error.to_string(),
                    path: Some(&error.path),
                    event_id: Some(&envelope.id),
                    event_type: Some(&envelope.event_type),
                    event: event.raw.get(),
                };
                let detail = format!("data does not fit at `{}`", error.path);
                self.dead_letter(&letter, &detail, result);
                return Route::DeadLetter;
            }
        };
        let route = Self::owner(acs);
        // The last line of defence: a bug in a module costs that one event (dead-lettered as
        // internalError), not the invocation, and never the connection.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.dispatch(route, envelope, acs)
        }));
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(_) => {
                tracing::error!(
                    event_type = %quote(&envelope.event_type, 120),
                    id = %quote(&envelope.id, 120),
                    module = route.as_str(),
                    "a module panicked; the event is dead-lettered as internalError"
                );
                let letter = DeadLetter {
                    reason: DeadLetterReason::InternalError,
                    error: "the module failed unexpectedly (a bug); see the handler's error log",
                    path: None,
                    event_id: Some(&envelope.id),
                    event_type: Some(&envelope.event_type),
                    event: event.raw.get(),
                };
                let detail = format!("internal error in the {} module", route.as_str());
                self.dead_letter(&letter, &detail, result);
                return Route::DeadLetter;
            }
        };
        match outcome {
            Ok(mut outputs) => {
                if outputs.iter().any(Output::truncated) {
                    let pointer = result.archive.keep(event.raw.get());
                    for output in outputs.iter_mut().filter(|o| o.truncated()) {
                        if let Err(e) = output.point_to_raw_event(&pointer) {
                            // Cannot happen for our own JSON objects; the blob is written anyway.
                            tracing::error!(error = %e, "could not point an output at its raw event");
                        }
                    }
                }
                let route_text = format!("{}{note}", route.as_str());
                result.logs.push(log_line(
                    &envelope.event_type,
                    &envelope.id,
                    &route_text,
                    outputs.len(),
                ));
                result.outputs.extend(outputs);
                route
            }
            Err(error) => {
                let letter = DeadLetter {
                    reason: DeadLetterReason::ProcessingFailed,
                    error: &error,
                    path: None,
                    event_id: Some(&envelope.id),
                    event_type: Some(&envelope.event_type),
                    event: event.raw.get(),
                };
                let detail = format!("the {} module could not process it", route.as_str());
                self.dead_letter(&letter, &detail, result);
                Route::DeadLetter
            }
        }
    }

    /// Which module owns a type (or what happens to it).
    fn owner(acs: &AcsEvent) -> Route {
        match acs {
            AcsEvent::SmsReceived(_) | AcsEvent::SmsDeliveryReportReceived(_) => Route::Sms,
            AcsEvent::ChatMessageReceived(_)
            | AcsEvent::ChatMessageEdited(_)
            | AcsEvent::ChatMessageDeleted(_)
            | AcsEvent::ChatMessageReceivedInThread(_)
            | AcsEvent::ChatMessageEditedInThread(_)
            | AcsEvent::ChatMessageDeletedInThread(_)
            | AcsEvent::ChatThreadCreatedWithUser(_)
            | AcsEvent::ChatThreadCreated(_)
            | AcsEvent::ChatThreadPropertiesUpdatedPerUser(_)
            | AcsEvent::ChatThreadPropertiesUpdated(_)
            | AcsEvent::ChatThreadWithUserDeleted(_)
            | AcsEvent::ChatThreadDeleted(_)
            | AcsEvent::ChatParticipantAddedToThreadWithUser(_)
            | AcsEvent::ChatParticipantRemovedFromThreadWithUser(_)
            | AcsEvent::ChatThreadParticipantAdded(_)
            | AcsEvent::ChatThreadParticipantRemoved(_)
            | AcsEvent::ChatMemberAddedToThreadWithUser(_)
            | AcsEvent::ChatMemberRemovedFromThreadWithUser(_) => Route::Chat,
            AcsEvent::EmailDeliveryReportReceived(_)
            | AcsEvent::EmailEngagementTrackingReportReceived(_) => Route::Email,
            AcsEvent::AdvancedMessageReceived(_)
            | AcsEvent::AdvancedMessageDeliveryStatusUpdated(_) => Route::WhatsApp,
            AcsEvent::Unknown { .. } => Route::Unknown,
            _ => Route::Acknowledged,
        }
    }

    /// The owning module's outputs (runs inside the panic guard).
    fn dispatch(
        &self,
        route: Route,
        envelope: &Envelope,
        acs: &AcsEvent,
    ) -> Result<Vec<Output>, String> {
        #[cfg(debug_assertions)]
        if self
            .panic_on_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case(&envelope.event_type))
        {
            panic!("{DEBUG_PANIC_SETTING}: deliberate panic while routing");
        }
        match route {
            Route::Sms => self.sms.handle(envelope, acs).map_err(|e| e.to_string()),
            Route::Chat => self.chat.handle(envelope, acs).map_err(|e| e.to_string()),
            Route::Email => self.email.handle(envelope, acs).map_err(|e| e.to_string()),
            Route::WhatsApp => self
                .whatsapp
                .handle(envelope, acs)
                .map_err(|e| e.to_string()),
            _ => Ok(Vec::new()),
        }
    }

    fn dead_letter(&self, letter: &DeadLetter<'_>, detail: &str, result: &mut InvocationResult) {
        let event_type = letter.event_type.unwrap_or("?");
        let id = letter.event_id.unwrap_or("?");
        let route = format!("{} ({detail})", Route::DeadLetter.as_str());
        match Output::message(QueueBinding::DeadLetter, letter) {
            Ok(mut output) => {
                if output.truncated() {
                    // The raw event did not fit the message: it is kept whole in a blob.
                    let pointer = result.archive.keep(letter.event);
                    if let Err(e) = output.point_to_raw_event(&pointer) {
                        tracing::error!(error = %e, "could not point a dead letter at its raw event");
                    }
                }
                result.outputs.push(output);
                result.logs.push(log_line(event_type, id, &route, 1));
            }
            Err(e) => {
                // Cannot happen for a struct of strings; keep the raw event in a blob rather
                // than drop it, and say so.
                tracing::error!(error = %e, "could not build a dead-letter message");
                result.archive.keep(letter.event);
                result.logs.push(log_line(
                    event_type,
                    id,
                    "dead-letter message failed; raw event kept in a blob",
                    0,
                ));
            }
        }
    }
}

/// `"<type> <id>: <route>, <n> output(s)"`, with type and id cut to a sane length. They come
/// from the sender: every `Logs` line is escaped when the reply is written
/// (`functions::EscapedLogs`, see [`crate::logtext`]).
fn log_line(event_type: &str, id: &str, route: &str, outputs: usize) -> String {
    let plural = if outputs == 1 { "" } else { "s" };
    format!(
        "{} {}: {route}, {outputs} output{plural}",
        clip(event_type, 120),
        clip(id, 120)
    )
}
