//! The little XML the Blob and Queue services speak: escaping a message text, and reading the
//! text of simple elements (`<Name>`, `<MessageText>`, `<Code>`) out of list and error bodies.
//! Their documents are flat and namespace-free, so a scanner is enough and no XML crate is needed.

/// Escapes text for an XML element body. `\r` is written as a character reference, which XML
/// parsers would otherwise turn into `\n`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// Undoes XML escaping: the five named entities and numeric references. Anything else is kept.
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let Some(semi) = after.find(';').filter(|&i| i <= 10) else {
            out.push('&');
            rest = &after[1..];
            continue;
        };
        let entity = &after[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(ch) => {
                out.push(ch);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The unescaped text of every `<tag>…</tag>` (and `""` for every `<tag/>`), in order.
pub fn elements(document: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let empty = format!("<{tag}/>");
    let close = format!("</{tag}>");
    let mut found = Vec::new();
    let mut rest = document;
    loop {
        let next_open = rest.find(&open);
        let next_empty = rest.find(&empty);
        match (next_open, next_empty) {
            (Some(o), e) if e.is_none_or(|e| o < e) => {
                let body = &rest[o + open.len()..];
                let Some(end) = body.find(&close) else { break };
                found.push(unescape(&body[..end]));
                rest = &body[end + close.len()..];
            }
            (_, Some(e)) => {
                found.push(String::new());
                rest = &rest[e + empty.len()..];
            }
            _ => break,
        }
    }
    found
}

/// The raw (still escaped) inner XML of every `<tag>…</tag>`, for nested records.
pub fn blocks<'a>(document: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut found = Vec::new();
    let mut rest = document;
    while let Some(o) = rest.find(&open) {
        let body = &rest[o + open.len()..];
        let Some(end) = body.find(&close) else { break };
        found.push(&body[..end]);
        rest = &body[end + close.len()..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_round_trips() {
        let text = "a<b>&c\r\n\"'é";
        assert_eq!(unescape(&escape(text)), text);
        assert_eq!(unescape("&#x41;&#66;&bogus;&"), "AB&bogus;&");
    }

    #[test]
    fn elements_and_blocks() {
        let doc = "<L><QueueMessage><MessageText>a&amp;b</MessageText></QueueMessage><QueueMessage><MessageText/></QueueMessage></L>";
        assert_eq!(elements(doc, "MessageText"), ["a&b", ""]);
        assert_eq!(blocks(doc, "QueueMessage").len(), 2);
        assert!(elements("<x>", "Name").is_empty());
    }
}
