//! Typed Azure Communication Services events.
//!
//! Bytes in, typed events out: [`parse_delivery`] detects the envelope schema, and each event's
//! `data` is read into the struct of its type ([`AcsEvent`]). Family modules hold the data structs,
//! following the wire names of the ACS event catalog and accepting the historic spellings.

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
pub use timestamp::{Timestamp, TimestampError};
pub use wire::{Int64, Sensitive};
