//! Reading the inputs of `inspect` and `replay`: files, folders (every `*.json` in them, sorted),
//! or `-` for standard input.

use std::io::Read;
use std::path::{Path, PathBuf};

/// One input: where it came from and its bytes (or why they could not be read).
pub struct Input {
    pub source: String,
    pub bytes: Result<Vec<u8>, String>,
}

/// Expands the arguments into inputs, in order; no argument means standard input.
pub fn read_inputs(paths: &[String]) -> Vec<Input> {
    let defaults = ["-".to_owned()];
    let paths = if paths.is_empty() {
        &defaults[..]
    } else {
        paths
    };
    let mut inputs = Vec::new();
    for path in paths {
        if path == "-" {
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
            match json_files(path) {
                Ok(files) => inputs.extend(files.into_iter().map(read_file)),
                Err(e) => inputs.push(Input {
                    source: path.display().to_string(),
                    bytes: Err(format!("cannot list the folder: {e}")),
                }),
            }
        } else {
            inputs.push(read_file(path.to_path_buf()));
        }
    }
    inputs
}

fn json_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        })
        .collect();
    files.sort();
    Ok(files)
}

fn read_file(path: PathBuf) -> Input {
    Input {
        source: path.display().to_string(),
        bytes: std::fs::read(&path).map_err(|e| format!("cannot read the file: {e}")),
    }
}
