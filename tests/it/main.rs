//! Protocol-level tests: the real `handler` binary driven the way the Functions host drives it,
//! and the library's public entry points run over every sample.

mod chat;
mod edges;
mod filter;
mod harness;
mod infra;
mod limits;
mod properties;
mod protocol;
mod robustness;
mod samples;
mod send;
mod sms;
mod sms_sender;
