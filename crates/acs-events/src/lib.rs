//! Typed [Azure Communication Services] (ACS) events, as Event Grid delivers them.
//!
//! ACS publishes what happens in a resource (an SMS arrived, a chat message was sent, a call
//! started, a recording is ready, an e-mail bounced, a WhatsApp message came in, a Job Router job
//! was queued, …) as `Microsoft.Communication.*` Event Grid events. This crate turns the JSON of a
//! delivery into Rust types: one struct per event type, with the field spellings, number-or-string
//! values and timestamp formats the service actually sends. It does no I/O and has no runtime
//! dependencies (serde, serde_json, time and thiserror only), so it fits an Azure Functions
//! handler, an axum or actix webhook, or a Service Bus / Event Hubs consumer alike.
//!
//! [Azure Communication Services]: https://learn.microsoft.com/azure/communication-services/
//!
//! # The model
//!
//! Three layers, each usable on its own:
//!
//! - **Envelope** ([`Event`], [`Envelope`], [`Schema`]): the fields every event has (`id`, type,
//!   source, subject, time), read from either the Event Grid schema or CloudEvents 1.0. The schema
//!   is detected from the JSON itself (`eventType` versus `type` with `source`/`specversion`), never
//!   from an HTTP header, so the same code reads a webhook body, a Service Bus message or an
//!   Event Hubs record. Each [`Event`] also keeps its JSON exactly as received ([`RawEvent`]), for
//!   archiving or dead-lettering.
//! - **Catalog** ([`AcsEvent`], [`event_types`]): one variant per known event type, holding its
//!   typed data, plus [`AcsEvent::Unknown`]. [`event_types`] has the type strings as constants (for
//!   Event Grid subscription filters, say), and [`canonical_event_type`] normalizes their case.
//! - **Data**: the family modules ([`sms`], [`chat`], [`calling`], [`recording`], [`presence`],
//!   [`email`], [`advanced_messaging`], [`job_router`]) hold one `…EventData` struct
//!   per type, with shared building blocks: [`CommunicationIdentifier`] (who), [`Timestamp`]
//!   (when), [`Int64`] (integers sent as numbers or strings), [`UserMap`] (user-defined
//!   metadata) and [`Sensitive`] (personal data).
//!
//! Each family module's documentation starts with a complete, tested example.
//!
//! # Parsing a delivery
//!
//! [`parse_delivery`] takes the request body: an array of events (Event Grid's batches) or a
//! single object (CloudEvents' structured mode, or one message from a queue), in either schema.
//! Problems are reported at the narrowest level, so one bad event never hides the others:
//!
//! - the body is not a delivery at all (not JSON, `[]`, a number): [`DeliveryError`];
//! - one element is not an event (no `id`, neither schema): an `Err(`[`InvalidEvent`]`)` in its
//!   place, with its raw JSON;
//! - the event is fine but its `data` does not fit its known type: [`Event::data`] is
//!   `Err(`[`DataError`]`)`, naming the JSON path, while the envelope is still there to log and
//!   dead-letter it.
//!
//! ```
//! # #[cfg(feature = "sms")] fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use acs_events::{parse_delivery, AcsEvent, Schema};
//!
//! // An Event Grid batch: one SMS, and a type this version does not know.
//! let body = br#"[
//!   {"id": "1", "topic": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs",
//!    "subject": "/phonenumber/15555550100", "eventType": "Microsoft.Communication.SMSReceived",
//!    "eventTime": "2026-01-05T12:00:01Z", "dataVersion": "1.0",
//!    "data": {"messageId": "m1", "from": "+15555550123", "to": "+15555550100",
//!             "message": "Hi", "receivedTimestamp": "2026-01-05T12:00:00Z",
//!             "aFieldFromTheFuture": true}},
//!   {"id": "2", "topic": "/subscriptions/s", "subject": "call/1",
//!    "eventType": "Microsoft.Communication.CallTranscriptionReady",
//!    "eventTime": "2026-01-05T12:00:02Z", "dataVersion": "1.0", "data": {"url": "https://x"}}
//! ]"#;
//!
//! for event in parse_delivery(body)? {
//!     let event = event?; // an element that is no event at all
//!     assert_eq!(event.envelope.schema, Schema::EventGrid);
//!     match event.data {
//!         Ok(AcsEvent::SmsReceived(sms)) => assert_eq!(sms.message.as_str(), "Hi"),
//!         Ok(AcsEvent::Unknown { event_type, data }) => {
//!             // Not an error: the type and its raw data are kept for you.
//!             assert_eq!(event_type, "Microsoft.Communication.CallTranscriptionReady");
//!             assert_eq!(data.unwrap().get(), r#"{"url": "https://x"}"#);
//!         }
//!         Ok(other) => println!("{} {}", event.envelope.id, other.kind()),
//!         // Known type, data that does not fit: log `err` (it names the path) and dead-letter
//!         // `event.raw`.
//!         Err(err) => eprintln!("{err}"),
//!     }
//! }
//! # Ok(()) }
//! # #[cfg(not(feature = "sms"))] fn main() {}
//! ```
//!
//! The same call reads CloudEvents (`"specversion": "1.0"`, `"type"`, `"source"`, `"time"`); the
//! [`Envelope`] names the fields the Event Grid way either way, and [`Envelope::schema`] says which
//! it was. A webhook must also answer Event Grid's subscription handshake: a
//! `Microsoft.EventGrid.SubscriptionValidationEvent` is not an ACS type, so it arrives as
//! [`AcsEvent::Unknown`], and its `data.validationCode` is what to echo back:
//!
//! ```
//! use acs_events::{parse_delivery, AcsEvent};
//!
//! let body = br#"[{"id": "v", "topic": "/subscriptions/s", "subject": "",
//!   "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
//!   "eventTime": "2026-01-05T12:00:00Z", "dataVersion": "2",
//!   "data": {"validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}}]"#;
//! let event = parse_delivery(body)?.remove(0)?;
//! if let Ok(AcsEvent::Unknown { event_type, data: Some(data) }) = &event.data {
//!     assert!(event_type.ends_with("SubscriptionValidationEvent"));
//!     let data: serde_json::Value = serde_json::from_str(data.get())?;
//!     let answer = serde_json::json!({ "validationResponse": data["validationCode"] });
//!     assert_eq!(answer["validationResponse"], "512d38b6-c7b8-40c8-89fe-f46f9e9622b6");
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! To read one event you already hold as JSON text (one element of a batch you split yourself),
//! use [`parse_event`]; to type the `data` of an event whose envelope you parsed elsewhere, use
//! [`AcsEvent::from_data`].
//!
//! # When the service is ahead of this crate
//!
//! ACS adds event types, fields and enum values without notice; none of them is an error here:
//!
//! - **New event types** parse as [`AcsEvent::Unknown`], keeping the type string and the raw
//!   `data`. (Event Grid sends them to subscriptions without a type filter.)
//! - **New fields** are ignored by the typed structs (serde's default; nothing uses
//!   `deny_unknown_fields`) and stay in [`Event::raw`], which is byte-for-byte what was received;
//!   [`Event::data_json`] re-serializes the typed data with them added back ([`lossless`]).
//! - **New enum values** land in the enum's `UnknownValue(String)` variant with their spelling kept.
//!   Every enum is matched case-insensitively (the service and its docs disagree on case) and
//!   serializes the canonical spelling. They follow the Azure SDK guidelines for extensible
//!   enums: `#[non_exhaustive]` (match them with a fallback arm; a variant added in a later
//!   version of this crate is not a breaking change), `From<&str>` and an infallible `FromStr`.
//! - **Historic spellings** are accepted: PascalCase SMS fields from the 2020 docs,
//!   `deliveryAttemptTimeStamp`, `durationOfCall`, nested or flattened call participants, numbers
//!   sent as strings. Serializing an event ([`AcsEvent`] implements `Serialize`, and
//!   [`AcsEvent::data_json`] returns a `serde_json::Value`) writes canonical camelCase names and
//!   UTC timestamps.
//!
//! Fields that some payloads omit are `Option`s, so the same struct reads the docs' samples and
//! what the service sends today.
//!
//! # Cargo features
//!
//! One feature per family, all on by default: `sms`, `chat`, `calling`, `recording`, `presence`,
//! `email`, `advanced-messaging` and `job-router` (the [`job_router`] module). A program that only
//! handles SMS can leave out the other families' structs and their compile time:
//!
//! ```toml
//! acs-events = { version = "0.1", default-features = false, features = ["sms"] }
//! ```
//!
//! A disabled family's events still parse, as [`AcsEvent::Unknown`] with their raw data, never as
//! an error, so narrowing the features can never make a delivery fail. The type-string constants
//! in [`event_types`] stay whatever the features.
//!
//! One more feature, also on by default: `filter`, the `filter` module, which evaluates Event
//! Grid subscription filters on raw events as Event Grid does and warns about clauses that can
//! never match an ACS subject (SMS subjects start with `/phonenumber/`, with the slash).
//!
//! # Privacy
//!
//! Event data is full of personal data: phone numbers, e-mail addresses, user ids, message text.
//! This crate keeps it out of logs by default:
//!
//! - [`Sensitive<T>`](Sensitive) wraps such values. It serializes and derefs to the value, so
//!   your code uses it normally, but its `Debug` prints `<redacted>`: a stray `{:?}` or a
//!   `tracing` field of a whole event struct cannot leak it.
//! - [`Envelope`]'s `Debug` leaves out the subject (`/phonenumber/{number}`), [`RawEvent`]'s shows
//!   only its length, and [`UserMap`]'s only the number of entries.
//! - Errors about `data` ([`DataError`], [`DataFault`]) name the JSON path and what was
//!   expected, never the offending value, and user-chosen map keys are replaced by `<key>`
//!   ([`safe_path`], [`safe_message`]), so they can be logged as is. (A malformed envelope
//!   `eventTime` is quoted: it is not personal data, and the value is what explains the error.)
//!
//! Serialization is not redacted: writing an event to storage keeps everything.
//! What you log deliberately (`sms.from.as_str()`) is your decision.
//!
//! ```
//! # #[cfg(feature = "sms")] fn main() -> Result<(), serde_json::Error> {
//! use acs_events::sms::SmsReceivedEventData;
//!
//! let sms: SmsReceivedEventData = serde_json::from_str(r#"{"messageId": "m1",
//!     "from": "+15555550123", "to": "+15555550100", "message": "my PIN is 1234",
//!     "receivedTimestamp": "2026-01-05T12:00:00Z"}"#)?;
//! let logged = format!("{sms:?}");
//! assert!(!logged.contains("1234") && !logged.contains("+1555"));
//! assert!(serde_json::to_string(&sms)?.contains("my PIN is 1234"));
//! # Ok(()) }
//! # #[cfg(not(feature = "sms"))] fn main() {}
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "advanced-messaging")]
pub mod advanced_messaging;
#[cfg(feature = "calling")]
pub mod calling;
mod catalog;
#[cfg(feature = "chat")]
pub mod chat;
#[cfg(feature = "email")]
pub mod email;
mod envelope;
#[cfg(feature = "filter")]
pub mod filter;
pub mod identifier;
#[cfg(feature = "job-router")]
pub mod job_router;
pub mod lossless;
#[cfg(feature = "presence")]
pub mod presence;
#[cfg(feature = "recording")]
pub mod recording;
#[cfg(feature = "sms")]
pub mod sms;
pub mod subject;
mod timestamp;
mod wire;

pub use catalog::{canonical_event_type, event_types, AcsEvent, DataFault};
pub use envelope::{
    parse_delivery, parse_event, DataError, Delivery, DeliveryError, Envelope, Event, InvalidEvent,
    RawEvent, Schema,
};
pub use identifier::{CommunicationIdentifier, IdentifierKind};
pub use subject::Subject;
pub use timestamp::{OutOfRange, Timestamp, TimestampError};
pub use wire::{safe_message, safe_path, Int64, Sensitive, UserMap};

/// The README's plain-serde example, compiled as a doc test so that it cannot drift.
#[cfg(all(doctest, feature = "sms"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The 2025–2026 fields of every family, typed and re-serialized.
#[cfg(test)]
#[allow(dead_code, unused_imports)] // which tests exist depends on the families enabled
mod tests_2026;

/// Helpers shared by the family modules' tests.
#[cfg(test)]
#[allow(dead_code)] // which helpers are used depends on the families enabled
pub(crate) mod test_support {
    use super::{parse_delivery, AcsEvent};

    /// The typed data of the only event in `body`; fails the test otherwise.
    pub fn only_event(body: &[u8]) -> AcsEvent {
        let mut delivery = parse_delivery(body).expect("a delivery");
        assert_eq!(delivery.len(), 1);
        let event = delivery.remove(0).expect("an event");
        match event.data {
            Ok(data) => data,
            Err(err) => panic!("data does not fit: {err}"),
        }
    }

    /// Serializing and re-parsing gives the same value.
    pub fn round_trips<T>(data: &T)
    where
        T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let value = serde_json::to_value(data).expect("serializes");
        let again: T = serde_json::from_value(value).expect("re-parses");
        assert_eq!(&again, data);
    }
}
