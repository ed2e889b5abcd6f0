//! The dispatcher: the one place that knows which handler owns which event type, and what
//! happens to everything else.
//!
//! Policy (never lose an event, never turn poison into retries):
//! - known type, valid data: the owning handler's outputs;
//! - a type no handler owns: acknowledged, no outputs;
//! - an unknown type: acknowledged, no outputs, one log line naming the type;
//! - an event that is not an event, data that does not fit its type, or a handler that cannot
//!   process it: the raw event goes to the `deadLetter` queue with the reason, and the invocation
//!   still succeeds.

use serde::Serialize;

use crate::events::advanced_messaging::{
    AdvancedMessageDeliveryStatusUpdatedEventData, AdvancedMessageReceivedEventData,
};
use crate::events::email::{
    EmailDeliveryReportReceivedEventData, EmailEngagementTrackingReportReceivedEventData,
};
use crate::events::filter::Filter;
use crate::events::sms::{SmsDeliveryReportReceivedEventData, SmsReceivedEventData};
use crate::events::{AcsEvent, Envelope, Event, InvalidEvent};
use crate::handlers::chat::{ChatEvent, ChatModule};
use crate::handlers::email::EmailModule;
use crate::handlers::sms::SmsModule;
use crate::handlers::whatsapp::WhatsAppModule;
use crate::host::outputs::{Output, QueueBinding};
use crate::host::protocol::InvocationResult;
use crate::logtext::{clip, quote};
use crate::settings::names::ACS_EVENT_FILTER;
#[cfg(debug_assertions)]
use crate::settings::names::HANDLER_DEBUG_PANIC;
use crate::settings::{Settings, SettingsError};

/// Where an event went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Sms,
    Chat,
    Email,
    WhatsApp,
    /// A known type no handler stores (calling, Job Router, …).
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
    /// The owning handler refused it (a permanent fault, e.g. a key over 1 KiB).
    ProcessingFailed,
    /// A bug: the handler panicked on it. Logged at error level; the rest of the invocation goes
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

/// Routes typed events to the SMS, chat, e-mail and WhatsApp handlers.
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
    /// Builds the handlers and the optional event filter from the app settings.
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        let filter = settings
            .text(ACS_EVENT_FILTER)?
            .map(|json| {
                Filter::parse(json).map_err(|e| SettingsError {
                    name: ACS_EVENT_FILTER,
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
                .get(HANDLER_DEBUG_PANIC)
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
        let owner = Owner::of(acs);
        let route = owner.route();
        // The last line of defence: a bug in a handler costs that one event (dead-lettered as
        // internalError), not the invocation, and never the connection.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.dispatch(envelope, owner)
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

    /// The owning handler's outputs (runs inside the panic guard): each handler's function is
    /// called directly, with the data it takes.
    fn dispatch(&self, envelope: &Envelope, owner: Owner<'_>) -> Result<Vec<Output>, String> {
        #[cfg(debug_assertions)]
        if self
            .panic_on_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case(&envelope.event_type))
        {
            panic!("{HANDLER_DEBUG_PANIC}: deliberate panic while routing");
        }
        fn text(error: impl std::fmt::Display) -> String {
            error.to_string()
        }
        match owner {
            Owner::SmsReceived(data) => self.sms.received(envelope, data).map_err(text),
            Owner::SmsDeliveryReport(data) => {
                self.sms.delivery_report(envelope, data).map_err(text)
            }
            Owner::Chat(event) => self.chat.handle(event).map_err(text),
            Owner::EmailDeliveryReport(data) => {
                self.email.delivery_report(envelope, data).map_err(text)
            }
            Owner::EmailEngagement(data) => self.email.engagement(envelope, data).map_err(text),
            Owner::WhatsAppReceived(data) => self.whatsapp.received(envelope, data).map_err(text),
            Owner::WhatsAppDeliveryStatus(data) => {
                self.whatsapp.delivery_status(envelope, data).map_err(text)
            }
            Owner::Acknowledged | Owner::Unknown => Ok(Vec::new()),
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

/// Which handler owns an event, with the typed data that handler takes: the routing decision,
/// made once. [`Owner::of`] names every [`AcsEvent`] variant, with no catch-all arm, so a type
/// added to the catalog does not compile until it is given an owner (or explicitly
/// acknowledged) here.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Owner<'a> {
    SmsReceived(&'a SmsReceivedEventData),
    SmsDeliveryReport(&'a SmsDeliveryReportReceivedEventData),
    Chat(ChatEvent<'a>),
    EmailDeliveryReport(&'a EmailDeliveryReportReceivedEventData),
    EmailEngagement(&'a EmailEngagementTrackingReportReceivedEventData),
    WhatsAppReceived(&'a AdvancedMessageReceivedEventData),
    WhatsAppDeliveryStatus(&'a AdvancedMessageDeliveryStatusUpdatedEventData),
    /// A known type no handler stores: acknowledged without outputs, and logged.
    Acknowledged,
    /// A type this version does not know: acknowledged without outputs, and logged as such.
    Unknown,
}

impl<'a> Owner<'a> {
    /// The owner of one typed event.
    pub(crate) fn of(event: &'a AcsEvent) -> Self {
        use AcsEvent as A;
        use ChatEvent as C;
        match event {
            A::SmsReceived(d) => Owner::SmsReceived(d),
            A::SmsDeliveryReportReceived(d) => Owner::SmsDeliveryReport(d),
            A::ChatMessageReceived(d) => Owner::Chat(C::ChatMessageReceived(d)),
            A::ChatMessageEdited(d) => Owner::Chat(C::ChatMessageEdited(d)),
            A::ChatMessageDeleted(d) => Owner::Chat(C::ChatMessageDeleted(d)),
            A::ChatMessageReceivedInThread(d) => Owner::Chat(C::ChatMessageReceivedInThread(d)),
            A::ChatMessageEditedInThread(d) => Owner::Chat(C::ChatMessageEditedInThread(d)),
            A::ChatMessageDeletedInThread(d) => Owner::Chat(C::ChatMessageDeletedInThread(d)),
            A::ChatThreadCreatedWithUser(d) => Owner::Chat(C::ChatThreadCreatedWithUser(d)),
            A::ChatThreadCreated(d) => Owner::Chat(C::ChatThreadCreated(d)),
            A::ChatThreadPropertiesUpdatedPerUser(d) => {
                Owner::Chat(C::ChatThreadPropertiesUpdatedPerUser(d))
            }
            A::ChatThreadPropertiesUpdated(d) => Owner::Chat(C::ChatThreadPropertiesUpdated(d)),
            A::ChatThreadWithUserDeleted(d) => Owner::Chat(C::ChatThreadWithUserDeleted(d)),
            A::ChatThreadDeleted(d) => Owner::Chat(C::ChatThreadDeleted(d)),
            A::ChatParticipantAddedToThreadWithUser(d) => {
                Owner::Chat(C::ChatParticipantAddedToThreadWithUser(d))
            }
            A::ChatParticipantRemovedFromThreadWithUser(d) => {
                Owner::Chat(C::ChatParticipantRemovedFromThreadWithUser(d))
            }
            A::ChatThreadParticipantAdded(d) => Owner::Chat(C::ChatThreadParticipantAdded(d)),
            A::ChatThreadParticipantRemoved(d) => Owner::Chat(C::ChatThreadParticipantRemoved(d)),
            A::ChatMemberAddedToThreadWithUser(d) => {
                Owner::Chat(C::ChatMemberAddedToThreadWithUser(d))
            }
            A::ChatMemberRemovedFromThreadWithUser(d) => {
                Owner::Chat(C::ChatMemberRemovedFromThreadWithUser(d))
            }
            A::EmailDeliveryReportReceived(d) => Owner::EmailDeliveryReport(d),
            A::EmailEngagementTrackingReportReceived(d) => Owner::EmailEngagement(d),
            A::AdvancedMessageReceived(d) => Owner::WhatsAppReceived(d),
            A::AdvancedMessageDeliveryStatusUpdated(d) => Owner::WhatsAppDeliveryStatus(d),
            // Known, valid, and not ours to store: acknowledged (one log line each).
            A::ChatTypingIndicatorReceivedInThread(_)
            | A::ChatAzureBotCommandReceivedInThread(_)
            | A::AdvancedMessageAnalysisCompleted(_)
            | A::UserDisconnected(_)
            | A::IncomingCall(_)
            | A::CallStarted(_)
            | A::CallEnded(_)
            | A::CallParticipantAdded(_)
            | A::CallParticipantRemoved(_)
            | A::RecordingFileStatusUpdated(_)
            | A::RouterJobReceived(_)
            | A::RouterJobClassified(_)
            | A::RouterJobQueued(_)
            | A::RouterJobClassificationFailed(_)
            | A::RouterJobCompleted(_)
            | A::RouterJobClosed(_)
            | A::RouterJobCancelled(_)
            | A::RouterJobExceptionTriggered(_)
            | A::RouterJobWorkerSelectorsExpired(_)
            | A::RouterJobUnassigned(_)
            | A::RouterJobWaitingForActivation(_)
            | A::RouterJobSchedulingFailed(_)
            | A::RouterJobDeleted(_)
            | A::RouterWorkerOfferIssued(_)
            | A::RouterWorkerOfferAccepted(_)
            | A::RouterWorkerOfferDeclined(_)
            | A::RouterWorkerOfferRevoked(_)
            | A::RouterWorkerOfferExpired(_)
            | A::RouterWorkerRegistered(_)
            | A::RouterWorkerDeregistered(_)
            | A::RouterWorkerDeleted(_)
            | A::RouterWorkerUpdated(_) => Owner::Acknowledged,
            A::Unknown { .. } => Owner::Unknown,
        }
    }

    /// Where the event goes, for the log line.
    pub(crate) fn route(self) -> Route {
        match self {
            Owner::SmsReceived(_) | Owner::SmsDeliveryReport(_) => Route::Sms,
            Owner::Chat(_) => Route::Chat,
            Owner::EmailDeliveryReport(_) | Owner::EmailEngagement(_) => Route::Email,
            Owner::WhatsAppReceived(_) | Owner::WhatsAppDeliveryStatus(_) => Route::WhatsApp,
            Owner::Acknowledged => Route::Acknowledged,
            Owner::Unknown => Route::Unknown,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::parse_delivery;

    #[test]
    fn every_sample_gets_the_owner_of_its_family_and_chat_events_keep_their_kind() {
        let dir = format!("{}/samples", env!("CARGO_MANIFEST_DIR"));
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let body = std::fs::read(&path).unwrap();
            for event in parse_delivery(&body).unwrap() {
                let Ok(event) = event else { continue };
                let Ok(acs) = &event.data else { continue };
                seen += 1;
                let owner = Owner::of(acs);
                if let Owner::Chat(chat) = owner {
                    assert_eq!(chat.kind(), acs.kind(), "{}", path.display());
                }
                let kind = acs.kind();
                let expected = if kind.starts_with("Sms") {
                    Route::Sms
                } else if kind.starts_with("Email") {
                    Route::Email
                } else if kind == "AdvancedMessageReceived"
                    || kind == "AdvancedMessageDeliveryStatusUpdated"
                {
                    Route::WhatsApp
                } else if kind.starts_with("Chat")
                    && !kind.contains("TypingIndicator")
                    && !kind.contains("BotCommand")
                {
                    Route::Chat
                } else if kind == "Unknown" {
                    Route::Unknown
                } else {
                    Route::Acknowledged
                };
                assert_eq!(owner.route(), expected, "{}", path.display());
            }
        }
        assert!(seen >= 56, "{seen}");
    }
}
