//! Shared by the benches: the sample files grouped by family (from their file name prefix).

use std::path::Path;

/// `(family, [file contents])`, families in file-name order: `docs-sms__…` → `sms`,
/// `docs2020__…` → `2020`, `spec-ce__…` → `cloudevents`, `generated__…` → `generated`.
pub fn family_samples() -> Vec<(String, Vec<Vec<u8>>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("samples/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut families: Vec<(String, Vec<Vec<u8>>)> = Vec::new();
    for file in files {
        let name = file
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let family = match name.split("__").next().unwrap_or_default() {
            "docs2020" => "2020".to_owned(),
            "spec-ce" => "cloudevents".to_owned(),
            other => other.trim_start_matches("docs-").to_owned(),
        };
        let bytes = std::fs::read(&file).expect("sample");
        match families.iter_mut().find(|(f, _)| *f == family) {
            Some((_, list)) => list.push(bytes),
            None => families.push((family, vec![bytes])),
        }
    }
    families
}
