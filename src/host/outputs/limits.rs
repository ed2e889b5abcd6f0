//! Azure's limits on what one output may hold: the one table of them, each with its source
//! (`docs/outputs-and-limits.md` §2 has the citations). Sizes are computed the way the service
//! computes them: table strings in UTF-16 code units, entities with the Table service's size
//! formula, queue messages as the base64 text the Queues extension really enqueues.

/// A table string property: "up to 64 KiB" [docs: Table service data model], stored as
/// UTF-16, so 32 768 code units.
pub const TABLE_STRING_UTF16_UNITS: usize = 32 * 1024;
/// A whole entity: 1 MiB [docs: Table service data model], computed with the service's
/// formula `4 + 2·len(PartitionKey + RowKey) + Σ (8 + 2·len(name) + size(value))` [docs:
/// Azure Storage team blog, "How the size of an entity is calculated"].
pub const TABLE_ENTITY_BYTES: usize = 1024 * 1024;
/// What we let an entity reach: 8 KiB below the limit. A measurement found the real ceiling
/// 88 bytes under 1 MiB by that formula [obs: joelverhagen's entity-limits gist, 2021].
pub const TABLE_ENTITY_BUDGET: usize = TABLE_ENTITY_BYTES - 8 * 1024;
/// Properties per entity: 255 including `PartitionKey`, `RowKey` and `Timestamp` [docs].
pub const TABLE_CUSTOM_PROPERTIES: usize = 252;
/// A property name: up to 255 characters, C# identifier rules [docs].
pub const TABLE_PROPERTY_NAME_CHARS: usize = 255;
/// `PartitionKey` and `RowKey`: 1 KiB each, stored as UTF-16 [docs].
pub const TABLE_KEY_UTF16_BYTES: usize = 1024;
/// A queue message: 64 KiB of message text [docs: Queue service]; the service answers
/// `413 RequestBodyTooLarge … MaxLimit: 65536` [obs].
pub const QUEUE_MESSAGE_TEXT_BYTES: usize = 64 * 1024;
/// The Queues extension 5.x base64-encodes every message by default (`QueuesOptions`
/// `MessageEncoding = Base64` [code]), so what we may send is the largest payload whose
/// base64 fits: 65 536 / 4 · 3 = 49 152 bytes of UTF-8.
pub const QUEUE_MESSAGE_BYTES: usize = QUEUE_MESSAGE_TEXT_BYTES / 4 * 3;
/// Room left free in an output that was cut, for the pointer to the raw event that the
/// dispatcher adds afterwards (a blob path is at most 1 024 characters; ours are under 256).
pub const POINTER_RESERVE_BYTES: usize = 2048;

/// The length of the base64 text of `bytes` bytes (with padding), as the Queues extension
/// enqueues it.
pub const fn base64_len(bytes: usize) -> usize {
    bytes.div_ceil(3) * 4
}
