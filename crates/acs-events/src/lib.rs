//! Typed Azure Communication Services events.
//!
//! Bytes in, typed events out: [`parse_delivery`] detects the envelope schema, and each event's
//! `data` is read into the struct of its type ([`AcsEvent`]). Family modules hold the data structs,
//! following the wire names of the ACS event catalog and accepting the historic spellings.

#![forbid(unsafe_code)]

pub mod advanced_messaging;
pub mod calling;
mod catalog;
pub mod chat;
pub mod email;
mod envelope;
pub mod identifier;
pub mod presence;
pub mod recording;
pub mod router;
pub mod sms;
mod timestamp;
mod wire;

pub use catalog::{canonical_event_type, event_types, AcsEvent, DataFault};
pub use envelope::{
    parse_delivery, parse_event, DataError, Delivery, DeliveryError, Envelope, Event, InvalidEvent,
    RawEvent, Schema,
};
pub use identifier::{CommunicationIdentifier, IdentifierKind};
pub use timestamp::{OutOfRange, Timestamp, TimestampError};
pub use wire::{safe_message, safe_path, Int64, Sensitive, UserMap};

/// Helpers shared by the family modules' tests.
#[cfg(test)]
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
