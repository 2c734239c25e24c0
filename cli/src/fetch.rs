//! Downloading MNIST: the public mirrors, the pinned SHA-256 and the
//! atomic download (`dlr fetch`, and `dlr train` when the default
//! `data/mnist` is empty).

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::Path;
use std::time::Duration;

use dlr::mnist::{
    locate, read_idx_file, resolve_data_dir, DataError, DataOrigin, Mnist, MAX_FILE_BYTES,
    TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS,
};

use sha2::{Digest, Sha256};

use crate::cache::IdxCache;
use crate::one_line;

/// SHA-256 of MNIST's four files, uncompressed: `(file name, lowercase hex)`.
///
/// The canonical checksums (they are those of `../shared/data/mnist/SHA256SUMS`).
pub const MNIST_SHA256: [(&str, &str); 4] = [
    (
        TRAIN_IMAGES,
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ),
    (
        TRAIN_LABELS,
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ),
    (
        TEST_IMAGES,
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ),
    (
        TEST_LABELS,
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ),
];

/// Public mirrors serving `<name>.gz` for the four files, tried in order.
pub const MIRRORS: &[&str] = &[
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
];

/// Environment variable replacing [`MIRRORS`]: comma-separated base URLs.
pub const MIRRORS_ENV: &str = "DLR_MNIST_MIRRORS";

/// Time allowed to open a connection to a mirror.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Time allowed for one whole download (MNIST's largest `.gz` is 9.9 MB).
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(120);

/// Mirror base URLs: `$DLR_MNIST_MIRRORS` (comma-separated) if it names any,
/// else [`MIRRORS`].
pub fn mirrors() -> Vec<String> {
    let from_env: Vec<String> = std::env::var(MIRRORS_ENV)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|base| !base.is_empty())
        .map(String::from)
        .collect();
    if from_env.is_empty() {
        MIRRORS.iter().map(|&base| base.to_owned()).collect()
    } else {
        from_env
    }
}

/// Loads MNIST from where [`resolve_data_dir`] says.
///
/// A directory named by `--data` or `$DLR_DATA` must exist and hold the
/// files. The default `data/mnist` is filled by [`fetch`] (from [`mirrors`])
/// when a file is missing there; `progress` then prints a line per download
/// to stderr. Gzip files are read through the cache of decoded files
/// ([`IdxCache::from_env`]).
pub fn load(flag: Option<&Path>, progress: bool) -> Result<Mnist, DataError> {
    let (dir, origin) = resolve_data_dir(flag);
    match origin {
        DataOrigin::Flag | DataOrigin::Env => {
            if !dir.is_dir() {
                return Err(DataError::MissingDir {
                    path: dir,
                    origin: Some(origin),
                });
            }
        }
        DataOrigin::Default => {
            let all_present = MNIST_SHA256
                .iter()
                .all(|&(name, _)| locate(&dir, name).is_some());
            if !all_present {
                fetch_with(&dir, &mirrors(), &MNIST_SHA256, progress)?;
            }
        }
    }
    // The directory exists here: checked above, or just filled by `fetch`.
    match IdxCache::from_env() {
        Some(cache) => dlr::mnist::load_dir_with(&dir, &|path: &Path| cache.read(path)),
        None => dlr::mnist::load_dir(&dir),
    }
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Downloads MNIST into `dir` from `mirrors` (base URLs, tried in order),
/// verifying [`MNIST_SHA256`]. See [`fetch_with`].
pub fn fetch(dir: &Path, mirrors: &[String]) -> Result<(), DataError> {
    fetch_with(dir, mirrors, &MNIST_SHA256, false)
}

/// [`fetch_with`] for any `files` (`(name, SHA-256 hex of the uncompressed
/// file)`), quietly.
pub fn fetch_files(
    dir: &Path,
    mirrors: &[String],
    files: &[(&str, &str)],
) -> Result<(), DataError> {
    fetch_with(dir, mirrors, files, false)
}

/// Makes `dir` hold each of `files` (`(name, SHA-256 hex of the uncompressed
/// file)`), verified.
///
/// A file already there (plain or `.gz`) is verified and kept; if it does not
/// match, that is an error naming it: a file someone put there is never
/// overwritten. A missing file is downloaded as `<base><name>.gz` from each
/// mirror in turn into `dir/.<name>.gz.part-<pid>`, decompressed and checked
/// against its SHA-256, and only then synced and renamed to `dir/<name>.gz`;
/// a bad or failed download is deleted before the next mirror is tried, so a
/// failure never leaves a file under the final name. Files fetched before a
/// failure stay (they are verified). `progress` prints one line per download
/// to stderr.
pub fn fetch_with(
    dir: &Path,
    mirrors: &[String],
    files: &[(&str, &str)],
    progress: bool,
) -> Result<(), DataError> {
    fs::create_dir_all(dir).map_err(|err| DataError::Io {
        path: dir.to_path_buf(),
        err,
    })?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_global(Some(DOWNLOAD_TIMEOUT))
        .build()
        .into();
    for &(name, sha256) in files {
        if let Some(path) = locate(dir, name) {
            verify(&path, sha256)?;
            continue;
        }
        download(&agent, dir, name, sha256, mirrors, progress)?;
    }
    Ok(())
}

/// Checks that `path` decompresses to bytes with SHA-256 `expected` (hex).
fn verify(path: &Path, expected: &str) -> Result<(), DataError> {
    let found = sha256_hex(&read_idx_file(path)?);
    if !found.eq_ignore_ascii_case(expected) {
        return Err(DataError::Checksum {
            path: path.to_path_buf(),
            expected: expected.to_ascii_lowercase(),
            found,
        });
    }
    Ok(())
}

/// Downloads `dir/<name>.gz` from the first mirror that serves a good copy.
fn download(
    agent: &ureq::Agent,
    dir: &Path,
    name: &str,
    sha256: &str,
    mirrors: &[String],
    progress: bool,
) -> Result<(), DataError> {
    let final_path = dir.join(format!("{name}.gz"));
    let part_path = dir.join(format!(".{name}.gz.part-{}", std::process::id()));
    let mut unreachable = Vec::new();
    let mut bad = Vec::new();
    for base in mirrors {
        let sep = if base.ends_with('/') { "" } else { "/" };
        let url = format!("{base}{sep}{name}.gz");
        if progress {
            eprintln!("downloading {url}");
        }
        let attempt =
            download_to(agent, &url, &part_path).and_then(|()| verify_download(&part_path, sha256));
        let failure = match attempt {
            Ok(()) => match fs::rename(&part_path, &final_path) {
                Ok(()) => {
                    sync_dir(dir);
                    return Ok(());
                }
                Err(err) => Attempt::Local(DataError::Io {
                    path: final_path.clone(),
                    err,
                }),
            },
            Err(failure) => failure,
        };
        // Best effort: there is no part file if the connection failed.
        let _ = fs::remove_file(&part_path);
        match failure {
            Attempt::Unreachable(cause) => unreachable.push(format!("{url}: {cause}")),
            Attempt::Bad(cause) => bad.push(format!("{url}: {cause}")),
            // Another mirror would not help a local fault.
            Attempt::Local(err) => return Err(err),
        }
    }
    let cause = if mirrors.is_empty() {
        "no mirror configured".to_owned()
    } else if bad.is_empty() {
        format!("no mirror reachable: {}", unreachable.join("; "))
    } else {
        bad.extend(unreachable);
        format!("no mirror served a good copy: {}", bad.join("; "))
    };
    Err(DataError::Download {
        dir: dir.to_path_buf(),
        file: name.to_owned(),
        cause: one_line(&cause),
    })
}

/// Checks a download: gzip (it will be named `.gz`), and the pinned SHA-256
/// once decompressed.
fn verify_download(part_path: &Path, sha256: &str) -> Result<(), Attempt> {
    let mut magic = [0u8; 2];
    let is_gzip = File::open(part_path)
        .and_then(|mut part| part.read_exact(&mut magic))
        .is_ok_and(|()| magic == [0x1f, 0x8b]);
    if !is_gzip {
        return Err(Attempt::Bad("not a gzip file".to_owned()));
    }
    verify(part_path, sha256).map_err(|err| {
        // The part file is about to go: name the fault, not the file.
        let text = err.to_string();
        let prefix = format!("{}: ", part_path.display());
        Attempt::Bad(
            text.strip_prefix(&prefix)
                .map_or(text.clone(), str::to_owned),
        )
    })
}

/// How one mirror failed.
enum Attempt {
    /// It could not be asked (DNS, connection, timeout before an answer).
    Unreachable(String),
    /// It answered, but not with a good copy (status, cut body, checksum).
    Bad(String),
    /// Writing here failed: no mirror can help.
    Local(DataError),
}

/// Streams `url` into `part_path` and syncs it to disk.
fn download_to(agent: &ureq::Agent, url: &str, part_path: &Path) -> Result<(), Attempt> {
    let response = agent.get(url).call().map_err(|err| match err {
        ureq::Error::StatusCode(code) => Attempt::Bad(format!("HTTP status {code}")),
        other => Attempt::Unreachable(other.to_string()),
    })?;
    let mut body = response
        .into_body()
        .into_with_config()
        .limit(MAX_FILE_BYTES as u64)
        .reader();
    let local = |err| {
        Attempt::Local(DataError::Io {
            path: part_path.to_path_buf(),
            err,
        })
    };
    let mut part = File::create(part_path).map_err(local)?;
    // A loop rather than io::copy, to tell a cut download from a full disk.
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        let n = match body.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(Attempt::Bad(format!("download cut: {err}"))),
        };
        part.write_all(&chunk[..n]).map_err(local)?;
    }
    part.sync_all().map_err(local)?;
    Ok(())
}

/// Makes a rename in `dir` durable; best effort (not every OS can sync a directory).
fn sync_dir(dir: &Path) {
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
}
