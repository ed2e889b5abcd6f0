//! Case-insensitive comparison, the way Event Grid compares strings.

// compared with a filter value lowercased the same way at parse time (`lowercase`). Plain
// `str::to_lowercase` is not used because its final-sigma rule would differ from the per-char
// mapping.

pub(super) fn lowercase(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

pub(super) fn lowered(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().flat_map(char::to_lowercase)
}

pub(super) fn eq_ignore_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        lowered(a).eq(lowered(b))
    }
}

pub(super) fn eq_lowered(haystack: &str, needle: &str) -> bool {
    if haystack.is_ascii() {
        haystack.eq_ignore_ascii_case(needle)
    } else {
        lowered(haystack).eq(needle.chars())
    }
}

pub(super) fn starts_with_lowered(haystack: &str, needle: &str) -> bool {
    if haystack.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        h.len() >= n.len() && h[..n.len()].eq_ignore_ascii_case(n)
    } else {
        let mut chars = lowered(haystack);
        needle.chars().all(|n| chars.next() == Some(n))
    }
}

pub(super) fn ends_with_lowered(haystack: &str, needle: &str) -> bool {
    if haystack.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        h.len() >= n.len() && h[h.len() - n.len()..].eq_ignore_ascii_case(n)
    } else {
        let mut chars = haystack.chars().rev().flat_map(|c| c.to_lowercase().rev());
        needle.chars().rev().all(|n| chars.next() == Some(n))
    }
}

pub(super) fn contains_lowered(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if haystack.is_ascii() {
        let n = needle.as_bytes();
        haystack
            .as_bytes()
            .windows(n.len())
            .any(|w| w.eq_ignore_ascii_case(n))
    } else {
        haystack
            .char_indices()
            .any(|(i, _)| starts_with_lowered(&haystack[i..], needle))
    }
}
