//! The warnings: clauses that can never match what ACS sends, above all subject prefixes no
//! ACS subject of the named types can have.

use super::casefold::lowercase;
use super::*;
use crate::canonical_event_type;

/// A clause of a [`Filter`] that can never match what ACS sends, or that does not do what it seems
/// to (from [`Filter::warnings`]). Its text is its `Display`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterWarning {
    message: String,
    misspelt_event_type: Option<String>,
}

impl FilterWarning {
    fn text(message: String) -> FilterWarning {
        FilterWarning {
            message,
            misspelt_event_type: None,
        }
    }

    /// The warning's text (the same as its `Display`).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// For a warning about a `Microsoft.Communication.*` type in `includedEventTypes` that is no
    /// known ACS type (misspelt?): that type as written. This crate suggests no spelling; a caller
    /// with a "did you mean" of its own appends it to the text.
    pub fn misspelt_event_type(&self) -> Option<&str> {
        self.misspelt_event_type.as_deref()
    }
}

impl std::fmt::Display for FilterWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Envelope field names an advanced filter key may address without `data.`: the Event Grid
/// schema's, CloudEvents 1.0 attributes, and the legacy CloudEvents names of the 2023 docs.
const ENVELOPE_KEYS: [&str; 15] = [
    "id",
    "topic",
    "subject",
    "eventtype",
    "eventtime",
    "dataversion",
    "metadataversion",
    "source",
    "type",
    "specversion",
    "time",
    "datacontenttype",
    "dataschema",
    "eventid",
    "eventtypeversion",
];

impl Filter {
    /// Clauses that can never match what ACS sends: subject prefixes no ACS subject of the named
    /// types can have (above all `phonenumber/…` without the leading slash),
    /// types ACS does not send, empty ranges, keys that address nothing. Empty when the filter is
    /// fine.
    ///
    /// A misspelt `Microsoft.Communication.*` type is flagged with
    /// [`FilterWarning::misspelt_event_type`], for a caller to add its own "did you mean".
    pub fn warnings(&self) -> Vec<FilterWarning> {
        let mut warnings = Vec::new();
        if self.empty_type_list {
            warnings.push(FilterWarning::text(
                "includedEventTypes is an empty list; it is read as every event type (leave it out to say so)"
                    .to_owned(),
            ));
        }
        let mut named: Vec<&'static str> = Vec::new();
        let mut names_unknown_type = false;
        for t in self.included_event_types.iter().flatten() {
            match canonical_event_type(t) {
                Some(canonical) => {
                    if !named.contains(&canonical) {
                        named.push(canonical);
                    }
                }
                None => {
                    names_unknown_type = true;
                    let acs = t
                        .get(..ACS_TYPE_PREFIX.len())
                        .is_some_and(|p| p.eq_ignore_ascii_case(ACS_TYPE_PREFIX));
                    warnings.push(if acs {
                        FilterWarning {
                            message: format!("includedEventTypes: `{t}` is not an ACS event type (misspelt?); no event has it"),
                            misspelt_event_type: Some(t.clone()),
                        }
                    } else {
                        FilterWarning::text(format!("includedEventTypes: `{t}` is not an ACS event type; an ACS system topic never sends it"))
                    });
                }
            }
        }
        if let Some(filter) = &self.subject_begins_with {
            let patterns = [filter.text.as_str()];
            Filter::prefix_warnings(
                &mut warnings,
                &format!("subjectBeginsWith `{}`", filter.text),
                &patterns,
                self.subject_case_sensitive,
                &named,
                names_unknown_type,
            );
        }
        for (index, filter) in self.advanced.iter().enumerate() {
            let path = format!("advancedFilters[{index}]");
            if let (
                OperatorType::StringBeginsWith,
                KeyTarget::Envelope(name),
                Test::BeginsWith(values),
            ) = (filter.operator, &filter.key.target, &filter.test)
            {
                if name == "subject" {
                    let patterns: Vec<&str> = values.iter().map(String::as_str).collect();
                    let clause = format!(
                        "{path} (StringBeginsWith {} on `{}`)",
                        filter.operand, filter.key.text
                    );
                    Filter::prefix_warnings(
                        &mut warnings,
                        &clause,
                        &patterns,
                        false,
                        &named,
                        names_unknown_type,
                    );
                }
            }
            if let Test::InRange(ranges) = &filter.test {
                for (low, high) in ranges.iter().filter(|(low, high)| low > high) {
                    let effect = if filter.operator == OperatorType::NumberInRange {
                        "it never matches"
                    } else {
                        "it excludes nothing"
                    };
                    warnings.push(FilterWarning::text(format!(
                        "{path}: the range [{low}, {high}] is empty (low > high), so {effect}"
                    )));
                }
            }
            if let KeyTarget::Envelope(name) = &filter.key.target {
                if !ENVELOPE_KEYS.contains(&name.as_str()) {
                    warnings.push(FilterWarning::text(format!(
                        "{path}: key `{}` is no envelope field (data fields need the `data.` prefix: `data.{}`?); it can only address a CloudEvents extension attribute, and ACS sends none",
                        filter.key.text, filter.key.text
                    )));
                }
            }
        }
        warnings
    }

    /// Warns when no prefix of `patterns` (ORed) is compatible with the subjects of a family of
    /// the named types (of every ACS family, when no type is named).
    fn prefix_warnings(
        warnings: &mut Vec<FilterWarning>,
        clause: &str,
        patterns: &[&str],
        case_sensitive: bool,
        named: &[&'static str],
        names_unknown_type: bool,
    ) {
        let fits = |format: &SubjectFormat, sensitive: bool| {
            patterns.iter().any(|p| {
                format
                    .prefixes
                    .iter()
                    .any(|prefix| prefix_compatible(p, prefix, sensitive))
            })
        };
        let suggestion = |format: &SubjectFormat| -> String {
            let fixed = patterns.iter().find_map(|p| {
                let candidate = match p.strip_prefix('/') {
                    Some(rest) => rest.to_owned(),
                    None => format!("/{p}"),
                };
                let ok = format
                    .prefixes
                    .iter()
                    .any(|prefix| prefix_compatible(&candidate, prefix, case_sensitive));
                ok.then_some(candidate)
            });
            match fixed {
                Some(fixed) => format!("; did you mean `{fixed}`?"),
                None if case_sensitive && fits(format, false) => {
                    "; the case differs and isSubjectCaseSensitive is true".to_owned()
                }
                None => String::new(),
            }
        };
        let slash = |format: &SubjectFormat| {
            if format.example.starts_with('/') {
                "with a leading slash"
            } else {
                "no leading slash"
            }
        };
        if named.is_empty() {
            if names_unknown_type || FORMATS.iter().any(|f| fits(f, case_sensitive)) {
                return;
            }
            let suggestion = FORMATS
                .iter()
                .map(|f| suggestion(f))
                .find(|s| s.starts_with("; did"))
                .unwrap_or_default();
            warnings.push(FilterWarning::text(format!(
                "{clause} matches no ACS subject format ({}), so no ACS event is delivered{suggestion}",
                FORMATS.iter().map(|f| format!("`{}`", f.example)).collect::<Vec<_>>().join(", ")
            )));
            return;
        }
        let mut families: Vec<(&SubjectFormat, Vec<&str>)> = Vec::new();
        for t in named {
            let Some(format) = subject_format(t) else {
                continue;
            };
            match families.iter_mut().find(|(f, _)| std::ptr::eq(*f, format)) {
                Some((_, types)) => types.push(t),
                None => families.push((format, vec![t])),
            }
        }
        let mut blocked = 0;
        for (format, types) in &families {
            if fits(format, case_sensitive) {
                continue;
            }
            blocked += 1;
            warnings.push(FilterWarning::text(format!(
                "{clause} can never match {}: their subjects look like `{}` ({}){}",
                types.join(", "),
                format.example,
                slash(format),
                suggestion(format)
            )));
        }
        if blocked > 0 && blocked == families.len() && !names_unknown_type {
            warnings.push(FilterWarning::text(format!(
                "{clause} excludes every event type the filter names: the subscription would receive no event at all"
            )));
        }
    }
}

const ACS_TYPE_PREFIX: &str = "Microsoft.Communication.";

/// How the subjects of one ACS family begin.
#[derive(Debug)]
struct SubjectFormat {
    prefixes: &'static [&'static str],
    example: &'static str,
}

static SMS: SubjectFormat = SubjectFormat {
    prefixes: &["/phonenumber/"],
    example: "/phonenumber/{number}",
};
static CHAT: SubjectFormat = SubjectFormat {
    prefixes: &["thread/"],
    example: "thread/{threadId}/…",
};
static USER: SubjectFormat = SubjectFormat {
    prefixes: &["user/"],
    example: "user/{rawId}",
};
static INCOMING_CALL: SubjectFormat = SubjectFormat {
    prefixes: &["/caller/"],
    example: "/caller/{rawId}/recipient/{rawId}",
};
static CALL: SubjectFormat = SubjectFormat {
    prefixes: &["call/"],
    example: "call/{serverCallId}/…",
};
static RECORDING: SubjectFormat = SubjectFormat {
    prefixes: &["/recording/call/"],
    example: "/recording/call/{callId}/…",
};
static EMAIL: SubjectFormat = SubjectFormat {
    prefixes: &["sender/"],
    example: "sender/{senderAddress}/message/{messageId}",
};
static ADVANCED_MESSAGE: SubjectFormat = SubjectFormat {
    prefixes: &["advancedMessage/"],
    example: "advancedMessage/…",
};
/// The REST spec example writes `advanceMessageAnalysis/`, the docs `advancedMessage/`.
static MESSAGE_ANALYSIS: SubjectFormat = SubjectFormat {
    prefixes: &["advancedMessage/", "advanceMessageAnalysis/"],
    example: "advancedMessage/sender/…",
};
static JOB: SubjectFormat = SubjectFormat {
    prefixes: &["job/"],
    example: "job/{jobId}/channel/{channelId}/…",
};
static WORKER: SubjectFormat = SubjectFormat {
    prefixes: &["worker/"],
    example: "worker/{workerId}/…",
};
static FORMATS: [&SubjectFormat; 11] = [
    &SMS,
    &CHAT,
    &USER,
    &INCOMING_CALL,
    &CALL,
    &RECORDING,
    &EMAIL,
    &MESSAGE_ANALYSIS,
    &JOB,
    &WORKER,
    &ADVANCED_MESSAGE,
];

/// The subject format of a canonical ACS event type.
fn subject_format(event_type: &str) -> Option<&'static SubjectFormat> {
    let name = event_type.strip_prefix(ACS_TYPE_PREFIX)?;
    Some(match name {
        "SMSReceived" | "SMSDeliveryReportReceived" => &SMS,
        "UserDisconnected" => &USER,
        "IncomingCall" => &INCOMING_CALL,
        "CallStarted" | "CallEnded" | "CallParticipantAdded" | "CallParticipantRemoved" => &CALL,
        "RecordingFileStatusUpdated" => &RECORDING,
        "AdvancedMessageAnalysisCompleted" => &MESSAGE_ANALYSIS,
        n if n.starts_with("Chat") => &CHAT,
        n if n.starts_with("Email") => &EMAIL,
        n if n.starts_with("AdvancedMessage") => &ADVANCED_MESSAGE,
        n if n.starts_with("RouterJob") => &JOB,
        n if n.starts_with("RouterWorker") => &WORKER,
        _ => return None,
    })
}

/// Whether a subject starting with `prefix` (and going on with anything) can begin with
/// `pattern`: one of the two must begin with the other.
fn prefix_compatible(pattern: &str, prefix: &str, case_sensitive: bool) -> bool {
    if case_sensitive {
        pattern.starts_with(prefix) || prefix.starts_with(pattern)
    } else {
        let (pattern, prefix) = (lowercase(pattern), lowercase(prefix));
        pattern.starts_with(&prefix) || prefix.starts_with(&pattern)
    }
}
