//! acs-event-handler: an Azure Functions custom handler for Azure Communication Services events
//! delivered by Event Grid.
#![forbid(unsafe_code)]

pub mod events;
