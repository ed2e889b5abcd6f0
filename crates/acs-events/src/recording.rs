//! Recording events: `RecordingFileStatusUpdated` (a call recording is ready to download).
//!
//! The docs samples omit the content, channel and format types the SDKs call required, and a
//! real 2026 payload carries undocumented `recordingId` and `storageType`: all are optional here.
//! The call correlation id is only in the subject, never in `data`.
//!
//! # Example
//!
//! ```
//! use acs_events::{parse_delivery, AcsEvent};
//!
//! let body = br#"[{
//!     "id": "7283825e", "topic": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs",
//!     "subject": "/recording/call/a1b2/serverCallId/aHR0cHM",
//!     "eventType": "Microsoft.Communication.RecordingFileStatusUpdated",
//!     "eventTime": "2026-01-05T12:10:00Z", "dataVersion": "1.0",
//!     "data": {
//!         "recordingStorageInfo": {"recordingChunks": [{
//!             "documentId": "0-eus-d12-801b", "index": 0, "endReason": "SessionEnded",
//!             "contentLocation": "https://storage.asm.skype.com/v1/objects/0-eus-d12-801b/content/video",
//!             "metadataLocation": "https://storage.asm.skype.com/v1/objects/0-eus-d12-801b/content/acsmetadata"
//!         }]},
//!         "recordingStartTime": "2026-01-05T12:00:00Z", "recordingDurationMs": 6620,
//!         "sessionEndReason": "CallEnded"
//!     }
//! }]"#;
//! let event = parse_delivery(body)?.remove(0)?;
//! let AcsEvent::RecordingFileStatusUpdated(recording) = event.data? else {
//!     panic!("not a recording event");
//! };
//! let chunk = &recording.recording_storage_info.recording_chunks[0];
//! // Download from here with Call Automation's recording download call.
//! assert!(chunk.content_location.as_deref().unwrap().ends_with("/content/video"));
//! assert_eq!(recording.recording_duration_ms.map(i64::from), Some(6620));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};

use super::timestamp::Timestamp;
use super::wire::{extensible_enum, Int64};

extensible_enum! {
    /// What a recording holds.
    pub enum RecordingContentType {
        /// Audio and video.
        AudioVideo => "AudioVideo",
        /// Audio only.
        Audio => "Audio",
    }
}

extensible_enum! {
    /// Whether the participants' audio is mixed into one channel.
    pub enum RecordingChannelType {
        /// All participants in one stream.
        Mixed => "Mixed",
        /// One channel per participant.
        Unmixed => "Unmixed",
    }
}

extensible_enum! {
    /// The file format of a recording.
    pub enum RecordingFormatType {
        /// WAV audio.
        Wav => "Wav",
        /// MP3 audio.
        Mp3 => "Mp3",
        /// MP4 video.
        Mp4 => "Mp4",
    }
}

/// `Microsoft.Communication.RecordingFileStatusUpdated`: the recording's files are stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingFileStatusUpdatedEventData {
    /// Where the recording's chunks are.
    pub recording_storage_info: RecordingStorageInfo,
    /// When recording started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_start_time: Option<Timestamp>,
    /// The recording's length in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_duration_ms: Option<Int64>,
    /// Audio or audio and video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_content_type: Option<RecordingContentType>,
    /// Mixed or unmixed audio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_channel_type: Option<RecordingChannelType>,
    /// The file format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_format_type: Option<RecordingFormatType>,
    /// Why the recording session ended (e.g. `CallEnded`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_end_reason: Option<String>,
    /// The recording id (undocumented, seen in real payloads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_id: Option<String>,
    /// The storage kind, e.g. `ACS` (undocumented, seen in real payloads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_type: Option<String>,
}

/// The stored pieces of a recording (`recordingStorageInfo`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingStorageInfo {
    /// The chunks, in `index` order as sent.
    #[serde(default)]
    pub recording_chunks: Vec<RecordingChunkInfo>,
}

/// One stored chunk of a recording.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingChunkInfo {
    /// The chunk's document id in recording storage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_id: Option<String>,
    /// The chunk's position in the recording.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<Int64>,
    /// Why this chunk ended (e.g. `SessionEnded`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<String>,
    /// URL of the chunk's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_location: Option<String>,
    /// URL of the chunk's media content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_location: Option<String>,
    /// URL to delete the chunk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_location: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{only_event, round_trips};
    use crate::AcsEvent;

    #[test]
    fn recording_file_status_updated_sample() {
        let AcsEvent::RecordingFileStatusUpdated(data) = only_event(include_bytes!(
            "../samples/docs-calling__RecordingFileStatusUpdated.json"
        )) else {
            panic!("not RecordingFileStatusUpdated")
        };
        let chunks = &data.recording_storage_info.recording_chunks;
        assert_eq!(chunks.len(), 1);
        let chunk = &chunks[0];
        assert_eq!(
            chunk.document_id.as_deref(),
            Some("0-eus-d12-801b3f3fc462fe8a01e6810cbff729b8")
        );
        assert_eq!(chunk.index, Some(Int64(0)));
        assert_eq!(chunk.end_reason.as_deref(), Some("SessionEnded"));
        assert!(chunk
            .content_location
            .as_deref()
            .is_some_and(|l| l.ends_with("/content/video")));
        assert!(chunk
            .metadata_location
            .as_deref()
            .is_some_and(|l| l.ends_with("/content/acsmetadata")));
        assert_eq!(chunk.delete_location, None);
        assert_eq!(
            data.recording_start_time.map(|t| t.to_rfc3339()).as_deref(),
            Some("2021-07-27T15:20:23.6089755Z")
        );
        assert_eq!(data.recording_duration_ms, Some(Int64(6620)));
        assert_eq!(data.session_end_reason.as_deref(), Some("CallEnded"));
        assert_eq!(data.recording_content_type, None);
        assert_eq!(data.recording_channel_type, None);
        assert_eq!(data.recording_format_type, None);
        round_trips(&data);
    }

    #[test]
    fn spec_example_with_types_and_real_payload_extras() {
        let body = r#"{"id":"7283825e","eventType":"Microsoft.Communication.RecordingFileStatusUpdated",
            "subject":"/recording/call/c/serverCallId/s/recordingId/r","eventTime":"2021-07-27T15:20:34.2199328Z",
            "data":{"recordingStorageInfo":{"recordingChunks":[{"documentId":"d","index":"3","endReason":"SessionEnded",
              "contentLocation":"https://x/content","metadataLocation":"https://x/meta","deleteLocation":"https://x/delete"}]},
              "recordingStartTime":"2021-07-27T15:20:23.6089755Z","recordingDurationMs":"6620","sessionEndReason":"CallEnded",
              "recordingContentType":"audio","recordingChannelType":"Mixed","recordingFormatType":"Mp3",
              "recordingId":"rec-1","storageType":"ACS","somethingNew":{"a":1}}}"#;
        let AcsEvent::RecordingFileStatusUpdated(data) = only_event(body.as_bytes()) else {
            panic!("not RecordingFileStatusUpdated")
        };
        assert_eq!(
            data.recording_storage_info.recording_chunks[0].index,
            Some(Int64(3))
        );
        assert_eq!(
            data.recording_storage_info.recording_chunks[0]
                .delete_location
                .as_deref(),
            Some("https://x/delete")
        );
        assert_eq!(data.recording_duration_ms, Some(Int64(6620)));
        assert_eq!(
            data.recording_content_type,
            Some(RecordingContentType::Audio)
        );
        assert_eq!(
            data.recording_channel_type,
            Some(RecordingChannelType::Mixed)
        );
        assert_eq!(data.recording_format_type, Some(RecordingFormatType::Mp3));
        assert_eq!(data.recording_id.as_deref(), Some("rec-1"));
        assert_eq!(data.storage_type.as_deref(), Some("ACS"));
        round_trips(&data);
        let json = serde_json::to_value(&*data).expect("serializes");
        assert_eq!(json["recordingContentType"], "Audio");
        assert_eq!(json["recordingDurationMs"], 6620);
    }

    #[test]
    fn unknown_enum_values_land_in_other() {
        let format: RecordingFormatType = serde_json::from_str(r#""Ogg""#).expect("format");
        assert_eq!(format, RecordingFormatType::UnknownValue("Ogg".into()));
        let content: RecordingContentType =
            serde_json::from_str(r#""VideoOnly""#).expect("content");
        assert_eq!(
            content,
            RecordingContentType::UnknownValue("VideoOnly".into())
        );
        let channel: RecordingChannelType = serde_json::from_str(r#""unmixed""#).expect("channel");
        assert_eq!(channel, RecordingChannelType::Unmixed);
    }
}
