//! The router: the one place that knows which business module owns which event type, and what
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

use crate::chat::ChatModule;
use crate::email::EmailModule;
use crate::events::{AcsEvent, Envelope, Event, InvalidEvent};
use crate::filter::Filter;
use crate::functions::InvocationResult;
use crate::outputs::{Output, QueueBinding};
use crate::settings::{Settings, SettingsError};
use crate::sms::SmsModule;

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
    /// A known type no module handles (calling, router, …).
    Acknowledged,
    /// A type this version does not know.
    Unknown,
    /// Outside the `ACS_EVENT_FILTER` app setting.
    Filtered,
    DeadLetter,
}

impl Route {
    /// The name used in logs and `replay` output.
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Sms => "sms",
            Route::Chat => "chat",
            Route::Email => "email",
            Route::Acknowledged => "acknowledged",
            Route::Unknown => "unknown type",
            Route::Filtered => "outside ACS_EVENT_FILTER",
            Route::DeadLetter => "dead-lettered",
        }
    }
}

/// The dead-letter queue message: the raw event, untouched, and why it was not processed.
///
/// The event is kept as JSON *text*, byte for byte as received: embedded as JSON it could be
/// nested deeper than the host's JSON reader accepts (which would fail the invocation and turn
/// poison into retries), and the host would rewrite date-like strings inside it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeadLetter<'a> {
    reason: &'static str,
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

/// Routes typed events to the SMS, chat and e-mail modules.
pub struct Router {
    sms: SmsModule,
    chat: ChatModule,
    email: EmailModule,
    filter: Option<Filter>,
}

impl Router {
    /// Builds the modules and the optional event filter from the app settings.
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        let filter = settings
            .get(EVENT_FILTER_SETTING)
            .map(|json| {
                Filter::parse(json).map_err(|e| SettingsError {
                    name: EVENT_FILTER_SETTING,
                    problem: e.to_string(),
                })
            })
            .transpose()?;
        Ok(Router {
            sms: SmsModule::from_settings(settings)?,
            chat: ChatModule::from_settings(settings)?,
            email: EmailModule,
            filter,
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
                    reason: "invalidEvent",
                    error: &invalid.to_string(),
                    path: None,
                    event_id: invalid.id.as_deref(),
                    event_type: invalid.event_type.as_deref(),
                    event: invalid.raw.get(),
                };
                let detail = "not an Event Grid event or CloudEvent";
                self.dead_letter(
                    &letter,
                    invalid.event_type.as_deref(),
                    invalid.id.as_deref(),
                    detail,
                    result,
                );
                return Route::DeadLetter;
            }
        };
        let envelope = &event.envelope;
        if let Some(filter) = &self.filter {
            // Only evaluated when the setting is present; the raw event is what Event Grid
            // filters on. An event that cannot be read as JSON here was already rejected above.
            let delivered = serde_json::from_str::<serde_json::Value>(event.raw.get())
                .is_ok_and(|value| filter.matches(&value));
            if !delivered {
                let route = Route::Filtered;
                result.logs.push(log_line(
                    &envelope.event_type,
                    &envelope.id,
                    route.as_str(),
                    0,
                ));
                return route;
            }
        }
        let acs = match &event.data {
            Ok(acs) => acs,
            Err(error) => {
                let letter = DeadLetter {
                    reason: "invalidData",
                    error: &error.to_string(),
                    path: Some(&error.path),
                    event_id: Some(&envelope.id),
                    event_type: Some(&envelope.event_type),
                    event: event.raw.get(),
                };
                let detail = format!("data does not fit at `{}`", error.path);
                self.dead_letter(
                    &letter,
                    Some(&envelope.event_type),
                    Some(&envelope.id),
                    &detail,
                    result,
                );
                return Route::DeadLetter;
            }
        };
        let (route, outcome) = match acs {
            AcsEvent::SmsReceived(_) | AcsEvent::SmsDeliveryReportReceived(_) => (
                Route::Sms,
                self.sms.handle(envelope, acs).map_err(|e| e.to_string()),
            ),
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
            | AcsEvent::ChatMemberRemovedFromThreadWithUser(_) => (
                Route::Chat,
                self.chat.handle(envelope, acs).map_err(|e| e.to_string()),
            ),
            AcsEvent::EmailDeliveryReportReceived(_)
            | AcsEvent::EmailEngagementTrackingReportReceived(_) => (
                Route::Email,
                self.email.handle(envelope, acs).map_err(|e| e.to_string()),
            ),
            AcsEvent::Unknown { .. } => (Route::Unknown, Ok(Vec::new())),
            _ => (Route::Acknowledged, Ok(Vec::new())),
        };
        match outcome {
            Ok(outputs) => {
                result.logs.push(log_line(
                    &envelope.event_type,
                    &envelope.id,
                    route.as_str(),
                    outputs.len(),
                ));
                result.outputs.extend(outputs);
                route
            }
            Err(error) => {
                let letter = DeadLetter {
                    reason: "processingFailed",
                    error: &error,
                    path: None,
                    event_id: Some(&envelope.id),
                    event_type: Some(&envelope.event_type),
                    event: event.raw.get(),
                };
                let detail = format!("the {} module could not process it", route.as_str());
                self.dead_letter(
                    &letter,
                    Some(&envelope.event_type),
                    Some(&envelope.id),
                    &detail,
                    result,
                );
                Route::DeadLetter
            }
        }
    }

    fn dead_letter(
        &self,
        letter: &DeadLetter<'_>,
        event_type: Option<&str>,
        id: Option<&str>,
        detail: &str,
        result: &mut InvocationResult,
    ) {
        let route = format!("{} ({detail})", Route::DeadLetter.as_str());
        match Output::message(QueueBinding::DeadLetter, letter) {
            Ok(output) => {
                result.outputs.push(output);
                result.logs.push(log_line(
                    event_type.unwrap_or("?"),
                    id.unwrap_or("?"),
                    &route,
                    1,
                ));
            }
            Err(e) => {
                // Cannot happen for a struct of strings and raw JSON; say so rather than drop.
                tracing::error!(error = %e, "could not build a dead-letter message");
                result.logs.push(log_line(
                    event_type.unwrap_or("?"),
                    id.unwrap_or("?"),
                    "LOST: dead-letter failed",
                    0,
                ));
            }
        }
    }
}

/// `"<type> <id>: <route>, <n> output(s)"`, with type and id cut to a sane length.
fn log_line(event_type: &str, id: &str, route: &str, outputs: usize) -> String {
    let plural = if outputs == 1 { "" } else { "s" };
    format!(
        "{} {}: {route}, {outputs} output{plural}",
        clip(event_type),
        clip(id)
    )
}

fn clip(text: &str) -> &str {
    match text.char_indices().nth(120) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}
