//! The business layer: one handler per ACS family the app stores, and the dispatcher that
//! sends each typed event to its handler.
//!
//! - [`dispatch`]: the [`Dispatcher`](dispatch::Dispatcher), the one place that knows which
//!   handler owns which event type, the optional `ACS_EVENT_FILTER`, the panic guard and the
//!   dead-letter policy;
//! - [`sms`]: inbound texts, opt-out/opt-in/help keywords, delivery reports;
//! - [`chat`]: transcript, thread and membership rows, notifications;
//! - [`email`]: delivery reports, per-recipient state, failures, engagement;
//! - [`whatsapp`]: ACS Advanced Messaging inbound messages, keywords, delivery statuses.
//!
//! Handlers see typed events (from [`crate::events`]) and produce output bindings
//! ([`crate::host::outputs`]); they never see HTTP, the host protocol or each other. The
//! sender functions (`SmsSender`, `WhatsAppSender`) are not handlers of ACS events and live in
//! [`crate::sms_sender`] and [`crate::whatsapp_sender`].

pub mod chat;
pub mod dispatch;
pub mod email;
pub mod sms;
pub mod whatsapp;
