//! Which data set a results folder belongs to: `DATASET.json`, written by
//! `dlr repro` before its first training, holds the data's identity (image
//! counts and sizes, classes, CRC-32 of the images and of the labels, as
//! decoded, so a set plain or gzipped is the same set). A later `dlr repro`
//! into the folder with other data is refused before anything trains.

use std::path::Path;

use dlr::crc32::crc32;
use dlr::dataset::Dataset;
use serde_json::{json, Value};

use crate::sweep::SweepError;

/// The file in a results folder that names its data set.
pub const IDENTITY_FILE: &str = "DATASET.json";

/// The identity of a training and a test set, with the name the results
/// are filed under (not part of the comparison).
pub fn identity(name: &str, train: &Dataset, test: &Dataset) -> Value {
    let part = |set: &Dataset| {
        json!({
            "images": set.len(),
            "rows": set.shape().0,
            "cols": set.shape().1,
            "classes": set.classes(),
            "images_crc32": format!("{:08x}", crc32(set.images())),
            "labels_crc32": format!("{:08x}", crc32(set.labels())),
        })
    };
    json!({"name": name, "train": part(train), "test": part(test)})
}

/// Checks that the folder `out` holds no results of another data set than
/// `id`'s: its `DATASET.json`, when there is one, must name the same data
/// (the name aside). A folder without one but with result files (`*.jsonl`)
/// is accepted only when `adopt_unnamed` (results written before the file
/// existed, by the paper's protocol on MNIST). Reads only.
pub fn check_identity(out: &Path, id: &Value, adopt_unnamed: bool) -> Result<(), SweepError> {
    let path = out.join(IDENTITY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let theirs: Value = serde_json::from_str(&text).map_err(|e| {
                SweepError(format!("{}: not a data set record: {e}", path.display()))
            })?;
            let same = ["train", "test"]
                .iter()
                .all(|k| theirs.get(k).is_some() && theirs.get(k) == id.get(k));
            if !same {
                let name = theirs.get("name").and_then(Value::as_str).unwrap_or("?");
                return Err(SweepError(format!(
                    "{}: the results there are of another data set ('{name}', {}); choose another --out or --name",
                    out.display(),
                    IDENTITY_FILE
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if adopt_unnamed || !has_results(out) {
                Ok(())
            } else {
                Err(SweepError(format!(
                    "{}: holds results (*.jsonl) but no {IDENTITY_FILE} saying of which data set; choose another --out or --name",
                    out.display()
                )))
            }
        }
        Err(e) => Err(SweepError(format!("{}: {e}", path.display()))),
    }
}

/// Whether `dir` holds a `*.jsonl` file.
fn has_results(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
    })
}

/// Writes `id` into `out/DATASET.json`.
pub fn write_identity(out: &Path, id: &Value) -> Result<(), SweepError> {
    let path = out.join(IDENTITY_FILE);
    let text = serde_json::to_string_pretty(id).unwrap_or_default() + "\n";
    std::fs::write(&path, text).map_err(|e| SweepError(format!("{}: {e}", path.display())))
}
