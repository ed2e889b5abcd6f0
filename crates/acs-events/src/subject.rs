//! Typed event subjects: the ids ACS writes into an event's `subject`, split out.
//!
//! Some of them are nowhere else in the event: a recording's call correlation id
//! (azure-sdk-for-net#54863), the BSUID of a WhatsApp user who hides their number, the
//! channel registration id of a delivery status. The formats are the ones ACS documents and
//! sends (`acs-events.md` §5); a subject in any other shape is kept as text
//! ([`Subject::Unrecognized`]), never an error, because the service may add shapes.
//!
//! Parts that name a person (phone numbers, identifier raw ids, e-mail addresses, BSUIDs) are
//! [`Sensitive`], so a parsed subject can be logged with `{:?}`.
//!
//! ```
//! use acs_events::Subject;
//!
//! let subject = Subject::parse("/recording/call/c0rr/serverCallId/aHR0cA/recordingId/r1");
//! assert_eq!(
//!     subject,
//!     Subject::Recording { call_id: "c0rr", server_call_id: Some("aHR0cA"), recording_id: "r1" }
//! );
//! match Subject::parse("thread/19:t@thread.v2/sender/8:acs:1/recipient/8:acs:2") {
//!     Subject::ChatThread { thread_id, role, recipient, .. } => {
//!         assert_eq!((thread_id, role), ("19:t@thread.v2", "sender"));
//!         assert_eq!(recipient.map(|r| r.0), Some("8:acs:2"));
//!     }
//!     other => panic!("{other:?}"),
//! }
//! // Anything else stays text.
//! assert_eq!(Subject::parse("something/new"), Subject::Unrecognized("something/new"));
//! ```

use crate::Sensitive;

/// An event subject, split into the parts its format documents. Borrowed from the subject
/// text; see the [module docs](self) for the formats.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Subject<'a> {
    /// `/phonenumber/{number}` (SMS): the ACS-owned number, without `+` in the docs' samples.
    PhoneNumber(Sensitive<&'a str>),
    /// `thread/{threadId}/{role}/{rawId}` with an optional `/recipient/{rawId}` (chat). `role`
    /// is the segment as sent: `sender`, `createdBy`, `editedBy`, `deletedBy`,
    /// `participantAdded` (thread-level events spell it all lowercase), `memberAdded` (2020),
    /// and the typing indicator's `senderCommunicationIdentifierRawId`.
    ChatThread {
        /// The chat thread id (`19:…@thread.v2`).
        thread_id: &'a str,
        /// The segment naming the actor's role, as sent.
        role: &'a str,
        /// The actor's raw id.
        actor: Sensitive<&'a str>,
        /// The user a per-user copy was delivered for (`recipient` or
        /// `recipientCommunicationIdentifierRawId`); `None` for thread-level events.
        recipient: Option<Sensitive<&'a str>>,
    },
    /// `user/{rawId}` (presence: `UserDisconnected`).
    User(Sensitive<&'a str>),
    /// `/caller/{rawId}/recipient/{rawId}` (`IncomingCall`).
    IncomingCall {
        /// The caller's raw id (`4:+1…` for a phone number).
        caller: Sensitive<&'a str>,
        /// The callee's raw id.
        recipient: Sensitive<&'a str>,
    },
    /// `call/{serverCallId}` with an optional `/{role}/{rawId}` (`startedBy`, `participant`).
    Call {
        /// The server call id (base64url).
        server_call_id: &'a str,
        /// The role segment and the raw id after it, when present.
        party: Option<(&'a str, Sensitive<&'a str>)>,
    },
    /// `/recording/call/{callId}/recordingId/{recordingId}` (2021 docs) or
    /// `/recording/call/{callCorrelationId}/serverCallId/{serverCallId}/recordingId/{id}`.
    Recording {
        /// The call (correlation) id: the only place a `RecordingFileStatusUpdated` carries it.
        call_id: &'a str,
        /// The server call id, in the 2022 format.
        server_call_id: Option<&'a str>,
        /// The recording id.
        recording_id: &'a str,
    },
    /// `sender/{senderAddress}/message/{messageId}` (e-mail).
    Email {
        /// The sender address.
        sender: Sensitive<&'a str>,
        /// The message (operation) id.
        message_id: &'a str,
    },
    /// `advancedMessage/sender/{from}/recipient/{channelRegistrationId}` (WhatsApp received and
    /// analysis events; the analysis spec example spells the first segment
    /// `advanceMessageAnalysis`). `from` may be a BSUID instead of a number since 2026-03.
    AdvancedMessage {
        /// The user: a phone number or a BSUID.
        sender: Sensitive<&'a str>,
        /// The channel registration id (our WhatsApp business number's id).
        channel_registration_id: &'a str,
    },
    /// `advancedMessage/{messageId}/status/{status}` (WhatsApp delivery status).
    AdvancedMessageStatus {
        /// The message the status is about.
        message_id: &'a str,
        /// The status as sent (`Sent`, `Delivered`, `Read`, `Failed`, …).
        status: &'a str,
    },
    /// `job/{jobId}/channel/{channelId}` and what follows it (`/queue/{id}`,
    /// `/assignment/{id}`, `/disposition/{code}`, …) (Job Router job events).
    RouterJob {
        /// The job id.
        job_id: &'a str,
        /// The channel id.
        channel_id: &'a str,
        /// The `{name}/{value}` pairs after the channel, in order.
        rest: Vec<(&'a str, &'a str)>,
    },
    /// `worker/{workerId}` with an optional `/job/{jobId}` (Job Router worker events).
    RouterWorker {
        /// The worker id.
        worker_id: &'a str,
        /// The job an offer is about, when present.
        job_id: Option<&'a str>,
    },
    /// A subject in no documented format, as sent (docs' placeholders such as `{thread-id}`
    /// included: they are text like any other).
    Unrecognized(&'a str),
}

impl<'a> Subject<'a> {
    /// Splits `subject` by the documented formats; never fails (see [`Subject::Unrecognized`]).
    /// Segment names are matched case-insensitively: ACS spells some of them in two cases.
    pub fn parse(subject: &'a str) -> Subject<'a> {
        Self::parse_known(subject).unwrap_or(Subject::Unrecognized(subject))
    }

    fn parse_known(subject: &'a str) -> Option<Subject<'a>> {
        let parts: Vec<&'a str> = subject.trim_start_matches('/').split('/').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return None;
        }
        let is = |i: usize, name: &str| parts.get(i).is_some_and(|p| p.eq_ignore_ascii_case(name));
        let sensitive = |i: usize| Sensitive(parts[i]);
        let parsed = match parts.len() {
            2 if is(0, "phonenumber") => Subject::PhoneNumber(sensitive(1)),
            2 if is(0, "user") => Subject::User(sensitive(1)),
            2 if is(0, "call") => Subject::Call {
                server_call_id: parts[1],
                party: None,
            },
            2 if is(0, "worker") => Subject::RouterWorker {
                worker_id: parts[1],
                job_id: None,
            },
            4 if is(0, "worker") && is(2, "job") => Subject::RouterWorker {
                worker_id: parts[1],
                job_id: Some(parts[3]),
            },
            4 if is(0, "thread") => Subject::ChatThread {
                thread_id: parts[1],
                role: parts[2],
                actor: sensitive(3),
                recipient: None,
            },
            6 if is(0, "thread")
                && (is(4, "recipient") || is(4, "recipientCommunicationIdentifierRawId")) =>
            {
                Subject::ChatThread {
                    thread_id: parts[1],
                    role: parts[2],
                    actor: sensitive(3),
                    recipient: Some(sensitive(5)),
                }
            }
            4 if is(0, "caller") && is(2, "recipient") => Subject::IncomingCall {
                caller: sensitive(1),
                recipient: sensitive(3),
            },
            4 if is(0, "call") => Subject::Call {
                server_call_id: parts[1],
                party: Some((parts[2], sensitive(3))),
            },
            5 if is(0, "recording") && is(1, "call") && is(3, "recordingId") => {
                Subject::Recording {
                    call_id: parts[2],
                    server_call_id: None,
                    recording_id: parts[4],
                }
            }
            7 if is(0, "recording")
                && is(1, "call")
                && is(3, "serverCallId")
                && is(5, "recordingId") =>
            {
                Subject::Recording {
                    call_id: parts[2],
                    server_call_id: Some(parts[4]),
                    recording_id: parts[6],
                }
            }
            4 if is(0, "sender") && is(2, "message") => Subject::Email {
                sender: sensitive(1),
                message_id: parts[3],
            },
            5 if (is(0, "advancedMessage") || is(0, "advanceMessageAnalysis"))
                && is(1, "sender")
                && is(3, "recipient") =>
            {
                Subject::AdvancedMessage {
                    sender: sensitive(2),
                    channel_registration_id: parts[4],
                }
            }
            4 if is(0, "advancedMessage") && is(2, "status") => Subject::AdvancedMessageStatus {
                message_id: parts[1],
                status: parts[3],
            },
            n if n >= 4 && n % 2 == 0 && is(0, "job") && is(2, "channel") => Subject::RouterJob {
                job_id: parts[1],
                channel_id: parts[3],
                rest: parts[4..]
                    .chunks(2)
                    .map(|pair| (pair[0], pair[1]))
                    .collect(),
            },
            _ => return None,
        };
        Some(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_format_parses_into_its_parts() {
        let cases: &[(&str, Subject<'_>)] = &[
            ("/phonenumber/15555555555", Subject::PhoneNumber(Sensitive("15555555555"))),
            ("user/8:acs:u1", Subject::User(Sensitive("8:acs:u1"))),
            (
                "thread/19:t@thread.v2/participantadded/8:acs:1",
                Subject::ChatThread {
                    thread_id: "19:t@thread.v2",
                    role: "participantadded",
                    actor: Sensitive("8:acs:1"),
                    recipient: None,
                },
            ),
            (
                "thread/19:t/senderCommunicationIdentifierRawId/8:acs:1/recipientCommunicationIdentifierRawId/8:acs:2",
                Subject::ChatThread {
                    thread_id: "19:t",
                    role: "senderCommunicationIdentifierRawId",
                    actor: Sensitive("8:acs:1"),
                    recipient: Some(Sensitive("8:acs:2")),
                },
            ),
            (
                "/caller/4:+15555555555/recipient/8:acs:2",
                Subject::IncomingCall {
                    caller: Sensitive("4:+15555555555"),
                    recipient: Sensitive("8:acs:2"),
                },
            ),
            (
                "call/aHR0cHM6/startedBy/8:acs:1",
                Subject::Call {
                    server_call_id: "aHR0cHM6",
                    party: Some(("startedBy", Sensitive("8:acs:1"))),
                },
            ),
            (
                "call/aHR0cHM6",
                Subject::Call {
                    server_call_id: "aHR0cHM6",
                    party: None,
                },
            ),
            (
                "/recording/call/c1/recordingId/r1",
                Subject::Recording {
                    call_id: "c1",
                    server_call_id: None,
                    recording_id: "r1",
                },
            ),
            (
                "sender/noreply@contoso.com/message/m-1",
                Subject::Email {
                    sender: Sensitive("noreply@contoso.com"),
                    message_id: "m-1",
                },
            ),
            (
                "advancedMessage/sender/US.13491208655302741918/recipient/ch-1",
                Subject::AdvancedMessage {
                    sender: Sensitive("US.13491208655302741918"),
                    channel_registration_id: "ch-1",
                },
            ),
            (
                "advanceMessageAnalysis/sender/15555555555/recipient/ch-1",
                Subject::AdvancedMessage {
                    sender: Sensitive("15555555555"),
                    channel_registration_id: "ch-1",
                },
            ),
            (
                "advancedMessage/m-1/status/Delivered",
                Subject::AdvancedMessageStatus {
                    message_id: "m-1",
                    status: "Delivered",
                },
            ),
            (
                "job/j1/channel/voice/queue/q1/assignment/a1",
                Subject::RouterJob {
                    job_id: "j1",
                    channel_id: "voice",
                    rest: vec![("queue", "q1"), ("assignment", "a1")],
                },
            ),
            (
                "worker/w1/job/j1",
                Subject::RouterWorker {
                    worker_id: "w1",
                    job_id: Some("j1"),
                },
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(&Subject::parse(text), expected, "{text}");
        }
    }

    #[test]
    fn other_shapes_stay_text() {
        for text in [
            "",
            "/",
            "phonenumber",
            "/phonenumber/",
            "thread/t/sender",
            "job/j1/channel/voice/queue",
            "a/b/c",
        ] {
            assert_eq!(
                Subject::parse(text),
                Subject::Unrecognized(text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn debug_hides_the_people() {
        let parsed = Subject::parse("/caller/4:+15555555555/recipient/8:acs:2");
        let shown = format!("{parsed:?}");
        assert!(
            !shown.contains("5555") && !shown.contains("acs:2"),
            "{shown}"
        );
    }

    /// The family whose format a subject of `event_type` has, as a variant name.
    fn expected_format(event_type: &str) -> &'static str {
        let name = event_type.trim_start_matches("Microsoft.Communication.");
        match name {
            "UserDisconnected" => "User",
            "IncomingCall" => "IncomingCall",
            "RecordingFileStatusUpdated" => "Recording",
            "AdvancedMessageDeliveryStatusUpdated" => "AdvancedMessageStatus",
            _ if name.starts_with("SMS") => "PhoneNumber",
            _ if name.starts_with("Chat") => "ChatThread",
            _ if name.starts_with("Call") => "Call",
            _ if name.starts_with("Email") => "Email",
            _ if name.starts_with("AdvancedMessage") => "AdvancedMessage",
            _ if name.starts_with("RouterJob") => "RouterJob",
            _ if name.starts_with("RouterWorker") => "RouterWorker",
            _ => "Unrecognized",
        }
    }

    /// Every sample's subject, the docs' placeholders (`{thread-id}`) included, parses into its
    /// family's format.
    #[test]
    fn every_sample_subject_parses_into_its_familys_format() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let body = std::fs::read(&path).unwrap();
            for event in crate::parse_delivery(&body).into_iter().flatten().flatten() {
                let Some(subject) = event.envelope.subject.as_deref() else {
                    continue;
                };
                let parsed = format!("{:?}", Subject::parse(subject));
                let format = parsed.split([' ', '(']).next().unwrap_or_default();
                assert_eq!(
                    format,
                    expected_format(&event.envelope.event_type),
                    "{}: {subject}",
                    path.display()
                );
                checked += 1;
            }
        }
        assert!(checked > 80, "{checked} subjects");
    }
}
