//! The host, through Arm semihosting: console lines, the command line,
//! files (open, seek, read, write, length, remove) and the exit status.
//!
//! Every call is a `bkpt 0xAB` that QEMU (`-semihosting-config
//! enable=on,target=native`) serves from the host's file system.

use core::fmt::{self, Write};

use cortex_m_semihosting::{nr, syscall, syscall1};

/// Exit status: success.
pub const EXIT_SUCCESS: u32 = 0;
/// Exit status: failure (including "does not fit in memory").
pub const EXIT_FAILURE: u32 = 1;
/// Exit status: bad usage or bad input (an option, a missing file).
pub const EXIT_USAGE: u32 = 2;
/// Exit status: training diverged (NaN or infinite loss or weights).
pub const EXIT_DIVERGED: u32 = 3;

/// `SYS_EXIT_EXTENDED`: exit with a status code (QEMU returns it as its own).
const SYS_EXIT_EXTENDED: usize = 0x20;
/// Reason code "the application exited" of `SYS_EXIT(_EXTENDED)`.
const ADP_STOPPED_APPLICATION_EXIT: usize = 0x20026;

/// Ends the program; QEMU exits with `status`.
pub fn exit(status: u32) -> ! {
    let block = [ADP_STOPPED_APPLICATION_EXIT, status as usize];
    // SAFETY: SYS_EXIT_EXTENDED reads the two words of `block`, which
    // outlive the call; it does not return under QEMU.
    unsafe { syscall(SYS_EXIT_EXTENDED, &block) };
    // A debugger may resume after the exit call: stay put.
    loop {
        cortex_m::asm::bkpt();
    }
}

/// Prints one line (`args`, then a newline) on stderr and exits with `status`.
pub fn fail(status: u32, args: fmt::Arguments<'_>) -> ! {
    let mut line = Line::new(Stream::Stderr);
    let _ = line.write_fmt(args);
    line.finish();
    exit(status)
}

/// Which console stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// Handles of the console streams, opened on first use.
static mut CONSOLE: [usize; 2] = [usize::MAX; 2];

fn console_handle(stream: Stream) -> usize {
    let k = stream as usize;
    // SAFETY: the firmware is single-threaded and no interrupt handler
    // prints, so nothing else accesses CONSOLE during this call.
    let handles = unsafe { &mut *core::ptr::addr_of_mut!(CONSOLE) };
    if handles[k] == usize::MAX {
        // ":tt" opened for writing is stdout, for appending is stderr.
        let mode = match stream {
            Stream::Stdout => nr::open::W_TRUNC,
            Stream::Stderr => nr::open::W_APPEND,
        };
        let name = b":tt\0";
        let block = [name.as_ptr() as usize, mode, name.len() - 1];
        // SAFETY: SYS_OPEN reads the NUL-terminated name and its length,
        // both valid for the call.
        handles[k] = unsafe { syscall(nr::OPEN, &block) };
    }
    handles[k]
}

fn write_all(handle: usize, bytes: &[u8]) -> bool {
    if bytes.is_empty() {
        return true;
    }
    let block = [handle, bytes.as_ptr() as usize, bytes.len()];
    // SAFETY: SYS_WRITE reads `bytes.len()` bytes from `bytes`, valid for
    // the call. It returns the number of bytes *not* written.
    unsafe { syscall(nr::WRITE, &block) == 0 }
}

/// One console line, buffered so that it leaves in one semihosting call.
pub struct Line {
    stream: Stream,
    buf: [u8; 192],
    len: usize,
}

impl Line {
    /// An empty line for `stream`.
    pub fn new(stream: Stream) -> Self {
        Self {
            stream,
            buf: [0; 192],
            len: 0,
        }
    }

    fn flush(&mut self) {
        write_all(console_handle(self.stream), &self.buf[..self.len]);
        self.len = 0;
    }

    /// Adds the newline and writes the line.
    pub fn finish(mut self) {
        let _ = self.write_str("\n");
        self.flush();
    }
}

impl Write for Line {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            if self.len == self.buf.len() {
                self.flush();
            }
            self.buf[self.len] = b;
            self.len += 1;
        }
        Ok(())
    }
}

/// Prints a line on stdout, like `println!`.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {{
        use core::fmt::Write as _;
        let mut line = $crate::host::Line::new($crate::host::Stream::Stdout);
        let _ = write!(line, $($arg)*);
        line.finish();
    }};
}

/// The semihosting command line, as QEMU builds it: its `arg=` values
/// joined by single spaces, the program's name first. Written into `buf`.
pub fn command_line(buf: &mut [u8]) -> Option<&str> {
    let mut block = [buf.as_mut_ptr() as usize, buf.len()];
    // SAFETY: SYS_GET_CMDLINE writes at most `block[1]` bytes (including a
    // terminating NUL) into `buf`, then the length into `block[1]`; both are
    // passed by a pointer derived from a mutable borrow.
    let failed = unsafe { syscall1(nr::GET_CMDLINE, block.as_mut_ptr() as usize) } != 0;
    if failed {
        return None;
    }
    let len = block[1].min(buf.len());
    core::str::from_utf8(&buf[..len]).ok()
}

/// How to open a host file.
#[derive(Clone, Copy, Debug)]
pub enum Mode {
    /// "rb": read an existing file.
    Read,
    /// "wb": create or truncate, write.
    Write,
    /// "w+b": create or truncate, read and write.
    ReadWrite,
}

/// Why a host file call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileError {
    /// The path is longer than the firmware's path buffer.
    PathTooLong,
    /// The host could not open the file.
    Open,
    /// Seek, read or write failed or came up short.
    Io,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileError::PathTooLong => "path longer than 255 bytes",
            FileError::Open => "cannot open",
            FileError::Io => "read or write failed (short file?)",
        })
    }
}

/// A host path as the NUL-terminated bytes semihosting wants.
struct CPath {
    bytes: [u8; 256],
    len: usize,
}

impl CPath {
    fn new(path: &str) -> Result<Self, FileError> {
        let mut bytes = [0u8; 256];
        if path.len() >= bytes.len() || path.bytes().any(|b| b == 0) {
            return Err(FileError::PathTooLong);
        }
        bytes[..path.len()].copy_from_slice(path.as_bytes());
        Ok(Self {
            bytes,
            len: path.len(),
        })
    }
}

/// An open host file; closed on drop.
#[derive(Debug)]
pub struct File {
    handle: usize,
}

impl File {
    /// Opens `path` on the host.
    pub fn open(path: &str, mode: Mode) -> Result<Self, FileError> {
        let path = CPath::new(path)?;
        let mode = match mode {
            Mode::Read => nr::open::R_BINARY,
            Mode::Write => nr::open::W_TRUNC_BINARY,
            Mode::ReadWrite => nr::open::RW_TRUNC_BINARY,
        };
        let block = [path.bytes.as_ptr() as usize, mode, path.len];
        // SAFETY: SYS_OPEN reads the NUL-terminated path (valid for the
        // call) and returns a handle, or −1 on failure.
        let handle = unsafe { syscall(nr::OPEN, &block) };
        if handle as isize == -1 {
            return Err(FileError::Open);
        }
        Ok(Self { handle })
    }

    /// The file's length in bytes.
    pub fn len(&self) -> Result<usize, FileError> {
        let block = [self.handle];
        // SAFETY: SYS_FLEN takes the handle and returns the length or −1.
        let len = unsafe { syscall(nr::FLEN, &block) };
        if len as isize == -1 {
            return Err(FileError::Io);
        }
        Ok(len)
    }

    /// True for an empty file.
    pub fn is_empty(&self) -> Result<bool, FileError> {
        Ok(self.len()? == 0)
    }

    /// Moves to byte `pos` from the start.
    pub fn seek(&mut self, pos: usize) -> Result<(), FileError> {
        let block = [self.handle, pos];
        // SAFETY: SYS_SEEK takes the handle and an absolute position; 0 is
        // success.
        match unsafe { syscall(nr::SEEK, &block) } {
            0 => Ok(()),
            _ => Err(FileError::Io),
        }
    }

    /// Fills `buf` from the current position.
    pub fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), FileError> {
        let block = [self.handle, buf.as_mut_ptr() as usize, buf.len()];
        // SAFETY: SYS_READ writes at most `buf.len()` bytes into `buf`,
        // valid and exclusively borrowed for the call; it returns the
        // number of bytes *not* read.
        match unsafe { syscall(nr::READ, &block) } {
            0 => Ok(()),
            _ => Err(FileError::Io),
        }
    }

    /// [`File::seek`] to `pos`, then [`File::read_exact`].
    pub fn read_at(&mut self, pos: usize, buf: &mut [u8]) -> Result<(), FileError> {
        self.seek(pos)?;
        self.read_exact(buf)
    }

    /// Writes all of `bytes` at the current position.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), FileError> {
        match write_all(self.handle, bytes) {
            true => Ok(()),
            false => Err(FileError::Io),
        }
    }

    /// [`File::seek`] to `pos`, then [`File::write_all`].
    pub fn write_at(&mut self, pos: usize, bytes: &[u8]) -> Result<(), FileError> {
        self.seek(pos)?;
        self.write_all(bytes)
    }
}

impl Drop for File {
    fn drop(&mut self) {
        let block = [self.handle];
        // SAFETY: SYS_CLOSE takes a handle that SYS_OPEN returned and that
        // is closed only here.
        unsafe { syscall(nr::CLOSE, &block) };
    }
}

/// Deletes a host file (a scratch file at the end of a run).
pub fn remove(path: &str) -> Result<(), FileError> {
    let path = CPath::new(path)?;
    let block = [path.bytes.as_ptr() as usize, path.len];
    // SAFETY: SYS_REMOVE reads the NUL-terminated path, valid for the call.
    match unsafe { syscall(nr::REMOVE, &block) } {
        0 => Ok(()),
        _ => Err(FileError::Io),
    }
}
