//! IDX data sets on disk: where they are looked for, plain or gzip.
//!
//! Nothing here is hot. The data directory is `--data DIR`, else `$DLR_DATA`,
//! else `data/mnist` in the working directory ([`resolve_data_dir`]). It holds
//! the four IDX files under MNIST's names, each plain or `.gz` (plain wins
//! when both exist). [`load_dir`] reads any IDX classification set of that
//! layout (MNIST, Fashion-MNIST, EMNIST-style sets with other class counts
//! and image sizes) and checks no checksum. Downloading and verifying MNIST
//! is the `dlr` program's job (`dlr fetch`), not the library's.
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
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

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

/// Environment variable naming the data directory (after `--data`).
pub const DATA_ENV: &str = "DLR_DATA";

/// Data directory when neither `--data` nor `$DLR_DATA` names one.
pub const DEFAULT_DIR: &str = "data/mnist";

/// Largest IDX file read or downloaded (1 GiB; MNIST's largest is 47 MB).
pub const MAX_FILE_BYTES: usize = 1 << 30;

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

/// Loads the data set from where [`resolve_data_dir`] says; a directory
/// that does not exist is an error naming who named it.
pub fn load(flag: Option<&Path>) -> Result<Mnist, DataError> {
    let (dir, origin) = resolve_data_dir(flag);
    if !dir.is_dir() {
        return Err(DataError::MissingDir {
            path: dir,
            origin: Some(origin),
        });
    }
    load_dir(&dir)
}

/// Loads the four files from `dir`, each plain or `.gz`. Checks no checksum,
/// so any IDX set of MNIST's layout loads; checks that the training and test
/// images have the same `rows × cols`.
///
/// The training images are most of the work (47 of MNIST's 55 MB), so they
/// are decoded on a second thread while this one decodes the other three
/// files. Errors are reported as a sequential load would report them: the
/// training pair before the test pair, a missing file before an unreadable
/// one. Where no thread can be started, all four are read here.
pub fn load_dir(dir: &Path) -> Result<Mnist, DataError> {
    load_dir_with(dir, &read_idx_file)
}

/// [`load_dir`] with `read` in place of [`read_idx_file`] for each of the
/// four files (found by [`locate`]): a caller can keep decoded copies, as
/// the `dlr` program's cache does. `read` must give what `read_idx_file`
/// gives, or its error.
pub fn load_dir_with(
    dir: &Path,
    read: &(dyn Fn(&Path) -> Result<Vec<u8>, DataError> + Sync),
) -> Result<Mnist, DataError> {
    if !dir.is_dir() {
        return Err(DataError::MissingDir {
            path: dir.to_path_buf(),
            origin: None,
        });
    }
    let (train_images, [train_labels, test_images, test_labels]) = std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("dlr-load".into())
            .spawn_scoped(scope, || find_and_read(dir, TRAIN_IMAGES, read));
        let rest =
            [TRAIN_LABELS, TEST_IMAGES, TEST_LABELS].map(|name| find_and_read(dir, name, read));
        let train_images = match worker {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => find_and_read(dir, TRAIN_IMAGES, read),
        };
        (train_images, rest)
    });
    let (train, _) = load_pair(
        dir,
        (TRAIN_IMAGES, train_images),
        (TRAIN_LABELS, train_labels),
    )?;
    let (test, test_images) =
        load_pair(dir, (TEST_IMAGES, test_images), (TEST_LABELS, test_labels))?;
    if train.shape() != test.shape() {
        return Err(DataError::ShapeMismatch {
            path: test_images,
            train: train.shape(),
            test: test.shape(),
        });
    }
    Ok(Mnist { train, test })
}

/// A file of the set as [`find_and_read`] found it: `None` when it is not
/// there, else its path and what reading it gave.
type Found = Option<(PathBuf, Result<Vec<u8>, DataError>)>;

/// [`locate`]s `name` in `dir` and reads it with `read`.
fn find_and_read(
    dir: &Path,
    name: &str,
    read: &(dyn Fn(&Path) -> Result<Vec<u8>, DataError> + Sync),
) -> Found {
    locate(dir, name).map(|path| {
        let bytes = read(&path);
        (path, bytes)
    })
}

/// Builds one images/labels pair from the files as found (name, what was
/// found); also returns the images' path (for errors).
fn load_pair(
    dir: &Path,
    (images, images_found): (&str, Found),
    (labels, labels_found): (&str, Found),
) -> Result<(Dataset, PathBuf), DataError> {
    let (images_path, images_idx) = images_found.ok_or_else(|| missing(dir, images))?;
    let (labels_path, labels_idx) = labels_found.ok_or_else(|| missing(dir, labels))?;
    let images_idx = images_idx?;
    let labels_idx = labels_idx?;
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

/// `text` with line breaks turned into spaces, for one-line messages.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
