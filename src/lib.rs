//! acs-event-handler: an Azure Functions custom handler for Azure Communication Services events
//! delivered by Event Grid.
//!
//! Data flows one way: bytes from the host → [`host`] (the custom-handler protocol and the
//! trigger values) → [`events`] (Event Grid / CloudEvents envelope, typed ACS event) →
//! [`handlers::dispatch`] → the business handlers ([`handlers::sms`], [`handlers::chat`],
//! [`handlers::email`], [`handlers::whatsapp`]) → [`host::outputs`] (output bindings) → the
//! invocation result. [`app`] wires the Functions to that path; [`sms_sender`] and
//! [`whatsapp_sender`] are the queue-triggered sender Functions, [`messaging`] the rules they
//! share with the handlers, [`storage`] the Azure Storage writer behind the bindings (tests,
//! `replay --to-storage`), [`cli`] the `handler` subcommands.
#![forbid(unsafe_code)]

pub mod app;
pub mod cli;
/// The typed ACS events, from the `acs-events` crate (`crates/acs-events`).
pub use acs_events as events;
pub mod handlers;
pub mod host;
pub mod logtext;
pub mod messaging;
pub mod settings;
pub mod sms_sender;
pub mod storage;
pub mod suggest;
pub mod whatsapp_sender;
