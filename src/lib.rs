//! acs-event-handler: an Azure Functions custom handler for Azure Communication Services events
//! delivered by Event Grid.
//!
//! Data flows one way: bytes from the host → [`functions`] (invocation envelope) → [`events`]
//! (Event Grid / CloudEvents envelope, typed ACS event) → [`router`] → business modules
//! ([`sms`], [`chat`], [`email`]) → [`outputs`] (output bindings) → the invocation result.
#![forbid(unsafe_code)]

pub mod app;
pub mod chat;
pub mod cli;
pub mod email;
/// The typed ACS events, from the `acs-events` crate (`crates/acs-events`).
pub use acs_events as events;
pub mod filter;
pub mod host;
pub mod logtext;
pub mod messaging;
pub mod router;
pub mod settings;
pub mod sms;
pub mod sms_sender;
pub mod storage;
pub mod suggest;
pub mod whatsapp;
pub mod whatsapp_sender;
