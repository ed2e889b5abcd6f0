//! The application: settings, the dispatcher, and one entry point per Azure Function. Both the HTTP
//! server and `handler replay` call [`App::invoke`], so a replayed event takes exactly the path of
//! a live invocation.

use std::collections::HashMap;

use crate::events::Delivery;
use crate::handlers::dispatch::Dispatcher;
use crate::host::outputs::{dedupe, RawArchive, RawEventPointer};
use crate::host::protocol::{self, InvocationData, InvocationResult, ProtocolError};
use crate::host::triggers::{
    self, BatchPosition, EVENT_HUB_BINDING, EVENT_HUB_FUNCTION, SERVICE_BUS_BINDING,
    SERVICE_BUS_FUNCTION,
};
use crate::logtext::clip as clip_text;
use crate::settings::{Settings, SettingsError};
use crate::sms_sender::opt_out_sync::{SmsOptOutSync, SMS_OPT_OUT_SYNC_FUNCTION};
use crate::sms_sender::{SmsSender, SMS_SENDER_FUNCTION};
use crate::whatsapp_sender::{WhatsAppSender, WHATSAPP_SENDER_FUNCTION};

/// A reply to the host: status and JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Reply {
    fn ok(result: &InvocationResult) -> Self {
        Reply {
            status: 200,
            body: result.to_json(),
        }
    }

    /// The reply for a request that failed.
    pub fn error(error: &ProtocolError) -> Self {
        Reply {
            status: error.status(),
            body: protocol::error_json(error),
        }
    }
}

/// Everything an invocation needs, built once at start-up.
pub struct App {
    dispatcher: Dispatcher,
    /// `SmsSender`: its ACS client is built on its first invocation, not here, so start-up
    /// stays fast and a missing connection string does not stop the Event Grid function.
    sms_sender: SmsSender,
    /// `SmsOptOutSync`: the same lazily built client.
    sms_opt_out_sync: SmsOptOutSync,
    /// `WhatsAppSender`: the same lazily built client, for Advanced Messaging.
    whatsapp_sender: WhatsAppSender,
    /// Debug builds only: the function whose invocation panics outside every guard (see
    /// [`crate::settings::names::HANDLER_DEBUG_PANIC`]), to test the server's last line of defence.
    #[cfg(debug_assertions)]
    panic_on_function: Option<String>,
}

impl App {
    /// Builds the app from its settings; a malformed setting is an error at start-up.
    pub fn new(settings: &Settings) -> Result<Self, SettingsError> {
        Ok(App {
            dispatcher: Dispatcher::from_settings(settings)?,
            sms_sender: SmsSender::from_settings(settings)?,
            sms_opt_out_sync: SmsOptOutSync::from_settings(settings)?,
            whatsapp_sender: WhatsAppSender::from_settings(settings)?,
            #[cfg(debug_assertions)]
            panic_on_function: settings
                .get(crate::settings::names::HANDLER_DEBUG_PANIC)
                .and_then(|v| v.strip_prefix("invoke:"))
                .map(str::to_owned),
        })
    }

    /// Every function of the app, one per folder with a function.json; the server answers
    /// only these (a test checks the list against the folders).
    pub const FUNCTIONS: [&'static str; 6] = [
        protocol::EVENT_GRID_FUNCTION,
        EVENT_HUB_FUNCTION,
        SERVICE_BUS_FUNCTION,
        SMS_SENDER_FUNCTION,
        SMS_OPT_OUT_SYNC_FUNCTION,
        WHATSAPP_SENDER_FUNCTION,
    ];

    /// `name` if it is one of our [`FUNCTIONS`](Self::FUNCTIONS).
    pub fn function(name: &str) -> Option<&'static str> {
        Self::FUNCTIONS.into_iter().find(|f| *f == name)
    }

    /// Handles one invocation of `function` with the host's request body.
    pub async fn invoke(&self, function: &str, body: &[u8]) -> Reply {
        #[cfg(debug_assertions)]
        if self.panic_on_function.as_deref() == Some(function) {
            panic!(
                "{}: deliberate panic outside the dispatcher",
                crate::settings::names::HANDLER_DEBUG_PANIC
            );
        }
        let outcome = match function {
            protocol::EVENT_GRID_FUNCTION => self.event_grid(body),
            EVENT_HUB_FUNCTION => self.broker(EVENT_HUB_FUNCTION, EVENT_HUB_BINDING, body),
            SERVICE_BUS_FUNCTION => self.broker(SERVICE_BUS_FUNCTION, SERVICE_BUS_BINDING, body),
            SMS_SENDER_FUNCTION => self.sms_sender.invoke(body).await,
            SMS_OPT_OUT_SYNC_FUNCTION => self.sms_opt_out_sync.invoke(body).await,
            WHATSAPP_SENDER_FUNCTION => self.whatsapp_sender.invoke(body).await,
            other => Err(ProtocolError::UnknownFunction(clip(other))),
        };
        match outcome {
            Ok(result) => Reply::ok(&result),
            Err(error) => Reply::error(&error),
        }
    }

    /// `EventGridTrigger`: every event of the trigger value through the dispatcher.
    fn event_grid(&self, body: &[u8]) -> Result<InvocationResult, ProtocolError> {
        let data = InvocationData::parse(body)?;
        let events = protocol::trigger_events(data.get(protocol::EVENT_GRID_BINDING)?)?;
        let mut result = InvocationResult {
            archive: archive_for(&events, data.metadata_id()),
            ..InvocationResult::default()
        };
        for event in events {
            let route = self.dispatcher.route(event, &mut result);
            tracing::debug!(route = route.as_str(), "event routed");
        }
        Ok(result)
    }
}

impl App {
    /// `EventHubTrigger` and `ServiceBusTrigger`: the same dispatcher as `EventGridTrigger`, over
    /// every event of the trigger value, and one reply for all of them.
    ///
    /// Per event the policy is the dispatcher's (poison is dead-lettered and the batch goes on). An
    /// event that is byte for byte an earlier one of the batch (a redelivery that landed in the
    /// same batch) is skipped, and an output that several events produce (the per-recipient
    /// copies of a chat message) is written once ([`dedupe`]). Nothing here does I/O, so the
    /// only faults that fail the whole batch are a trigger value that holds no events (400) and
    /// a bug (500); either way the broker delivers the batch again, and every output is
    /// idempotent (upserted rows keyed by content, messages consumers dedupe), so a redelivery
    /// converges to the same state.
    fn broker(
        &self,
        function: &'static str,
        binding: &'static str,
        body: &[u8],
    ) -> Result<InvocationResult, ProtocolError> {
        // The host's form (a string) is decoded in the same pass that reads the envelope;
        // anything else takes the general path, with its errors.
        let (data, events) = match protocol::StringTrigger::parse(body, binding) {
            Some(trigger) => {
                let events = triggers::message_events_in_text(&trigger.text);
                (trigger.data, events)
            }
            None => {
                let data = InvocationData::parse(body)?;
                let events = triggers::message_events(data.get(binding)?, binding)?;
                (data, events)
            }
        };
        let position = BatchPosition::from_metadata(&data);
        let mut result = InvocationResult {
            archive: archive_for(&events, data.metadata_id()),
            ..InvocationResult::default()
        };
        let count = events.len();
        let repeated = repeated_events(&events);
        let mut skipped = 0;
        for (event, repeat) in events.into_iter().zip(repeated) {
            if repeat {
                skipped += 1;
                let (event_type, id) = match &event {
                    Ok(event) => (
                        event.envelope.event_type.as_str(),
                        event.envelope.id.as_str(),
                    ),
                    Err(invalid) => (
                        invalid.event_type.as_deref().unwrap_or("?"),
                        invalid.id.as_deref().unwrap_or("?"),
                    ),
                };
                result.logs.push(format!(
                    "{} {}: repeats an earlier event of this batch, 0 outputs",
                    clip_text(event_type, 120),
                    clip_text(id, 120)
                ));
                continue;
            }
            let route = self.dispatcher.route(event, &mut result);
            tracing::debug!(route = route.as_str(), "event routed");
        }
        let dropped = dedupe(&mut result.outputs);
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let position = position.to_string();
        let position = if position.is_empty() {
            String::new()
        } else {
            format!(" ({position})")
        };
        result.logs.push(format!(
            "{function}: {count} event{}{position}, {skipped} repeated event{} skipped, {dropped} repeated output{} dropped, {} output{}",
            plural(count),
            plural(skipped),
            plural(dropped),
            result.outputs.len(),
            plural(result.outputs.len()),
        ));
        Ok(result)
    }
}

/// For each event of a batch, whether it is byte for byte an earlier event of the same batch.
/// Events are compared by id first (cheap to hash), then by raw text; events without a parsed
/// envelope by raw text alone.
fn repeated_events(events: &Delivery) -> Vec<bool> {
    let mut seen: HashMap<&str, Vec<&str>> = HashMap::with_capacity(events.len());
    events
        .iter()
        .map(|event| {
            let (key, raw) = match event {
                Ok(event) => (event.envelope.id.as_str(), event.raw.get()),
                Err(invalid) => (invalid.raw.get(), invalid.raw.get()),
            };
            let earlier = seen.entry(key).or_default();
            if earlier.contains(&raw) {
                true
            } else {
                earlier.push(raw);
                false
            }
        })
        .collect()
}

fn clip(name: &str) -> String {
    crate::logtext::clip(name, 100).to_owned()
}

/// Where this invocation keeps raw events (see [`RawArchive`]): named by the event's id when the
/// invocation carries exactly one event and the host's `Metadata.id` is that id, which proves the
/// host resolves `{id}` in the `rawEvents` blob path to exactly it (and a plain blob name);
/// otherwise a blob the host names.
fn archive_for(events: &Delivery, host_id: Option<String>) -> RawArchive {
    let (Some(host_id), [only]) = (host_id, events.as_slice()) else {
        return RawArchive::default();
    };
    let id = match only {
        Ok(event) => Some(event.envelope.id.as_str()),
        Err(invalid) => invalid.id.as_deref(),
    };
    match RawEventPointer::keyed(&host_id) {
        Some(pointer) if id == Some(host_id.as_str()) => RawArchive::keyed(pointer),
        _ => RawArchive::default(),
    }
}
