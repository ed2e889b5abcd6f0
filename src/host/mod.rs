//! The Azure Functions host side of the app: the custom-handler HTTP protocol ([`protocol`]), the
//! server that speaks it ([`server`]), the Event Hubs and Service Bus trigger values
//! ([`triggers`]), and the output bindings an invocation returns ([`outputs`]).
//!
//! Nothing here knows about ACS business rules; handlers build [`outputs::Output`]s and the
//! protocol layer turns them into the host's invocation result.

pub mod outputs;
pub mod protocol;
pub mod server;
pub mod triggers;
