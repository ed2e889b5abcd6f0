//! SMS keywords: the texts that opt a person out, back in, or ask for help.
//!
//! A text is a keyword when it *is* one, not when it contains one: "stop by tomorrow" is not an
//! opt-out, while ` Stop! `, `"STOP."`, `opt-out` and `Stop all` are. Carriers and the platforms
//! that run SMS compliance for a living match the same way, and a false opt-out silences a
//! customer who did not ask for it. The built-in lists, with their sources, are in
//! `docs/sms-compliance.md`; app settings can add words to a family but never remove one.

use std::collections::BTreeMap;

use crate::settings::{names, Settings, SettingsError};

/// Opt-out words: the carriers' list (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT; Twilio,
/// Telnyx, Braze), the FCC's per-se revocations (REVOKE, OPT OUT; FCC 24-24, also ACS's US short
/// code list) with Twilio's OPTOUT, AWS End User Messaging's additions for the US and Canada
/// (ARRET, OPT-OUT, REMOVE, TD), the other French spellings Twilio drops (ARRETE) and Telnyx's
/// `STOP ALL`. Accented spellings are listed as well: matching compares letters, not accents.
pub const OPT_OUT_WORDS: &[&str] = &[
    "STOP",
    "STOPALL",
    "STOP ALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "OPTOUT",
    "OPT OUT",
    "REVOKE",
    "REMOVE",
    "ARRET",
    "ARRÊT",
    "ARRETE",
    "ARRÊTE",
    "TD",
];
/// Opt-in words: START and UNSTOP (carriers, ACS, Telnyx), YES (Twilio, Braze).
pub const OPT_IN_WORDS: &[&str] = &["START", "UNSTOP", "YES"];
/// Help words: HELP and INFO (CTIA, ACS, Twilio, Braze).
pub const HELP_WORDS: &[&str] = &["HELP", "INFO"];

/// What a keyword asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeywordFamily {
    OptOut,
    OptIn,
    Help,
}

impl KeywordFamily {
    /// The opt-out state the keyword sets; `None` for help, which changes nothing.
    pub fn opted_out(self) -> Option<bool> {
        match self {
            KeywordFamily::OptOut => Some(true),
            KeywordFamily::OptIn => Some(false),
            KeywordFamily::Help => None,
        }
    }
}

/// A text that is exactly one keyword: its family and the canonical word (upper case, words
/// separated by one space, e.g. `OPT OUT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyword {
    pub family: KeywordFamily,
    pub word: String,
}

/// The keyword lists in force: the built-in words plus those added by app settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keywords {
    /// Canonical word → family.
    words: BTreeMap<String, KeywordFamily>,
}

impl Default for Keywords {
    fn default() -> Self {
        let mut words = BTreeMap::new();
        for (family, list) in builtin() {
            for word in list {
                words.insert(canonical(word), family);
            }
        }
        Keywords { words }
    }
}

fn builtin() -> [(KeywordFamily, &'static [&'static str]); 3] {
    [
        (KeywordFamily::OptOut, OPT_OUT_WORDS),
        (KeywordFamily::OptIn, OPT_IN_WORDS),
        (KeywordFamily::Help, HELP_WORDS),
    ]
}

/// A text in keyword form: its letters and digits, upper-cased, with every run of anything
/// else (spaces, punctuation, hyphens, quotes) turned into one space and none at the ends.
fn canonical(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_uppercase));
    }
    out
}

/// Longest keyword we look up, in characters: a longer text is never a keyword, and a 60 KB
/// text is not upper-cased just to find that out.
const MAX_KEYWORD_CHARS: usize = 64;

impl Keywords {
    /// The built-in lists plus the words of the `SMS_*_KEYWORDS` settings. A word that would
    /// belong to two families is a configuration error: which reply should it get?
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        Self::from_channel_settings(settings, &SMS_SETTINGS)
    }

    /// The built-in lists plus the words of one channel's keyword settings.
    pub fn from_channel_settings(
        settings: &Settings,
        names: &ChannelSettings,
    ) -> Result<Self, SettingsError> {
        let mut keywords = Keywords::default();
        for (name, family) in [
            (names.opt_out_words, KeywordFamily::OptOut),
            (names.opt_in_words, KeywordFamily::OptIn),
            (names.help_words, KeywordFamily::Help),
        ] {
            let Some(list) = settings.get(name) else {
                continue;
            };
            for word in list.split(',').map(canonical).filter(|w| !w.is_empty()) {
                if word.chars().count() > MAX_KEYWORD_CHARS {
                    return Err(SettingsError {
                        name,
                        problem: format!(
                            "a keyword may have at most {MAX_KEYWORD_CHARS} characters"
                        ),
                    });
                }
                match keywords.words.get(&word) {
                    Some(existing) if *existing != family => {
                        return Err(SettingsError {
                            name,
                            problem: format!("{word:?} is already a {existing:?} keyword"),
                        })
                    }
                    _ => {
                        keywords.words.insert(word, family);
                    }
                }
            }
        }
        Ok(keywords)
    }

    /// Reads a text as a keyword (see the module docs).
    pub fn match_text(&self, text: &str) -> Option<Keyword> {
        if text.chars().nth(MAX_KEYWORD_CHARS * 4).is_some() {
            return None;
        }
        let word = canonical(text);
        self.words.get(&word).map(|family| Keyword {
            family: *family,
            word,
        })
    }

    /// The words of one family, canonical and sorted.
    pub fn words(&self, family: KeywordFamily) -> impl Iterator<Item = &str> {
        self.words
            .iter()
            .filter(move |(_, f)| **f == family)
            .map(|(w, _)| w.as_str())
    }
}

/// The app setting names and defaults of one channel's keyword handling. Every channel has the
/// same settings under its own prefix (`SMS_…`, `WHATSAPP_…`), so switching keywords off or
/// changing a reply on one channel never changes the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelSettings {
    /// `false` turns keyword handling off (every message then goes to the channel's inbox).
    pub enabled: &'static str,
    pub opt_out_words: &'static str,
    pub opt_in_words: &'static str,
    pub help_words: &'static str,
    pub reply_opt_out: &'static str,
    pub reply_opt_in: &'static str,
    pub reply_help: &'static str,
    pub default_replies: [&'static str; 3],
    /// Longest text the channel's send API accepts.
    pub max_reply_chars: usize,
}

/// The SMS channel's settings (the names `SmsModule` has always read).
pub const SMS_SETTINGS: ChannelSettings = ChannelSettings {
    enabled: names::SMS_KEYWORDS_ENABLED,
    opt_out_words: names::SMS_OPT_OUT_KEYWORDS,
    opt_in_words: names::SMS_OPT_IN_KEYWORDS,
    help_words: names::SMS_HELP_KEYWORDS,
    reply_opt_out: names::SMS_REPLY_OPT_OUT,
    reply_opt_in: names::SMS_REPLY_OPT_IN,
    reply_help: names::SMS_REPLY_HELP,
    default_replies: [
        "You are unsubscribed. Reply START to resubscribe.",
        "You are subscribed again. Reply STOP to unsubscribe, HELP for help.",
        "Reply STOP to unsubscribe, START to resubscribe. Msg&data rates may apply.",
    ],
    max_reply_chars: 2048,
};

/// The WhatsApp channel's settings. The default help text has no "Msg&data rates": WhatsApp
/// messages are not billed to the user per message.
pub const WHATSAPP_SETTINGS: ChannelSettings = ChannelSettings {
    enabled: names::WHATSAPP_KEYWORDS_ENABLED,
    opt_out_words: names::WHATSAPP_OPT_OUT_KEYWORDS,
    opt_in_words: names::WHATSAPP_OPT_IN_KEYWORDS,
    help_words: names::WHATSAPP_HELP_KEYWORDS,
    reply_opt_out: names::WHATSAPP_REPLY_OPT_OUT,
    reply_opt_in: names::WHATSAPP_REPLY_OPT_IN,
    reply_help: names::WHATSAPP_REPLY_HELP,
    default_replies: [
        "You are unsubscribed. Reply START to resubscribe.",
        "You are subscribed again. Reply STOP to unsubscribe, HELP for help.",
        "Reply STOP to unsubscribe, START to resubscribe.",
    ],
    // ACS Advanced Messaging: a text message's content is at most 4096 characters
    // (WhatsApp Cloud API limit for a text body; inferred from the channel's documentation).
    max_reply_chars: 4096,
};

/// Reply texts, one per keyword family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replies {
    pub opt_out: String,
    pub opt_in: String,
    pub help: String,
}

/// How one channel handles keywords: whether at all, the lists, and the replies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeywordHandling {
    pub enabled: bool,
    pub keywords: Keywords,
    pub replies: Replies,
}

impl KeywordHandling {
    /// The defaults of a channel: keywords on, built-in lists, default replies.
    pub fn defaults(names: &ChannelSettings) -> Self {
        let [opt_out, opt_in, help] = names.default_replies.map(str::to_owned);
        KeywordHandling {
            enabled: true,
            keywords: Keywords::default(),
            replies: Replies {
                opt_out,
                opt_in,
                help,
            },
        }
    }

    /// Reads a channel's settings: a malformed flag, keyword list or a reply the channel could
    /// not send is an error at start-up, not at the first STOP.
    pub fn from_settings(
        settings: &Settings,
        names: &ChannelSettings,
    ) -> Result<Self, SettingsError> {
        let reply = |name: &'static str, default: &str| -> Result<String, SettingsError> {
            let Some(text) = settings.get(name) else {
                return Ok(default.to_owned());
            };
            let text = text.trim();
            let chars = text.chars().count();
            let max = names.max_reply_chars;
            if chars > max {
                return Err(SettingsError {
                    name,
                    problem: format!("the reply is {chars} characters; ACS sends at most {max}"),
                });
            }
            Ok(text.to_owned())
        };
        let [opt_out, opt_in, help] = names.default_replies;
        Ok(KeywordHandling {
            enabled: settings.flag(names.enabled, true)?,
            keywords: Keywords::from_channel_settings(settings, names)?,
            replies: Replies {
                opt_out: reply(names.reply_opt_out, opt_out)?,
                opt_in: reply(names.reply_opt_in, opt_in)?,
                help: reply(names.reply_help, help)?,
            },
        })
    }

    /// The keyword a message is, when keywords are handled.
    pub fn match_text(&self, text: &str) -> Option<Keyword> {
        if self.enabled {
            self.keywords.match_text(text)
        } else {
            None
        }
    }

    /// The reply to a keyword of `family`.
    pub fn reply(&self, family: KeywordFamily) -> &str {
        match family {
            KeywordFamily::OptOut => &self.replies.opt_out,
            KeywordFamily::OptIn => &self.replies.opt_in,
            KeywordFamily::Help => &self.replies.help,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::names::{SMS_HELP_KEYWORDS, SMS_OPT_IN_KEYWORDS, SMS_OPT_OUT_KEYWORDS};

    #[test]
    fn channels_read_their_own_settings() {
        let settings = Settings::from_pairs([
            ("WHATSAPP_KEYWORDS_ENABLED", "false"),
            ("WHATSAPP_OPT_OUT_KEYWORDS", "baja"),
            ("SMS_REPLY_HELP", "sms help"),
        ]);
        let wa = KeywordHandling::from_settings(&settings, &WHATSAPP_SETTINGS).unwrap();
        assert!(!wa.enabled);
        assert_eq!(wa.match_text("stop"), None);
        assert_eq!(
            wa.keywords.match_text("BAJA").unwrap().family,
            KeywordFamily::OptOut
        );
        assert_eq!(wa.replies.help, WHATSAPP_SETTINGS.default_replies[2]);
        let sms = KeywordHandling::from_settings(&settings, &SMS_SETTINGS).unwrap();
        assert!(sms.enabled);
        assert_eq!(sms.keywords.match_text("baja"), None);
        assert_eq!(sms.reply(KeywordFamily::Help), "sms help");
        let long = "x".repeat(4097);
        let err = KeywordHandling::from_settings(
            &Settings::from_pairs([("WHATSAPP_REPLY_OPT_IN", long.as_str())]),
            &WHATSAPP_SETTINGS,
        )
        .unwrap_err();
        assert_eq!(err.name, "WHATSAPP_REPLY_OPT_IN");
    }

    #[test]
    fn keyword_families_and_spellings() {
        let keywords = Keywords::default();
        for (text, family, word) in [
            ("stop", KeywordFamily::OptOut, "STOP"),
            (" Stop! ", KeywordFamily::OptOut, "STOP"),
            ("\"STOP.\"", KeywordFamily::OptOut, "STOP"),
            ("StopAll", KeywordFamily::OptOut, "STOPALL"),
            ("Stop all", KeywordFamily::OptOut, "STOP ALL"),
            ("STOP-ALL", KeywordFamily::OptOut, "STOP ALL"),
            ("unsubscribe", KeywordFamily::OptOut, "UNSUBSCRIBE"),
            ("Cancel.", KeywordFamily::OptOut, "CANCEL"),
            ("end", KeywordFamily::OptOut, "END"),
            ("QUIT!!", KeywordFamily::OptOut, "QUIT"),
            ("optout", KeywordFamily::OptOut, "OPTOUT"),
            ("opt-out", KeywordFamily::OptOut, "OPT OUT"),
            ("Opt out", KeywordFamily::OptOut, "OPT OUT"),
            ("revoke\n", KeywordFamily::OptOut, "REVOKE"),
            ("remove", KeywordFamily::OptOut, "REMOVE"),
            ("Arret", KeywordFamily::OptOut, "ARRET"),
            ("arrêt", KeywordFamily::OptOut, "ARRÊT"),
            ("Arrête!", KeywordFamily::OptOut, "ARRÊTE"),
            ("TD", KeywordFamily::OptOut, "TD"),
            ("start", KeywordFamily::OptIn, "START"),
            ("¡Unstop!", KeywordFamily::OptIn, "UNSTOP"),
            ("Yes", KeywordFamily::OptIn, "YES"),
            ("help?", KeywordFamily::Help, "HELP"),
            ("«info»", KeywordFamily::Help, "INFO"),
        ] {
            assert_eq!(
                keywords.match_text(text),
                Some(Keyword {
                    family,
                    word: word.to_owned()
                }),
                "{text:?}"
            );
        }
        for text in [
            "stop by tomorrow",
            "please stop",
            "STOP STOP",
            "s t o p",
            "stopp",
            "",
            "!!!",
            "yes please",
            "all stop",
        ] {
            assert_eq!(keywords.match_text(text), None, "{text:?}");
        }
        assert_eq!(keywords.match_text(&"STOP ".repeat(20_000)), None);
    }

    #[test]
    fn settings_add_words_but_never_move_one() {
        let settings = Settings::from_pairs([
            (SMS_OPT_OUT_KEYWORDS, "Désabonner, BAJA ,"),
            (SMS_HELP_KEYWORDS, "ayuda"),
        ]);
        let keywords = Keywords::from_settings(&settings).unwrap();
        assert_eq!(
            keywords.match_text("baja").unwrap().family,
            KeywordFamily::OptOut
        );
        assert_eq!(
            keywords.match_text("désabonner!").unwrap().family,
            KeywordFamily::OptOut
        );
        assert_eq!(
            keywords.match_text("AYUDA").unwrap().family,
            KeywordFamily::Help
        );
        assert_eq!(
            keywords.match_text("stop").unwrap().family,
            KeywordFamily::OptOut
        );
        let moved = Settings::from_pairs([(SMS_OPT_IN_KEYWORDS, "stop")]);
        let err = Keywords::from_settings(&moved).unwrap_err();
        assert_eq!(err.name, SMS_OPT_IN_KEYWORDS);
        assert!(err.problem.contains("STOP"), "{err}");
    }
}
