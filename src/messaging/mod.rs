//! Messaging rules shared by every channel and by both sides of it (the inbound handlers and the
//! sender functions): phone numbers ([`phone`]), opt-out keywords ([`keywords`]), the opt-out
//! history and its convergence rule ([`opt_out`]), and the outbox contract applications and
//! handlers enqueue for the sender ([`outbox`]).
//!
//! They live apart from `handlers::sms` so that `sms_sender` does not depend on a handler.

pub mod keywords;
pub mod opt_out;
pub mod outbox;
pub mod phone;
pub mod whatsapp_id;
