//! Shared by the data-driven tests: runs every case of every JSON file in a `test_data` folder.

use expr::Value;
use std::path::Path;

/// Runs `check` on each case (the files hold arrays of cases) of `test_data/<folder>/*.json`,
/// then fails listing every mismatch, or when fewer than `at_least` cases were found.
pub fn check_folder(folder: &str, at_least: usize, check: impl Fn(&Value) -> Result<(), String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data").join(folder);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let (mut count, mut failures) = (0, Vec::new());
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let cases: Vec<Value> = expr::json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for case in &cases {
            count += 1;
            if let Err(why) = check(case) {
                let name = file.file_name().unwrap_or_default().to_string_lossy();
                failures.push(format!("{name} / {}: {why}", case["name"]));
            }
        }
    }
    assert!(count >= at_least, "only {count} cases found in {}", dir.display());
    assert!(failures.is_empty(), "{} of {count} cases failed:\n{}", failures.len(), failures.join("\n"));
}
