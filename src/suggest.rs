//! "Did you mean": the known names closest to a misspelt one, for every place that accepts an
//! ACS event type (`handler sample`, a filter's `includedEventTypes`).

use crate::events::event_types;

/// The prefix every ACS event type shares.
const ACS_PREFIX: &str = "Microsoft.Communication.";

/// The known event types closest to `name` (full or short form, any case), best first: those
/// within a few edits (a typo, a swapped pair of letters), else those that contain `name`.
/// Empty when nothing is close; at most five.
pub fn event_types_like(name: &str) -> Vec<&'static str> {
    let name = name.trim();
    let short = name
        .get(..ACS_PREFIX.len())
        .filter(|p| p.eq_ignore_ascii_case(ACS_PREFIX))
        .map_or(name, |_| &name[ACS_PREFIX.len()..])
        .to_ascii_lowercase();
    if short.is_empty() {
        return Vec::new();
    }
    let suffix = |t: &'static str| t.strip_prefix(ACS_PREFIX).unwrap_or(t).to_ascii_lowercase();
    let threshold = (short.chars().count() / 4).clamp(1, 4);
    let mut close: Vec<(usize, &'static str)> = event_types::ALL
        .iter()
        .map(|t| (strsim::damerau_levenshtein(&short, &suffix(t)), *t))
        .filter(|(d, _)| *d <= threshold)
        .collect();
    close.sort();
    if let Some(&(best, _)) = close.first() {
        return close
            .into_iter()
            .take_while(|(d, _)| *d == best)
            .map(|(_, t)| t)
            .take(5)
            .collect();
    }
    event_types::ALL
        .iter()
        .copied()
        .filter(|t| short.len() >= 3 && suffix(t).contains(&short))
        .take(5)
        .collect()
}

/// `"; did you mean `A` or `B`?"`, or nothing when no type is close.
pub fn did_you_mean(name: &str) -> String {
    let like = event_types_like(name);
    match like.as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean `{one}`?"),
        [first @ .., last] => {
            let first: Vec<String> = first.iter().map(|t| format!("`{t}`")).collect();
            format!("; did you mean {} or `{last}`?", first.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_get_the_closest_type() {
        assert_eq!(
            event_types_like("SMSRecieved"),
            ["Microsoft.Communication.SMSReceived"]
        );
        assert_eq!(
            event_types_like("microsoft.communication.chatmesagereceived"),
            ["Microsoft.Communication.ChatMessageReceived"]
        );
        assert_eq!(
            did_you_mean("CallStartd"),
            "; did you mean `Microsoft.Communication.CallStarted`?"
        );
    }

    #[test]
    fn a_fragment_lists_the_types_that_contain_it_and_nonsense_gets_nothing() {
        let offers = event_types_like("WorkerOffer");
        assert!(
            offers.len() > 1 && offers.iter().all(|t| t.contains("WorkerOffer")),
            "{offers:?}"
        );
        assert!(event_types_like("zzzzzzzzzz").is_empty());
        assert_eq!(did_you_mean(""), "");
    }
}
