//! MNIST on disk: where it is looked for, gzip, SHA-256, and the download.
//!
//! Nothing here is hot. The data directory is `--data DIR`, else `$DLR_DATA`,
//! else `data/mnist` in the working directory ([`resolve_data_dir`]). It holds
//! the four IDX files, each plain or `.gz` (plain wins when both exist).
//! [`load_dir`] reads any IDX set of MNIST's shape (Fashion-MNIST too) and
//! checks no checksum; [`fetch`] downloads the real MNIST and verifies the
//! SHA-256 of the uncompressed files against [`MNIST_SHA256`] before a file
//! gets its final name.
//!
//! Untrusted sizes: a gzip stream is decoded only as far as its IDX header
//! says it should go (plus one byte, to notice more), and never past
//! [`MAX_FILE_BYTES`], so a small `.gz` cannot expand into all of memory.
//!
//! Allocation bound of [`read_idx_file`]: a plain file costs its own size
//! (at most [`MAX_FILE_BYTES`]); a gzip stream costs one buffer of at most
//! twice the bytes it decodes, which are at most the header's declared size
//! plus one (and at most `MAX_FILE_BYTES + 1`), plus about 100 KiB of
//! decoder state. A header that declares more than its stream holds costs
//! what the stream holds, not what it declares; one that declares more than
//! `MAX_FILE_BYTES`, or dimensions whose product overflows, is refused after
//! its own bytes. `tests/hostile_idx.rs` measures these bounds.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use flate2::read::MultiGzDecoder;
use sha2::{Digest, Sha256};

use crate::dataset::Dataset;
use crate::idx::{self, IdxError, IdxType};

/// The training images file (60000 × 28 × 28 `u8`).
pub const TRAIN_IMAGES: &str = "train-images-idx3-ubyte";
/// The training labels file (60000 `u8`).
pub const TRAIN_LABELS: &str = "train-labels-idx1-ubyte";
/// The test images file (10000 × 28 × 28 `u8`).
pub const TEST_IMAGES: &str = "t10k-images-idx3-ubyte";
/// The test labels file (10000 `u8`).
pub const TEST_LABELS: &str = "t10k-labels-idx1-ubyte";

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

/// Environment variable naming the data directory (after `--data`).
pub const DATA_ENV: &str = "DLR_DATA";

/// Environment variable replacing [`MIRRORS`]: comma-separated base URLs.
pub const MIRRORS_ENV: &str = "DLR_MNIST_MIRRORS";

/// Data directory when neither `--data` nor `$DLR_DATA` names one.
pub const DEFAULT_DIR: &str = "data/mnist";

/// Largest IDX file read or downloaded (1 GiB; MNIST's largest is 47 MB).
pub const MAX_FILE_BYTES: usize = 1 << 30;

/// Time allowed to open a connection to a mirror.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Time allowed for one whole download (MNIST's largest `.gz` is 9.9 MB).
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(120);

/// MNIST's training and test sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mnist {
    /// `train-*` files (60000 images for MNIST).
    pub train: Dataset,
    /// `t10k-*` files (10000 images for MNIST).
    pub test: Dataset,
}

/// Where the data directory came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataOrigin {
    /// `--data DIR`.
    Flag,
    /// `$DLR_DATA`.
    Env,
    /// Neither: `data/mnist` in the working directory.
    Default,
}

impl fmt::Display for DataOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DataOrigin::Flag => "--data",
            DataOrigin::Env => DATA_ENV,
            DataOrigin::Default => "default",
        })
    }
}

/// Why MNIST could not be had. Its `Display` is one line naming the path.
#[derive(Debug)]
#[non_exhaustive]
pub enum DataError {
    /// Reading or writing `path` failed.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the OS said.
        err: io::Error,
    },
    /// `path` is not the IDX array it should be.
    Idx {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        err: IdxError,
    },
    /// A data directory named by `--data` or `$DLR_DATA` does not exist.
    MissingDir {
        /// The directory.
        path: PathBuf,
        /// Who named it, when known.
        origin: Option<DataOrigin>,
    },
    /// Neither `path` nor `path.gz` exists.
    Missing {
        /// The file, without `.gz`.
        path: PathBuf,
    },
    /// `path` does not hash to its pinned SHA-256.
    Checksum {
        /// The file.
        path: PathBuf,
        /// Pinned SHA-256, hex.
        expected: String,
        /// SHA-256 of its uncompressed bytes, hex.
        found: String,
    },
    /// No mirror gave a good copy of `file`.
    Download {
        /// The directory it was to go into.
        dir: PathBuf,
        /// The file, without `.gz`.
        file: String,
        /// What went wrong at each mirror, on one line.
        cause: String,
    },
    /// The gzip stream in `path` expands past what its IDX header declares.
    GzipTooLarge {
        /// The file.
        path: PathBuf,
        /// Bytes its header declares (header included).
        declared: usize,
    },
    /// `path` declares more than [`MAX_FILE_BYTES`].
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Bytes it holds or declares.
        size: u64,
    },
    /// Test images are not the size of the training images.
    ShapeMismatch {
        /// The test images file.
        path: PathBuf,
        /// Training images' `(rows, cols)`.
        train: (usize, usize),
        /// Test images' `(rows, cols)`.
        test: (usize, usize),
    },
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::Io { path, err } => {
                write!(f, "{}: {}", path.display(), one_line(&err.to_string()))
            }
            DataError::Idx { path, err } => write!(f, "{}: {err}", path.display()),
            DataError::MissingDir { path, origin } => {
                write!(f, "data directory {}", path.display())?;
                if let Some(origin) = origin {
                    write!(f, " (from {origin})")?;
                }
                f.write_str(" does not exist")
            }
            DataError::Missing { path } => write!(f, "{}(.gz): not found", path.display()),
            DataError::Checksum {
                path,
                expected,
                found,
            } => write!(
                f,
                "{}: SHA-256 mismatch: the uncompressed file hashes to {found}, expected \
                 {expected}; remove the file to download it again",
                path.display()
            ),
            DataError::Download { dir, file, cause } => write!(
                f,
                "cannot download MNIST into {dir} ({file}.gz: {cause}); download the four \
                 MNIST files yourself into {dir}, or point --data / {DATA_ENV} at a \
                 directory that holds them",
                dir = dir.display()
            ),
            DataError::GzipTooLarge { path, declared } => write!(
                f,
                "{}: gzip stream expands beyond the size its IDX header declares ({declared} bytes)",
                path.display()
            ),
            DataError::TooLarge { path, size } => write!(
                f,
                "{}: larger than the {MAX_FILE_BYTES} bytes an IDX file may have here \
                 ({size} bytes held or declared)",
                path.display()
            ),
            DataError::ShapeMismatch { path, train, test } => write!(
                f,
                "{}: images are {}×{} but the training images are {}×{}",
                path.display(),
                test.0,
                test.1,
                train.0,
                train.1
            ),
        }
    }
}

impl std::error::Error for DataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DataError::Io { err, .. } => Some(err),
            DataError::Idx { err, .. } => Some(err),
            _ => None,
        }
    }
}

/// The data directory: `flag`, else `$DLR_DATA` if set and non-empty, else
/// `data/mnist` relative to the working directory.
pub fn resolve_data_dir(flag: Option<&Path>) -> (PathBuf, DataOrigin) {
    if let Some(dir) = flag {
        return (dir.to_path_buf(), DataOrigin::Flag);
    }
    match std::env::var_os(DATA_ENV) {
        Some(dir) if !dir.is_empty() => (PathBuf::from(dir), DataOrigin::Env),
        _ => (PathBuf::from(DEFAULT_DIR), DataOrigin::Default),
    }
}

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
/// to stderr.
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
    load_dir(&dir)
}

/// Loads the four files from `dir`, each plain or `.gz`. Checks no checksum,
/// so any IDX set of MNIST's layout loads; checks that the training and test
/// images have the same `rows × cols`.
pub fn load_dir(dir: &Path) -> Result<Mnist, DataError> {
    if !dir.is_dir() {
        return Err(DataError::MissingDir {
            path: dir.to_path_buf(),
            origin: None,
        });
    }
    let (train, _) = load_pair(dir, TRAIN_IMAGES, TRAIN_LABELS)?;
    let (test, test_images) = load_pair(dir, TEST_IMAGES, TEST_LABELS)?;
    if train.shape() != test.shape() {
        return Err(DataError::ShapeMismatch {
            path: test_images,
            train: train.shape(),
            test: test.shape(),
        });
    }
    Ok(Mnist { train, test })
}

/// Loads one images/labels pair; also returns the images' path (for errors).
fn load_pair(dir: &Path, images: &str, labels: &str) -> Result<(Dataset, PathBuf), DataError> {
    let images_path = locate(dir, images).ok_or_else(|| missing(dir, images))?;
    let labels_path = locate(dir, labels).ok_or_else(|| missing(dir, labels))?;
    let images_idx = read_idx_file(&images_path)?;
    let labels_idx = read_idx_file(&labels_path)?;
    // Check each file alone first, so a fault names the file that has it.
    let check = |bytes: &[u8], path: &Path, rank: usize| {
        idx::parse(bytes)
            .and_then(|array| array.require(IdxType::U8, rank))
            .map_err(|err| DataError::Idx {
                path: path.to_path_buf(),
                err,
            })
    };
    check(&images_idx, &images_path, 3)?;
    check(&labels_idx, &labels_path, 1)?;
    let dataset = Dataset::from_idx_owned(images_idx, labels_idx).map_err(|err| {
        // What is left is between the two files: counts and label values
        // are the labels' fault, anything else the images'.
        let path = match err {
            IdxError::CountMismatch { .. } | IdxError::LabelOutOfRange { .. } => &labels_path,
            _ => &images_path,
        };
        DataError::Idx {
            path: path.clone(),
            err,
        }
    })?;
    Ok((dataset, images_path))
}

fn missing(dir: &Path, name: &str) -> DataError {
    DataError::Missing {
        path: dir.join(name),
    }
}

/// `dir/name` if it is a file, else `dir/name.gz` if that is, else `None`.
pub fn locate(dir: &Path, name: &str) -> Option<PathBuf> {
    [dir.join(name), dir.join(format!("{name}.gz"))]
        .into_iter()
        .find(|path| path.is_file())
}

/// The uncompressed bytes of an IDX file, plain or gzip.
///
/// gzip is recognised by a `.gz` name or by its magic `1f 8b` (an IDX file
/// starts `00 00`, so the two cannot be confused). A gzip stream is decoded
/// no further than its header declares, plus one byte to notice excess.
/// The header is checked here; the data length is left to [`idx::parse`].
pub fn read_idx_file(path: &Path) -> Result<Vec<u8>, DataError> {
    let io_err = |err| DataError::Io {
        path: path.to_path_buf(),
        err,
    };
    let mut file = File::open(path).map_err(io_err)?;
    let mut magic = Vec::with_capacity(2);
    (&mut file)
        .take(2)
        .read_to_end(&mut magic)
        .map_err(io_err)?;
    file.seek(SeekFrom::Start(0)).map_err(io_err)?;
    let named_gz = path.extension().is_some_and(|ext| ext == "gz");
    if named_gz || magic == [0x1f, 0x8b] {
        // Multi-member: what `gzip -d` reads, and garbage after a member is an error.
        return read_gzip_bounded(path, MultiGzDecoder::new(BufReader::new(file)));
    }
    let size = file.metadata().map_err(io_err)?.len();
    if size > MAX_FILE_BYTES as u64 {
        return Err(DataError::TooLarge {
            path: path.to_path_buf(),
            size,
        });
    }
    // The file's real size, not a declared one, sets the allocation; the
    // bound still holds for files that report no size (pipes, devices).
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    read_up_to(&mut file, &mut bytes, MAX_FILE_BYTES + 1).map_err(io_err)?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(DataError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
        });
    }
    Ok(bytes)
}

/// The gzip path of [`read_idx_file`] on bytes in memory (fuzzing, tests):
/// decodes `gz` no further than its IDX header declares plus one byte.
/// Errors name the path `<memory>`.
pub fn decode_idx_gzip(gz: &[u8]) -> Result<Vec<u8>, DataError> {
    read_gzip_bounded(Path::new("<memory>"), MultiGzDecoder::new(gz))
}

/// Decodes an IDX array from a gzip stream without letting it expand past the
/// size its header declares.
fn read_gzip_bounded(path: &Path, mut decoder: impl Read) -> Result<Vec<u8>, DataError> {
    let io_err = |err| DataError::Io {
        path: path.to_path_buf(),
        err,
    };
    let idx_err = |err| DataError::Idx {
        path: path.to_path_buf(),
        err,
    };
    // The header fixes the size: 4 bytes, then 4 per dimension (rank in byte 3).
    let mut bytes = Vec::new();
    read_up_to(&mut decoder, &mut bytes, 4).map_err(io_err)?;
    if let Some(&rank) = bytes.get(3) {
        read_up_to(&mut decoder, &mut bytes, 4 + 4 * usize::from(rank)).map_err(io_err)?;
    }
    let header = idx::parse_header(&bytes).map_err(idx_err)?;
    let declared = header
        .file_len()
        .ok_or_else(|| idx_err(IdxError::DimensionOverflow))?;
    if declared > MAX_FILE_BYTES {
        return Err(DataError::TooLarge {
            path: path.to_path_buf(),
            size: declared as u64,
        });
    }
    // One byte past the declared size is enough to know the stream is longer.
    read_up_to(&mut decoder, &mut bytes, declared + 1).map_err(io_err)?;
    if bytes.len() > declared {
        return Err(DataError::GzipTooLarge {
            path: path.to_path_buf(),
            declared,
        });
    }
    Ok(bytes)
}

/// Reads from `reader` until `bytes` holds `target` bytes or the stream ends.
fn read_up_to(reader: &mut impl Read, bytes: &mut Vec<u8>, target: usize) -> io::Result<()> {
    let want = target.saturating_sub(bytes.len()) as u64;
    reader.take(want).read_to_end(bytes)?;
    Ok(())
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

/// `text` with line breaks turned into spaces, for one-line messages.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
