//! Output bindings: the table entities, queue messages and blobs an invocation asks the
//! Functions host to write, under the binding names of `EventGridTrigger/function.json` (our
//! public contract).
//!
//! Values are typed when built (a [`TableEntity`] with checked keys, a serializable message
//! struct) and serialized once, so the response writer only copies bytes. Building an output is
//! also where Azure's limits are enforced ([`limits`]): an output Azure would refuse fails the
//! host's write, the host answers Event Grid 500, and Event Grid retries the event for 24 hours.
//! So an over-long text is cut on a character boundary and flagged (`<Property>Truncated` on a
//! row, `<field>Truncated` in a message); the dispatcher then keeps the whole raw event in a blob and
//! points the output at it ([`Output::point_to_raw_event`]). Nothing is lost, and nothing is
//! refused. `docs/outputs-and-limits.md` has the evidence for every number and for the encoding.
//!
//! **Encoding.** Each table row and queue message is sent to the host as a JSON *string* holding
//! the item's compact JSON text, not as a JSON object. The host reads the reply with Newtonsoft
//! (which turns date-like strings inside objects into `DateTime`s and re-emits them converted to
//! its local zone) and hands an object item to the extension as `JObject.ToString()`, which is
//! indented; a string item reaches the extension as its exact UTF-8 bytes. So what we size here
//! is byte for byte what the extension writes.
//!
//! Times inside keys are spelled by [`time_keys`].

mod dedupe;
pub mod limits;
mod output;
mod raw;
mod reply;
mod table;
pub mod time_keys;

pub use dedupe::dedupe;
pub use output::Output;
pub use raw::{RawArchive, RawEventPointer};
pub use reply::GroupedOutputs;
pub use table::{escape_key, unescape_key, Property, TableEntity, TableKey, UPSERT_ETAG};

/// Table output bindings (the table name is in function.json).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TableBinding {
    /// `SmsMessages`: every inbound and outbound text.
    SmsMessages,
    /// `SmsOptOuts`: each person's opt-out history with one of our numbers, newest first.
    SmsOptOuts,
    /// `SmsDeliveryReports`: every delivery report.
    SmsDeliveryReports,
    /// `ChatMessages`: one row per chat message version.
    ChatMessages,
    /// `ChatThreads`: one row per thread version.
    ChatThreads,
    /// `ChatMembers`: one row per membership change.
    ChatMembers,
    /// `EmailDeliveryReports`: every e-mail delivery report.
    EmailDeliveryReports,
    /// `EmailRecipients`: each recipient's delivery history with one sender, newest first.
    EmailRecipients,
    /// `EmailEngagement`: one row per view or click.
    EmailEngagement,
    /// `WhatsAppMessages`: every inbound and outbound WhatsApp message.
    WhatsAppMessages,
    /// `WhatsAppOptOuts`: each user's opt-out history with one of our channels, newest first.
    WhatsAppOptOuts,
    /// `WhatsAppDeliveryReports`: every delivery status of a message we sent.
    WhatsAppDeliveryReports,
}

/// Queue output bindings (the queue name is in function.json).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QueueBinding {
    /// `sms-outbox`: replies for the `SmsSender` function to send.
    SmsOutbox,
    /// `sms-inbox`: inbound texts for the application.
    SmsInbox,
    /// `sms-delivery-failures`: reports an operator must look at.
    SmsDeliveryFailures,
    /// `sms-optout-sync`: opt-out changes for the `SmsOptOutSync` function to apply to ACS.
    SmsOptOutSync,
    /// `chat-notifications`: one message per chat recipient.
    ChatNotifications,
    /// `acs-events-deadletter`: events we could not process, raw, with the reason.
    DeadLetter,
    /// `email-delivery-failures`: e-mail reports that are not a delivery, for an operator.
    EmailDeliveryFailures,
    /// `whatsapp-outbox`: replies for the `WhatsAppSender` function to send.
    WhatsAppOutbox,
    /// `whatsapp-inbox`: inbound WhatsApp messages for the application.
    WhatsAppInbox,
    /// `whatsapp-delivery-failures`: `failed` and `warning` statuses, for an operator.
    WhatsAppDeliveryFailures,
}

/// Blob output bindings: one value per invocation each (a blob binding is not a collector).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BlobBinding {
    /// `acs-events-raw/{id}.json`: the raw event of a one-event invocation whose id the host can
    /// put in the blob path. Deterministic: a redelivery overwrites the same blob.
    RawEvents,
    /// `acs-events-raw/unkeyed/{rand-guid}.json`: the raw events of any other invocation, as a
    /// JSON array (a delivery body `handler replay` reads).
    RawEventsUnkeyed,
}

impl TableBinding {
    /// The binding name in function.json.
    pub fn name(self) -> &'static str {
        match self {
            TableBinding::SmsMessages => "smsMessages",
            TableBinding::SmsOptOuts => "smsOptOuts",
            TableBinding::SmsDeliveryReports => "smsDeliveryReports",
            TableBinding::ChatMessages => "chatMessages",
            TableBinding::ChatThreads => "chatThreads",
            TableBinding::ChatMembers => "chatMembers",
            TableBinding::EmailDeliveryReports => "emailDeliveryReports",
            TableBinding::EmailRecipients => "emailRecipients",
            TableBinding::EmailEngagement => "emailEngagement",
            TableBinding::WhatsAppMessages => "waMessages",
            TableBinding::WhatsAppOptOuts => "waOptOuts",
            TableBinding::WhatsAppDeliveryReports => "waDeliveryReports",
        }
    }
}

impl QueueBinding {
    /// The binding name in function.json.
    pub fn name(self) -> &'static str {
        match self {
            QueueBinding::SmsOutbox => "smsOutbox",
            QueueBinding::SmsInbox => "smsInbox",
            QueueBinding::SmsDeliveryFailures => "smsDeliveryFailures",
            QueueBinding::SmsOptOutSync => "smsOptOutSync",
            QueueBinding::ChatNotifications => "chatNotifications",
            QueueBinding::DeadLetter => "deadLetter",
            QueueBinding::EmailDeliveryFailures => "emailDeliveryFailures",
            QueueBinding::WhatsAppOutbox => "waOutbox",
            QueueBinding::WhatsAppInbox => "waInbox",
            QueueBinding::WhatsAppDeliveryFailures => "waDeliveryFailures",
        }
    }
}

/// The container of both raw-event blob bindings (`path` in function.json).
pub const RAW_EVENTS_CONTAINER: &str = "acs-events-raw";
/// Where [`BlobBinding::RawEventsUnkeyed`] writes, inside [`RAW_EVENTS_CONTAINER`].
pub const UNKEYED_PREFIX: &str = "acs-events-raw/unkeyed/";

impl BlobBinding {
    /// The binding name in function.json.
    pub fn name(self) -> &'static str {
        match self {
            BlobBinding::RawEvents => "rawEvents",
            BlobBinding::RawEventsUnkeyed => "rawEventsUnkeyed",
        }
    }
}

/// Why a key or an output value could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutputError {
    #[error("{which} is empty")]
    EmptyKey { which: &'static str },
    #[error("{which} is {len} bytes (UTF-16) after escaping; Azure Tables allow at most 1024")]
    KeyTooLong { which: &'static str, len: usize },
    #[error("a queue message must be a JSON object")]
    NotAnObject,
    #[error("could not serialize the output: {0}")]
    Serialize(String),
    #[error("property name `{0}` is not a C# identifier of at most 255 characters")]
    BadPropertyName(String),
    #[error("{count} properties; an Azure Table entity holds at most 252")]
    TooManyProperties { count: usize },
    /// Even with every text cut to nothing the output would not fit (cannot happen for the rows
    /// and messages this crate builds: their other fields are small).
    #[error("{binding}: {size} bytes without any text, over the limit of {limit}")]
    TooLarge {
        binding: &'static str,
        size: usize,
        limit: usize,
    },
}

#[cfg(test)]
mod tests;
