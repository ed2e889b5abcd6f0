//! The application: settings, the router, and one entry point per Azure Function. Both the HTTP
//! server and `handler replay` call [`App::invoke`], so a replayed event takes exactly the path of
//! a live invocation.

use crate::events::Delivery;
use crate::host::outputs::{RawArchive, RawEventPointer};
use crate::host::protocol::{self, InvocationData, InvocationResult, ProtocolError};
use crate::router::Router;
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
    router: Router,
    /// `SmsSender`: its ACS client is built on its first invocation, not here, so start-up
    /// stays fast and a missing connection string does not stop the Event Grid function.
    sms_sender: SmsSender,
    /// `SmsOptOutSync`: the same lazily built client.
    sms_opt_out_sync: SmsOptOutSync,
    /// `WhatsAppSender`: the same lazily built client, for Advanced Messaging.
    whatsapp_sender: WhatsAppSender,
    /// Debug builds only: the function whose invocation panics outside every guard (see
    /// [`crate::router::DEBUG_PANIC_SETTING`]), to test the server's last line of defence.
    #[cfg(debug_assertions)]
    panic_on_function: Option<String>,
}

impl App {
    /// Builds the app from its settings; a malformed setting is an error at start-up.
    pub fn new(settings: &Settings) -> Result<Self, SettingsError> {
        Ok(App {
            router: Router::from_settings(settings)?,
            sms_sender: SmsSender::from_settings(settings)?,
            sms_opt_out_sync: SmsOptOutSync::from_settings(settings)?,
            whatsapp_sender: WhatsAppSender::from_settings(settings)?,
            #[cfg(debug_assertions)]
            panic_on_function: settings
                .get(crate::router::DEBUG_PANIC_SETTING)
                .and_then(|v| v.strip_prefix("invoke:"))
                .map(str::to_owned),
        })
    }

    /// Every function of the app, one per folder with a function.json; the server answers
    /// only these (a test checks the list against the folders).
    pub const FUNCTIONS: [&'static str; 4] = [
        protocol::EVENT_GRID_FUNCTION,
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
                "{}: deliberate panic outside the router",
                crate::router::DEBUG_PANIC_SETTING
            );
        }
        let outcome = match function {
            protocol::EVENT_GRID_FUNCTION => self.event_grid(body),
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

    /// `EventGridTrigger`: every event of the trigger value through the router.
    fn event_grid(&self, body: &[u8]) -> Result<InvocationResult, ProtocolError> {
        let data = InvocationData::parse(body)?;
        let events = protocol::trigger_events(data.get(protocol::EVENT_GRID_BINDING)?)?;
        let mut result = InvocationResult {
            archive: archive_for(&events, data.metadata_id()),
            ..InvocationResult::default()
        };
        for event in events {
            let route = self.router.route(event, &mut result);
            tracing::debug!(route = route.as_str(), "event routed");
        }
        Ok(result)
    }
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
