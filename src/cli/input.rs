//! Reading the inputs of `inspect`, `replay`, `send` and `filter`: files, folders (every `*.json`,
//! `*.ndjson` and `*.jsonl` in them, sorted; `--recursive` to descend), or `-` for standard
//! input. Within any input: one event, an array of events, or several JSON values one after the
//! other (concatenated or one per line, NDJSON), with or without a UTF-8 byte-order mark.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use serde_json::value::RawValue;

/// One input: where it came from and its bytes (or why they could not be read).
pub struct Input {
    pub source: String,
    pub bytes: Result<Vec<u8>, String>,
}

/// How to expand folders, and whether to say what was skipped.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// Descend into subfolders.
    pub recursive: bool,
    /// No notes about skipped files.
    pub quiet: bool,
}

/// The file extensions a folder is read for.
const EXTENSIONS: [&str; 3] = ["json", "ndjson", "jsonl"];

/// The hint printed before standard input is read from a terminal.
pub const STDIN_HINT: &str = "reading events from standard input: paste or type JSON, then press Ctrl-D (Ctrl-Z and Enter on Windows); or give files or folders as arguments";

/// Expands the arguments into inputs, in order; no argument means standard input. Folders are
/// not descended into and nothing is said about skipped files (see [`read_inputs_with`]).
pub fn read_inputs(paths: &[String]) -> Vec<Input> {
    read_inputs_with(
        paths,
        ReadOptions {
            recursive: false,
            quiet: true,
        },
        &mut std::io::sink(),
    )
}

/// [`read_inputs`], descending into subfolders with `options.recursive`, and writing a `note:`
/// line on `notes` for every folder entry that is skipped (and why), unless `options.quiet`.
pub fn read_inputs_with(
    paths: &[String],
    options: ReadOptions,
    notes: &mut dyn Write,
) -> Vec<Input> {
    let defaults = ["-".to_owned()];
    let paths = if paths.is_empty() {
        &defaults[..]
    } else {
        paths
    };
    let mut inputs = Vec::new();
    for path in paths {
        if path == "-" {
            if std::io::stdin().is_terminal() {
                // Best effort: a closed stderr must not stop the reading.
                let _ = writeln!(notes, "{STDIN_HINT}");
            }
            let mut buffer = Vec::new();
            let bytes = std::io::stdin()
                .read_to_end(&mut buffer)
                .map(|_| buffer)
                .map_err(|e| format!("cannot read standard input: {e}"));
            inputs.push(Input {
                source: "-".to_owned(),
                bytes,
            });
            continue;
        }
        let path = Path::new(path);
        if path.is_dir() {
            read_folder(path, options, notes, &mut inputs);
        } else {
            inputs.push(read_file(path.to_path_buf()));
        }
    }
    inputs
}

fn read_folder(dir: &Path, options: ReadOptions, notes: &mut dyn Write, inputs: &mut Vec<Input>) {
    let mut note = |text: String| {
        if !options.quiet {
            let _ = writeln!(notes, "note: {text}");
        }
    };
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => {
            inputs.push(Input {
                source: dir.display().to_string(),
                bytes: Err(format!("cannot list the folder: {e}")),
            });
            return;
        }
    };
    entries.sort();
    let mut subfolders = Vec::new();
    for entry in entries {
        if entry.is_dir() {
            let hidden = entry
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            if !options.recursive {
                note(format!(
                    "skipped {}: a folder (add --recursive to read it)",
                    entry.display()
                ));
            } else if hidden {
                note(format!("skipped {}: a hidden folder", entry.display()));
            } else {
                subfolders.push(entry);
            }
        } else if !entry.is_file() {
            note(format!("skipped {}: not a regular file", entry.display()));
        } else if entry
            .extension()
            .is_some_and(|e| EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
        {
            inputs.push(read_file(entry));
        } else {
            note(format!(
                "skipped {}: not a .json, .ndjson or .jsonl file",
                entry.display()
            ));
        }
    }
    // Files first, then each subfolder's files: the order `ls -R` shows.
    for sub in subfolders {
        read_folder(&sub, options, &mut *notes, inputs);
    }
}

fn read_file(path: PathBuf) -> Input {
    Input {
        source: path.display().to_string(),
        bytes: std::fs::read(&path).map_err(|e| format!("cannot read the file: {e}")),
    }
}

/// Why an input holds no (more) JSON values. The message starts with what is wrong and says
/// where (serde's "at line L column C" for JSON errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// The file or standard input could not be read.
    #[error("{0}")]
    Read(String),
    #[error("not UTF-8 at line {line} column {column}: JSON text must be UTF-8 (save the file as UTF-8)")]
    NotUtf8 { line: usize, column: usize },
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("holds no JSON value (it is empty)")]
    Empty,
}

/// One JSON value of an input, with where it starts (1-based line and column, in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Document<'a> {
    pub text: &'a str,
    /// 0-based position among the input's values.
    pub index: usize,
    pub line: usize,
    pub column: usize,
}

/// The JSON values of one input, in order, and the error that ended it early, if any (after a
/// syntax error nothing more can be read reliably).
#[derive(Debug, Clone, Default)]
pub struct Documents<'a> {
    pub values: Vec<Document<'a>>,
    pub error: Option<InputError>,
}

impl Documents<'_> {
    /// Whether the input holds more than one value (or one and then an error), so that a
    /// message should say which value it is about.
    pub fn is_stream(&self) -> bool {
        self.values.len() > 1 || (self.error.is_some() && !self.values.is_empty())
    }

    /// `message`, prefixed with where `doc` starts when the input holds several values.
    pub fn locate(&self, doc: &Document<'_>, message: impl std::fmt::Display) -> String {
        if self.is_stream() {
            format!(
                "value #{} (line {}, column {}): {message}",
                doc.index + 1,
                doc.line,
                doc.column
            )
        } else {
            message.to_string()
        }
    }
}

/// Splits an input into its JSON values: a UTF-8 byte-order mark is dropped, then values are
/// read one after the other (whitespace, including newlines, between them is optional).
pub fn documents(input: &Input) -> Documents<'_> {
    match &input.bytes {
        Ok(bytes) => split(bytes),
        Err(e) => Documents {
            values: Vec::new(),
            error: Some(InputError::Read(e.clone())),
        },
    }
}

/// [`documents`] of raw bytes.
pub fn split(bytes: &[u8]) -> Documents<'_> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let (line, column) = position(&String::from_utf8_lossy(valid), valid.len());
            return Documents {
                values: Vec::new(),
                error: Some(InputError::NotUtf8 { line, column }),
            };
        }
    };
    let mut documents = Documents::default();
    let stream = serde_json::Deserializer::from_str(text).into_iter::<&RawValue>();
    for (index, value) in stream.enumerate() {
        match value {
            Ok(raw) => {
                let offset = (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
                let (line, column) = position(text, offset);
                documents.values.push(Document {
                    text: raw.get(),
                    index,
                    line,
                    column,
                });
            }
            Err(e) => {
                documents.error = Some(InputError::Json(
                    trailing_comma(text, &e).unwrap_or_else(|| e.to_string()),
                ));
                break;
            }
        }
    }
    if documents.values.is_empty() && documents.error.is_none() {
        documents.error = Some(InputError::Empty);
    }
    documents
}

/// serde reports a comma before `}` as "key must be a string" and before `]` as "expected
/// value", at the bracket; say what it is, where the comma is (the common slip in hand-edited
/// files, and what the docs' samples had).
fn trailing_comma(text: &str, error: &serde_json::Error) -> Option<String> {
    let line_start = match error.line() {
        0 | 1 => 0,
        n => text.match_indices('\n').nth(n - 2)?.0 + 1,
    };
    let at = line_start + error.column().checked_sub(1)?;
    let bracket = text.get(at..)?.chars().next()?;
    let before = text.get(..at)?.trim_end();
    if !matches!(bracket, '}' | ']') || !before.ends_with(',') {
        return None;
    }
    let (line, column) = position(text, before.len() - 1);
    Some(format!(
        "trailing comma at line {line} column {column} (JSON allows no comma before `{bracket}`)"
    ))
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(bytes: &[u8]) -> (Vec<&str>, Option<InputError>) {
        let docs = split(bytes);
        (docs.values.iter().map(|d| d.text).collect(), docs.error)
    }

    #[test]
    fn one_value_an_array_concatenated_values_and_ndjson() {
        assert_eq!(texts(b" {\"a\":1} "), (vec!["{\"a\":1}"], None));
        assert_eq!(texts(b"[{}, {}]"), (vec!["[{}, {}]"], None));
        assert_eq!(texts(b"[{}]\n[{}]"), (vec!["[{}]", "[{}]"], None));
        assert_eq!(texts(b"{}{}"), (vec!["{}", "{}"], None));
        assert_eq!(
            texts(b"{\"id\":1}\n{\"id\":2}\n"),
            (vec!["{\"id\":1}", "{\"id\":2}"], None)
        );
    }

    #[test]
    fn a_byte_order_mark_is_dropped() {
        assert_eq!(texts(b"\xEF\xBB\xBF[{}]"), (vec!["[{}]"], None));
    }

    #[test]
    fn errors_say_where() {
        let docs = split(b"{}\n{\"a\":1,}");
        assert_eq!(docs.values.len(), 1);
        let error = docs.error.clone().unwrap().to_string();
        assert!(
            error.starts_with("not valid JSON") && error.contains("line 2"),
            "{error}"
        );
        assert!(docs.is_stream());
        assert_eq!(
            docs.error,
            Some(InputError::Json(
                "trailing comma at line 2 column 7 (JSON allows no comma before `}`)".to_owned()
            ))
        );
        assert_eq!(
            split(b"[1,\n ]").error,
            Some(InputError::Json(
                "trailing comma at line 1 column 3 (JSON allows no comma before `]`)".to_owned()
            ))
        );
        assert!(
            matches!(split(b"{\"a\" 1}").error, Some(InputError::Json(m)) if m.starts_with("expected `:`"))
        );
        let second = split(b"{}\n  {}");
        assert_eq!((second.values[1].line, second.values[1].column), (2, 3));
        assert_eq!(
            second.locate(&second.values[1], "bad"),
            "value #2 (line 2, column 3): bad"
        );
        let one = split(b"{}");
        assert_eq!(one.locate(&one.values[0], "bad"), "bad");
        assert_eq!(split(b"  \n").error, Some(InputError::Empty));
        assert_eq!(
            split(b"{\"a\":\n\"\xFF\"}").error,
            Some(InputError::NotUtf8 { line: 2, column: 2 })
        );
    }
}
