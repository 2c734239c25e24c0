//! The results file: its lines read and checked, a last line cut short
//! repaired, and the lock that makes one process its only writer.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use dlr::train::{RunSpec, TrainReport};

use super::{err, RunRecord, SweepError};
use crate::record::result_json;
use crate::{ends_with_separator, one_line, parent_dir};

/// The result line of one finished run: the configuration, the `dlr train
/// --json` result keys, and `sweep`, `key`.
pub fn result_line(sweep: &str, run: &RunSpec, layers: &[usize], report: &TrainReport) -> String {
    let mut m = result_json(run, layers, report);
    m.insert("sweep".into(), json!(sweep));
    m.insert("key".into(), json!(run.key()));
    let mut line = Value::Object(m).to_string();
    line.push('\n');
    line
}

/// The keys a result line holds beside the configuration, with whether
/// each is a boolean (else a number): what `dlr report` reads.
const RESULT_KEYS: [(&str, bool); 5] = [
    ("reached", true),
    ("diverged", true),
    ("epochs", false),
    ("train_seconds", false),
    ("test_accuracy", false),
];

/// One result line's configuration and JSON; `Ok(None)` for a blank line.
fn parse_line(line: &[u8]) -> Result<Option<(RunSpec, Value)>, String> {
    let text = std::str::from_utf8(line).map_err(|_| "not UTF-8 text".to_owned())?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not a JSON line: {e}"))?;
    let spec = RunSpec::from_json(&v)?;
    for (key, boolean) in RESULT_KEYS {
        let ok = v.get(key).is_some_and(|x| {
            if boolean {
                x.is_boolean()
            } else {
                x.is_number()
            }
        });
        if !ok {
            let what = if boolean { "a boolean" } else { "a number" };
            return Err(format!("'{key}' is missing or not {what}"));
        }
    }
    Ok(Some((spec, v)))
}

/// Whether `line`, the last of a file and without a newline, is the start
/// of a result line whose write was cut short: not JSON, and beginning as
/// every result line does (or only NUL bytes, which a crash can leave in
/// place of unwritten data). Anything else there is not the sweep's, and is
/// not cut.
fn cut_short(line: &[u8]) -> bool {
    let starts_as_a_record = line.first() == Some(&b'{') || line.iter().all(|&b| b == 0);
    starts_as_a_record && serde_json::from_slice::<Value>(line).is_err()
}

/// How a results file ends.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Tail {
    /// With a newline (or empty).
    Complete,
    /// With a whole result line that lacks its newline.
    Unterminated,
    /// With a result line cut short, from byte `keep` on.
    Partial { keep: usize },
}

/// The lines of a results file, every one checked: `(line number,
/// configuration, JSON)` and how the file ends.
type Scanned = (Vec<(usize, RunSpec, Value)>, Tail);

/// Checks every line of the results file `path` (whose contents are
/// `bytes`); an error names the file and the line.
fn scan_results(path: &Path, bytes: &[u8]) -> Result<Scanned, SweepError> {
    let mut records = Vec::new();
    let mut tail = Tail::Complete;
    let mut start = 0;
    let mut number = 0;
    while start < bytes.len() {
        number += 1;
        let (line, next, terminated) = match bytes[start..].iter().position(|&b| b == b'\n') {
            Some(p) => (&bytes[start..start + p], start + p + 1, true),
            None => (&bytes[start..], bytes.len(), false),
        };
        match parse_line(line) {
            Ok(Some((spec, v))) => {
                records.push((number, spec, v));
                if !terminated {
                    tail = Tail::Unterminated;
                }
            }
            Ok(None) if terminated => {}
            // Blanks without a newline: nothing to keep.
            Ok(None) => tail = Tail::Partial { keep: start },
            Err(_) if !terminated && cut_short(line) => tail = Tail::Partial { keep: start },
            Err(e) => return err(format!("{}:{number}: {e}", path.display())),
        }
        start = next;
    }
    Ok((records, tail))
}

/// Reads the result lines of `path`: `(line number, configuration, JSON)`.
/// A last line cut short (no newline, not JSON, starting as a result line
/// does) is ignored, and a whole last line without its newline is read;
/// any other line that is not a result line of a sweep is an error naming
/// the file and line.
pub fn read_results(path: &Path) -> Result<Vec<(usize, RunSpec, Value)>, SweepError> {
    let bytes =
        std::fs::read(path).or_else(|e| err(format!("{}: cannot read: {e}", path.display())))?;
    Ok(scan_results(path, &bytes)?.0)
}

/// What a file that is not a regular one is, in a few words.
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

fn not_regular(path: &Path, meta: &std::fs::Metadata) -> SweepError {
    SweepError(format!(
        "{}: not a regular file (it is {}); results go to a file",
        path.display(),
        file_kind(meta)
    ))
}

/// Checks that the results file `path` can be created or appended to
/// before anything is done: it is a regular file, or does not exist yet in
/// a directory that does. A directory, a FIFO (reading it would block) or a
/// device (`/dev/null`) is refused.
pub fn check_out_path(path: &Path) -> Result<(), SweepError> {
    if ends_with_separator(path) {
        return err(format!(
            "{}: not a regular file (the path ends with a separator, so it names a directory); results go to a file",
            path.display()
        ));
    }
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(meta) => Err(not_regular(path, &meta)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let parent = parent_dir(path);
            if parent.is_dir() {
                Ok(())
            } else {
                err(format!(
                    "{}: directory {} does not exist",
                    path.display(),
                    parent.display()
                ))
            }
        }
        Err(e) => err(format!("{}: {}", path.display(), one_line(&e))),
    }
}

/// Checks, without changing it, the results file a sweep would resume
/// from: absent, or a regular file whose every line is a result line (a
/// last line cut short is allowed: the sweep cuts it). `dlr repro` calls it
/// for every figure's file before it trains anything.
pub fn check_results_file(path: &Path) -> Result<(), SweepError> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => read_results(path).map(|_| ()),
        Ok(meta) => Err(not_regular(path, &meta)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => err(format!("{}: {}", path.display(), one_line(&e))),
    }
}

/// Opens `path` for appending results, creating it if needed. The whole
/// file is checked first ([`read_results`]), and only when every line is a
/// result line is it changed: a trailing line cut short is truncated away,
/// or a newline is added after a whole last line that lacks it (and synced).
/// Returns the file and the keys of the runs it holds.
pub fn open_results(path: &Path) -> Result<(File, HashSet<String>), SweepError> {
    let ctx = |e: std::io::Error| SweepError(format!("{}: {}", path.display(), one_line(&e)));
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(ctx)?;
    // Checked again on the file itself: `path` may have changed since
    // `check_out_path`.
    let meta = file.metadata().map_err(ctx)?;
    if !meta.is_file() {
        return Err(not_regular(path, &meta));
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(ctx)?;
    let (records, tail) = scan_results(path, &bytes)?;
    match tail {
        Tail::Complete => {}
        Tail::Partial { keep } => {
            file.set_len(keep as u64).map_err(ctx)?;
            file.sync_all().map_err(ctx)?;
        }
        // In append mode, the newline goes to the end.
        Tail::Unterminated => {
            file.write_all(b"\n").map_err(ctx)?;
            file.sync_data().map_err(ctx)?;
        }
    }
    let done = records.iter().map(|(_, spec, _)| spec.key()).collect();
    Ok((file, done))
}

/// Whether `path` still names the open `file` (the same device and inode).
/// `None` where the system does not say (not Unix).
fn names_file(path: &Path, file: &File) -> Option<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(match (std::fs::metadata(path), file.metadata()) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        })
    }
    #[cfg(not(unix))]
    {
        let _ = (path, file);
        None
    }
}

/// Attempts at taking a lock whose file keeps being replaced under us
/// before giving up.
const LOCK_ATTEMPTS: usize = 20;

/// The lock that makes a process the only writer of a results file:
/// `<file>.lock`, locked exclusively with `flock` (through
/// [`File::try_lock`]) for as long as the value lives, and holding the
/// holder's process id and host name so that a second process can say who
/// has it.
///
/// When the value is dropped, the lock file is removed if this process
/// created it and it is still the one there (same device and inode), while
/// it is still locked: a lock file that was there before (left by a killed
/// sweep) stays, and so does one that replaced it (another process's).
/// Because a finishing sweep removes its file, a process that opened it
/// just before may lock the removed file: after locking, the lock is kept
/// only if the path still names the locked file, and otherwise taken again.
///
/// Linux's NFS client turns `flock` into a POSIX byte-range lock on the
/// server (NFSv4, or NFSv3 with the lock manager), so the lock holds
/// across the nodes of a cluster that share the directory; Lustre and
/// BeeGFS need their `flock` mount option, and without it locking fails,
/// which is reported rather than ignored. A lock dies with its process, so
/// a killed sweep never leaves a stale one.
#[derive(Debug)]
pub struct WriterLock {
    file: File,
    path: PathBuf,
    created: bool,
}

impl WriterLock {
    /// Takes the lock of `results`, or says who holds it.
    pub fn acquire(results: &Path) -> Result<Self, SweepError> {
        let mut name = results.as_os_str().to_owned();
        name.push(".lock");
        let path = PathBuf::from(name);
        let ctx = |e: std::io::Error| SweepError(format!("{}: {}", path.display(), one_line(&e)));
        for _ in 0..LOCK_ATTEMPTS {
            let mut options = OpenOptions::new();
            options.read(true).write(true);
            let (mut file, created) = match options.clone().create_new(true).open(&path) {
                Ok(file) => (file, true),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    match options.open(&path) {
                        Ok(file) => (file, false),
                        // Removed between the two opens: try again.
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                        Err(e) => return Err(ctx(e)),
                    }
                }
                Err(e) => return Err(ctx(e)),
            };
            let meta = file.metadata().map_err(ctx)?;
            if !meta.is_file() {
                return Err(not_regular(&path, &meta));
            }
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    let holder = holder.trim();
                    let holder = if holder.is_empty() {
                        "another process".to_owned()
                    } else {
                        holder.to_owned()
                    };
                    return err(format!(
                        "{}: another dlr sweep is writing it ({holder}, lock {})",
                        results.display(),
                        path.display()
                    ));
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return err(format!("{}: cannot lock: {}", path.display(), one_line(&e)))
                }
            }
            if names_file(&path, &file) == Some(false) {
                // The file was removed (or replaced) by the holder we
                // waited for: this lock guards nothing.
                continue;
            }
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_owned())
                .unwrap_or_else(|_| "unknown host".to_owned());
            let holder = format!("pid {} on {host}\n", std::process::id());
            file.set_len(0)
                .and_then(|()| file.write_all(holder.as_bytes()))
                .and_then(|()| file.sync_data())
                .map_err(ctx)?;
            return Ok(Self {
                file,
                path,
                created,
            });
        }
        err(format!(
            "{}: cannot lock: the lock file was replaced {LOCK_ATTEMPTS} times in a row",
            path.display()
        ))
    }
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        // Removed while still locked (the lock goes with `file`, after
        // this), and only if it is the file this process created.
        if self.created && names_file(&self.path, &self.file) == Some(true) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
