//! Protocol-level tests: the real `handler` binary driven the way the Functions host drives it,
//! and the library's public entry points run over every sample.

mod azurite;
mod batch;
mod chat;
mod cli;
mod edges;
mod email;
mod fake_acs;
mod filter;
mod harness;
mod infra;
mod limits;
mod opt_out;
mod privacy;
mod properties;
mod protocol;
mod robustness;
mod samples;
mod send;
mod sms;
mod sms_sender;
mod storage;
mod stored;
mod whatsapp;
mod whatsapp_sender;
