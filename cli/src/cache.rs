//! A checked cache of decompressed IDX files, so that a run reads MNIST's
//! 55 MB instead of inflating 11 MB of gzip (BENCHMARKS.md, "Loading
//! MNIST").
//!
//! A `.gz` file's decoded bytes are kept in the cache directory under a name
//! made of its file name and a key of its canonical path, size and
//! modification time, so that a changed source is a new entry. Each entry
//! starts with a header (magic, length, CRC-32 of the content:
//! [`dlr::crc32`]; its cost is in BENCHMARKS.md, "Loading MNIST"),
//! checked whole on every read: an entry that is short, long, or altered by one bit
//! is ignored and written again. Entries are written to a temporary file and
//! renamed into place, so that concurrent runs (a job array) never read a
//! half-written one. Failing to write is not an error: the run goes on with
//! the bytes it decoded. Plain (uncompressed) files are read as they are.
//!
//! Where: `$DLR_CACHE` (`off` turns the cache off), else
//! `$XDG_CACHE_HOME/dlr`, else `$HOME/.cache/dlr`.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use dlr::crc32::crc32;
use dlr::mnist::{read_idx_file, DataError, MAX_FILE_BYTES};
use sha2::{Digest, Sha256};

/// The environment variable that names the cache directory, or `off`.
pub const CACHE_ENV: &str = "DLR_CACHE";

const MAGIC: &[u8; 8] = b"DLRIDX1\n";
/// Magic, content length (u64 LE), CRC-32 of the content (u32 LE), 4 zero
/// bytes.
const HEADER_LEN: usize = 24;

/// Decoded IDX files kept in one directory.
#[derive(Clone, Debug)]
pub struct IdxCache {
    dir: PathBuf,
}

impl IdxCache {
    /// A cache in `dir` (created when the first entry is written).
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The cache the environment asks for, or `None` when `DLR_CACHE=off`
    /// or no directory can be named.
    pub fn from_env() -> Option<Self> {
        let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
        if let Some(dir) = var(CACHE_ENV) {
            if dir == "off" {
                return None;
            }
            return Some(Self::new(PathBuf::from(dir)));
        }
        if let Some(xdg) = var("XDG_CACHE_HOME") {
            return Some(Self::new(PathBuf::from(xdg).join("dlr")));
        }
        var("HOME").map(|home| Self::new(PathBuf::from(home).join(".cache").join("dlr")))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What [`read_idx_file`] gives for `path`, from the cache when it holds
    /// a good entry for the file as it is now; else decoded, and kept.
    pub fn read(&self, path: &Path) -> Result<Vec<u8>, DataError> {
        let Some(entry) = self.entry_for(path) else {
            return read_idx_file(path);
        };
        if let Some(bytes) = read_entry(&entry) {
            return Ok(bytes);
        }
        let bytes = read_idx_file(path)?;
        // Best effort: a cache that cannot be written costs only speed.
        let _ = write_entry(&entry, &bytes);
        Ok(bytes)
    }

    /// Where the entry for the gzip file `path` is, or `None` for a file
    /// that is not gzip or whose metadata cannot be read.
    pub fn entry_for(&self, path: &Path) -> Option<PathBuf> {
        if path.extension().is_none_or(|ext| ext != "gz") {
            return None;
        }
        let canonical = fs::canonicalize(path).ok()?;
        let meta = fs::metadata(&canonical).ok()?;
        let modified = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        let mut key = Sha256::new();
        key.update(canonical.as_os_str().as_encoded_bytes());
        key.update(meta.len().to_le_bytes());
        key.update(modified.as_nanos().to_le_bytes());
        let key: String = key.finalize()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let stem = path.file_stem()?.to_string_lossy();
        Some(self.dir.join(format!("{stem}-{key}.idx")))
    }
}

/// The content of a good entry, or `None` (missing, unreadable, too large,
/// or failing its length or CRC check).
fn read_entry(entry: &Path) -> Option<Vec<u8>> {
    // Opening a FIFO blocks until something writes to it, and a device
    // may never end: only a regular file is an entry.
    if !std::fs::metadata(entry).ok()?.is_file() {
        return None;
    }
    let mut file = File::open(entry).ok()?;
    let mut header = [0u8; HEADER_LEN];
    file.read_exact(&mut header).ok()?;
    if &header[..8] != MAGIC {
        return None;
    }
    let len = usize::try_from(u64::from_le_bytes(header[8..16].try_into().ok()?)).ok()?;
    let crc = u32::from_le_bytes(header[16..20].try_into().ok()?);
    if len > MAX_FILE_BYTES || file.metadata().ok()?.len() != (HEADER_LEN + len) as u64 {
        return None;
    }
    let mut bytes = buffer_of_capacity(len);
    file.take(len as u64).read_to_end(&mut bytes).ok()?;
    (bytes.len() == len && crc32(&bytes) == crc).then_some(bytes)
}

/// An empty buffer with room for `len` bytes, which Linux is asked to back
/// with transparent huge pages: the first write to each 4 KiB page of a
/// fresh allocation is a page fault, some 11,500 of them for the training
/// images, and a 2 MiB page takes the place of 512 (BENCHMARKS.md, "What
/// the profiling found").
fn buffer_of_capacity(len: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(len);
    #[cfg(target_os = "linux")]
    advise_huge_pages(&mut bytes);
    bytes
}

/// `madvise(MADV_HUGEPAGE)` on the whole pages of `bytes`'s capacity. Where
/// the kernel has no transparent huge pages the call fails and changes
/// nothing; the buffer works the same either way.
#[cfg(target_os = "linux")]
fn advise_huge_pages(bytes: &mut Vec<u8>) {
    const PAGE: usize = 4096;
    let start = bytes.as_mut_ptr() as usize;
    let first = start.next_multiple_of(PAGE);
    let last = (start + bytes.capacity()) / PAGE * PAGE;
    if last > first {
        // SAFETY: `first..last` lies inside the allocation `bytes` owns, and
        // MADV_HUGEPAGE only changes which pages back that memory, never its
        // contents or its mapping's protection; the result is ignored
        // because failure leaves the default backing.
        unsafe {
            libc::madvise(
                first as *mut libc::c_void,
                last - first,
                libc::MADV_HUGEPAGE,
            );
        }
    }
}

/// Writes `bytes` as the entry `entry`: to a temporary file in the same
/// directory, then renamed into place.
fn write_entry(entry: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = entry.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = entry.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = File::create(&tmp)?;
        let mut header = [0u8; HEADER_LEN];
        header[..8].copy_from_slice(MAGIC);
        header[8..16].copy_from_slice(&(bytes.len() as u64).to_le_bytes());
        header[16..20].copy_from_slice(&crc32(bytes).to_le_bytes());
        file.write_all(&header)?;
        file.write_all(bytes)?;
        // No fsync: an entry cut short by a crash fails its length or CRC
        // check and is written again.
        drop(file);
        fs::rename(&tmp, entry)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn idx_labels(n: u8) -> Vec<u8> {
        let mut v = vec![0, 0, 8, 1, 0, 0, 0, n];
        v.extend(0..n);
        v
    }

    #[test]
    fn an_entry_is_written_once_then_read_and_a_damaged_one_is_rewritten() {
        let tmp = tempdir();
        let source = tmp.join("labels-idx1-ubyte.gz");
        fs::write(&source, gz(&idx_labels(9))).unwrap();
        let cache = IdxCache::new(tmp.join("cache"));
        let expected = read_idx_file(&source).unwrap();

        assert_eq!(cache.read(&source).unwrap(), expected);
        let entry = cache.entry_for(&source).unwrap();
        assert_eq!(read_entry(&entry), Some(expected.clone()), "entry written");

        // Read from the entry: the source's content no longer matters as
        // long as its path, size and time are the same...
        let written = fs::metadata(&entry).unwrap().modified().unwrap();
        assert_eq!(cache.read(&source).unwrap(), expected);
        assert_eq!(fs::metadata(&entry).unwrap().modified().unwrap(), written);

        // A good entry is what is read (here one with other content).
        write_entry(&entry, &idx_labels(2)).unwrap();
        assert_eq!(cache.read(&source).unwrap(), idx_labels(2));
        write_entry(&entry, &expected).unwrap();

        // ... and one flipped bit, a cut, or garbage makes it ignored and
        // written again.
        let good = fs::read(&entry).unwrap();
        let mut flipped = good.clone();
        *flipped.last_mut().unwrap() ^= 1;
        for damaged in [
            flipped,
            good[..good.len() - 1].to_vec(),
            b"garbage".to_vec(),
        ] {
            fs::write(&entry, &damaged).unwrap();
            assert_eq!(read_entry(&entry), None);
            assert_eq!(cache.read(&source).unwrap(), expected);
            assert_eq!(fs::read(&entry).unwrap(), good);
        }
    }

    #[test]
    fn a_changed_source_is_a_new_entry_and_plain_files_are_not_kept() {
        let tmp = tempdir();
        let source = tmp.join("labels-idx1-ubyte.gz");
        fs::write(&source, gz(&idx_labels(3))).unwrap();
        let cache = IdxCache::new(tmp.join("cache"));
        let first = cache.entry_for(&source).unwrap();
        cache.read(&source).unwrap();
        fs::write(&source, gz(&idx_labels(200))).unwrap();
        let second = cache.entry_for(&source).unwrap();
        assert_ne!(first, second, "size changed: another key");
        assert_eq!(cache.read(&source).unwrap(), idx_labels(200));

        let plain = tmp.join("plain-idx1-ubyte");
        fs::write(&plain, idx_labels(4)).unwrap();
        assert_eq!(cache.entry_for(&plain), None);
        assert_eq!(cache.read(&plain).unwrap(), idx_labels(4));
    }

    #[test]
    fn an_unwritable_cache_still_reads_and_errors_are_the_sources() {
        let tmp = tempdir();
        let source = tmp.join("labels-idx1-ubyte.gz");
        fs::write(&source, gz(&idx_labels(5))).unwrap();
        // The cache "directory" is a file: nothing can be written under it.
        let blocker = tmp.join("not-a-dir");
        fs::write(&blocker, b"x").unwrap();
        let cache = IdxCache::new(blocker.clone());
        assert_eq!(cache.read(&source).unwrap(), idx_labels(5));
        assert_eq!(fs::read(&blocker).unwrap(), b"x");

        let bad = tmp.join("bad-idx1-ubyte.gz");
        fs::write(&bad, b"\x1f\x8b not really gzip").unwrap();
        let cache = IdxCache::new(tmp.join("cache"));
        assert_eq!(
            cache.read(&bad).unwrap_err().to_string(),
            read_idx_file(&bad).unwrap_err().to_string()
        );
        assert!(
            !cache.entry_for(&bad).unwrap().exists(),
            "no entry for a bad file"
        );
    }

    fn tempdir() -> PathBuf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "dlr-cache-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// An entry that is a FIFO (or any file that is not regular) is no
    /// entry: reading it must not wait for a writer that never comes.
    #[test]
    fn a_fifo_in_place_of_an_entry_is_skipped_without_blocking() {
        let dir = std::env::temp_dir().join(format!("dlr-cache-fifo-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("entry.idx");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo (coreutils) runs");
        assert!(made.success(), "mkfifo {}", fifo.display());
        let (tx, rx) = std::sync::mpsc::channel();
        let path = fifo.clone();
        std::thread::spawn(move || tx.send(read_entry(&path)));
        let read = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("read_entry of a FIFO returned instead of blocking");
        assert_eq!(read, None);
        let _ = fs::remove_dir_all(&dir);
    }
}
