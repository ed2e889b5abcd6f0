//! Azure Storage behind the output bindings: a writer that stores a custom-handler reply's
//! `Outputs` the way the Functions host and its Tables, Queues and Blob extensions do, with the
//! small REST client it needs. Used by the tests (against Azurite) and by
//! `handler replay --to-storage`; never on the invocation path.
//!
//! - [`connection`]: storage connection strings (`UseDevelopmentStorage=true`, account keys);
//! - [`client`]: Shared Key requests for tables, queues and blobs;
//! - [`bindings`]: function.json, host.json and binding expressions;
//! - [`newtonsoft`]: what the host's JSON round trip does to each item;
//! - [`entity`]: the Tables extension's item → entity conversion;
//! - [`limits`]: Azure's limits, which the writer enforces itself;
//! - [`writer`]: the host's order of writes, batching and failure behaviour.

pub mod bindings;
pub mod client;
pub mod connection;
pub mod entity;
pub mod limits;
pub mod newtonsoft;
pub mod writer;
mod xml;

pub use bindings::{BindingData, FunctionBindings, HostOptions, QueueEncoding};
pub use client::{ClientError, StorageClient};
pub use connection::{ConnectionError, Service, StorageConnection, DEVELOPMENT_STORAGE};
pub use entity::Entity;
pub use writer::{SetupError, StorageWriter, Write, WriteError, WriteFailure, WriteReport};
