//! Hostile IDX input through the loaders: huge declared dimensions on short
//! files (plain and gzip), dimension products that overflow, gzip streams
//! that expand far past their header. Each is an error, and the bytes
//! allocated while reading it stay within the bound `dlr::mnist` states:
//! twice the bytes actually decoded (at most the declared size plus one)
//! plus [`DECODER_STATE`] of fixed decoder state, never the declared size.
#![cfg(feature = "std")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Write;
use std::path::PathBuf;

use dlr::idx::{self, IdxError, IdxType};
use dlr::mnist::{self, DataError};

struct CountingAlloc;

thread_local! {
    static BYTES_ALLOCATED: Cell<usize> = const { Cell::new(0) };
    static PEAK_REQUEST: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call to `System` unchanged; it only adds counters.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = BYTES_ALLOCATED.try_with(|n| n.set(n.get().saturating_add(layout.size())));
        let _ = PEAK_REQUEST.try_with(|n| n.set(n.get().max(layout.size())));
        // SAFETY: the caller upholds `alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A grown buffer counts its new size (the Vec growth of a stream).
        let _ = BYTES_ALLOCATED.try_with(|n| n.set(n.get().saturating_add(new_size)));
        let _ = PEAK_REQUEST.try_with(|n| n.set(n.get().max(new_size)));
        // SAFETY: as for `alloc`; `ptr` and `layout` come from this allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Runs `f`; returns its result, the bytes this thread allocated in it (a
/// realloc counts its new size) and the largest single request.
fn measured<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    let before = BYTES_ALLOCATED.with(Cell::get);
    PEAK_REQUEST.with(|p| p.set(0));
    let out = f();
    let total = BYTES_ALLOCATED.with(Cell::get) - before;
    (out, total, PEAK_REQUEST.with(Cell::get))
}

/// Fixed decoder state a gzip read may allocate whatever the input
/// (flate2's inflate state and buffers, the file's `BufReader`).
const DECODER_STATE: usize = 128 << 10;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dlr-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn huge_declared_dims_in_a_short_plain_file_cost_only_the_file() {
    // 60000 × 28 × 28 (47 MB) declared, 100 bytes there.
    let mut bytes = idx::write_header(IdxType::U8, &[60000, 28, 28]);
    bytes.resize(bytes.len() + 100, 7);
    let path = temp_file("short-plain", &bytes);
    let (result, total, _) = measured(|| mnist::read_idx_file(&path));
    let read = result.expect("the loader reads the file; parse judges it");
    assert_eq!(read, bytes);
    assert!(
        total < 16 << 10,
        "allocated {total} bytes for a 116-byte file"
    );
    let (parsed, total, _) = measured(|| idx::parse(&read).map(|_| ()));
    assert_eq!(
        parsed.unwrap_err(),
        IdxError::Truncated {
            expected: 47_040_000,
            found: 100
        }
    );
    assert!(total < 2048, "parse allocated {total} bytes");
}

#[test]
fn huge_declared_dims_in_a_short_gzip_stream_cost_only_what_is_decoded() {
    // 47 MB declared, 1 MiB of data in the stream.
    let mut bytes = idx::write_header(IdxType::U8, &[60000, 28, 28]);
    let decoded = bytes.len() + (1 << 20);
    bytes.resize(decoded, 3);
    let gz = gzip(&bytes);
    let path = temp_file("short.gz", &gz);
    let (result, total, peak) = measured(|| mnist::read_idx_file(&path));
    let read = result.expect("a short stream reads; parse says truncated");
    assert_eq!(read.len(), decoded);
    assert!(
        matches!(idx::parse(&read), Err(IdxError::Truncated { .. })),
        "short data"
    );
    let bound = 2 * (decoded + 1) + DECODER_STATE;
    assert!(peak <= 2 * (decoded + 1), "one buffer of {peak} bytes");
    // Every growth step of the buffer counts: the sum of a doubling
    // sequence is under twice its last term.
    assert!(
        total <= 2 * bound,
        "allocated {total} bytes in all (bound {bound})"
    );
    // The same from memory.
    let (result, _, peak) = measured(|| mnist::decode_idx_gzip(&gz));
    assert_eq!(result.unwrap().len(), decoded);
    assert!(peak <= 2 * (decoded + 1));
}

#[test]
fn declared_sizes_past_the_limit_are_refused_before_reading_on() {
    // 2 GiB of u8 declared (over MAX_FILE_BYTES), and a 16-byte f64 array
    // whose product overflows: refused from the header alone.
    let too_large = idx::write_header(IdxType::U8, &[1 << 31]);
    let overflowing = idx::write_header(IdxType::F64, &[u32::MAX as usize; 3]);
    for (name, header) in [("too-large.gz", too_large), ("overflow.gz", overflowing)] {
        let mut bytes = header;
        bytes.resize(bytes.len() + (4 << 20), 0);
        let gz = gzip(&bytes);
        let path = temp_file(name, &gz);
        let (result, total, _) = measured(|| mnist::read_idx_file(&path));
        let err = result.expect_err("refused");
        assert!(
            matches!(
                err,
                DataError::TooLarge { .. }
                    | DataError::Idx {
                        err: IdxError::DimensionOverflow,
                        ..
                    }
            ),
            "{name}: {err}"
        );
        assert!(
            total < DECODER_STATE,
            "{name}: allocated {total} bytes after a {}-byte header",
            4 + 4 * 3
        );
        assert!(!err.to_string().contains('\n'));
    }
}

#[test]
fn a_gzip_bomb_is_stopped_one_byte_past_its_header() {
    // 64 MiB of zeros behind a header that declares 10 × 2 × 2 bytes: the
    // stream is ~64 KiB, decoding stops after 57 bytes.
    let mut bomb = idx::write_header(IdxType::U8, &[10, 2, 2]);
    bomb.resize(64 << 20, 0);
    let gz = gzip(&bomb);
    assert!(gz.len() < 1 << 20);
    let path = temp_file("bomb.gz", &gz);
    let (result, total, _) = measured(|| mnist::read_idx_file(&path));
    assert!(
        matches!(result, Err(DataError::GzipTooLarge { declared: 56, .. })),
        "{result:?}"
    );
    assert!(
        total < DECODER_STATE,
        "allocated {total} bytes for a 64 MiB bomb"
    );
    let (result, total, _) = measured(|| mnist::decode_idx_gzip(&gz));
    assert!(matches!(result, Err(DataError::GzipTooLarge { .. })));
    assert!(total < DECODER_STATE, "allocated {total} bytes");
}
