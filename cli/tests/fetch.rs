//! Downloads against a tiny HTTP/1.1 server on 127.0.0.1 serving generated
//! IDX `.gz` files: good copies land under their final names; bad, cut or
//! unreachable mirrors leave nothing behind and end in one line that says
//! what to do. Also checks the pinned checksums against the real MNIST.

use std::collections::HashMap;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use dlr::idx::{self, IdxType};
use dlr::mnist::{self, DataError};
use dlr_cli::fetch;
use flate2::write::GzEncoder;
use flate2::Compression;

// ---------------------------------------------------------------------------
// The server.

/// What the server answers for one path.
#[derive(Clone)]
enum Reply {
    /// 200 with this body.
    Body(Vec<u8>),
    /// 200 declaring `declared` bytes, sending `body`, then closing.
    Cut { declared: usize, body: Vec<u8> },
}

/// A server on 127.0.0.1 that runs until the test process ends.
struct Server {
    /// `http://127.0.0.1:<port>/mnist/`.
    base: String,
    /// Paths requested, in order.
    hits: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Serves `routes` (file name → reply) under `/mnist/`; anything else is 404.
    fn start(routes: HashMap<String, Reply>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("local addr").port();
        let hits = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&hits);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                // A client that hangs up early is its own problem, not the server's.
                let _ = answer(stream, &routes, &log);
            }
        });
        Server {
            base: format!("http://127.0.0.1:{port}/mnist/"),
            hits,
        }
    }

    /// This server as the only mirror.
    fn mirrors(&self) -> Vec<String> {
        vec![self.base.clone()]
    }

    fn hits(&self) -> Vec<String> {
        self.hits.lock().expect("hits lock").clone()
    }
}

fn answer(
    stream: TcpStream,
    routes: &HashMap<String, Reply>,
    log: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Read the whole request head, so closing never resets unread bytes.
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let path = request_line.split(' ').nth(1).unwrap_or("").to_owned();
    log.lock().expect("hits lock").push(path.clone());
    let name = path.strip_prefix("/mnist/").unwrap_or("");
    let mut stream = stream;
    match routes.get(name) {
        Some(Reply::Body(body)) => {
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )?;
            stream.write_all(body)?;
        }
        Some(Reply::Cut { declared, body }) => {
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {declared}\r\nConnection: close\r\n\r\n"
            )?;
            stream.write_all(body)?;
        }
        None => {
            stream.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )?;
        }
    }
    stream.flush()
}

// ---------------------------------------------------------------------------
// Tiny IDX files.

/// The four files of a tiny MNIST-shaped set: `(name, uncompressed bytes)`.
fn tiny_set() -> Vec<(&'static str, Vec<u8>)> {
    let images = |n: usize, seed: u8| {
        let pixels: Vec<u8> = (0..n * 9)
            .map(|i| (i as u8).wrapping_mul(37) ^ seed)
            .collect();
        idx::write(IdxType::U8, &[n, 3, 3], &pixels)
    };
    let labels = |n: usize| {
        let digits: Vec<u8> = (0..n).map(|i| (i * 7 % 10) as u8).collect();
        idx::write(IdxType::U8, &[n], &digits)
    };
    vec![
        (mnist::TRAIN_IMAGES, images(5, 1)),
        (mnist::TRAIN_LABELS, labels(5)),
        (mnist::TEST_IMAGES, images(3, 2)),
        (mnist::TEST_LABELS, labels(3)),
    ]
}

/// `(name, SHA-256 hex)` of each tiny file: the table `fetch_files` checks.
fn table(set: &[(&'static str, Vec<u8>)]) -> Vec<(&'static str, String)> {
    set.iter()
        .map(|(name, bytes)| (*name, fetch::sha256_hex(bytes)))
        .collect()
}

fn as_refs<'a>(table: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    table
        .iter()
        .map(|(name, sha)| (*name, sha.as_str()))
        .collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).expect("gzip into memory");
    encoder.finish().expect("gzip into memory")
}

/// Routes serving every file of `set` gzipped, as `<name>.gz`.
fn good_routes(set: &[(&'static str, Vec<u8>)]) -> HashMap<String, Reply> {
    set.iter()
        .map(|(name, bytes)| (format!("{name}.gz"), Reply::Body(gzip(bytes))))
        .collect()
}

/// A fresh empty directory under the system temp dir.
fn temp_dir(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!("dlr-fetch-{tag}-{}-{nanos}", std::process::id()));
    fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Names of the entries in `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read dir")
        .map(|entry| {
            entry
                .expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// A base URL on which nothing listens: a port just bound, then released.
fn dead_mirror() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let port = listener.local_addr().expect("local addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}/mnist/")
}

// ---------------------------------------------------------------------------
// Cases.

#[test]
fn good_files_land_under_final_names_and_load() {
    let set = tiny_set();
    let sums = table(&set);
    let server = Server::start(good_routes(&set));
    let dir = temp_dir("good");
    fetch::fetch_with(&dir, &server.mirrors(), &as_refs(&sums), true).expect("fetch");
    let mut expected: Vec<String> = set.iter().map(|(name, _)| format!("{name}.gz")).collect();
    expected.sort();
    assert_eq!(entries(&dir), expected);
    let loaded = mnist::load_dir(&dir).expect("fetched set loads");
    assert_eq!((loaded.train.len(), loaded.test.len()), (5, 3));
    assert_eq!(loaded.train.images(), &set[0].1[16..]);
    assert_eq!(loaded.test.labels(), &set[3].1[8..]);

    // A second fetch verifies what is there and downloads nothing.
    let hits_before = server.hits().len();
    fetch::fetch_files(&dir, &server.mirrors(), &as_refs(&sums)).expect("refetch");
    assert_eq!(server.hits().len(), hits_before);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn bad_first_mirror_falls_back_to_the_second() {
    let set = tiny_set();
    let sums = table(&set);
    let mut bad = good_routes(&set);
    // Train images: gzip bytes flipped mid-stream.
    if let Some(Reply::Body(body)) = bad.get_mut(&format!("{}.gz", set[0].0)) {
        let mid = body.len() / 2;
        body[mid] ^= 0x55;
    }
    // Train labels: a valid gzip of different content (checksum mismatch).
    let mut other_labels = set[1].1.clone();
    other_labels[8] = 9 - other_labels[8];
    bad.insert(format!("{}.gz", set[1].0), Reply::Body(gzip(&other_labels)));
    // Test images: 404.
    bad.remove(&format!("{}.gz", set[2].0));
    // Test labels: a gzip bomb for its header.
    let mut bomb = set[3].1.clone();
    bomb.resize(1 << 20, 0);
    bad.insert(format!("{}.gz", set[3].0), Reply::Body(gzip(&bomb)));

    let first = Server::start(bad);
    let second = Server::start(good_routes(&set));
    let dir = temp_dir("fallback");
    let mirrors = [first.base.clone(), second.base.clone()];
    fetch::fetch_files(&dir, &mirrors, &as_refs(&sums)).expect("second mirror is good");
    assert_eq!(
        first.hits().len(),
        4,
        "every file was tried first on the bad mirror"
    );
    assert_eq!(second.hits().len(), 4);
    assert_eq!(entries(&dir).len(), 4, "{:?}", entries(&dir));
    mnist::load_dir(&dir).expect("fetched set loads");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn bad_copies_everywhere_leave_nothing_behind() {
    let set = tiny_set();
    let sums = table(&set);
    let mut bad = good_routes(&set);
    let mut other_images = set[0].1.clone();
    other_images[20] ^= 1;
    bad.insert(format!("{}.gz", set[0].0), Reply::Body(gzip(&other_images)));
    let mirrors = [Server::start(bad.clone()).base, Server::start(bad).base];
    let dir = temp_dir("allbad");
    let err = fetch::fetch_files(&dir, &mirrors, &as_refs(&sums)).expect_err("no good copy");
    assert!(
        matches!(&err, DataError::Download { file, .. } if file == mnist::TRAIN_IMAGES),
        "{err}"
    );
    let text = err.to_string();
    assert!(!text.contains('\n'), "{text}");
    assert!(text.contains("no mirror served a good copy"), "{text}");
    assert!(text.contains("SHA-256 mismatch"), "{text}");
    assert!(
        !text.contains(".part"),
        "names the fault, not the temp file: {text}"
    );
    assert_eq!(
        entries(&dir),
        Vec::<String>::new(),
        "no final or .part file"
    );
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn plain_idx_served_as_gz_is_refused() {
    let set = tiny_set();
    let sums = table(&set);
    let mut routes = good_routes(&set);
    // The right bytes, but not gzipped: saved as `.gz`, they would not load.
    routes.insert(format!("{}.gz", set[2].0), Reply::Body(set[2].1.clone()));
    let server = Server::start(routes);
    let dir = temp_dir("plain");
    let err = fetch::fetch_files(&dir, &server.mirrors(), &as_refs(&sums))
        .expect_err("plain bytes under a .gz name");
    assert!(err.to_string().contains("not a gzip file"), "{err}");
    let text = err.to_string();
    assert!(
        !text.contains(".part"),
        "names the fault, not the temp file: {text}"
    );
    // The two train files came first and are good; nothing else is left.
    let mut expected = vec![
        format!("{}.gz", mnist::TRAIN_IMAGES),
        format!("{}.gz", mnist::TRAIN_LABELS),
    ];
    expected.sort();
    assert_eq!(entries(&dir), expected);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn cut_download_leaves_nothing_behind() {
    let set = tiny_set();
    let sums = table(&set);
    let mut routes = good_routes(&set);
    let full = gzip(&set[0].1);
    routes.insert(
        format!("{}.gz", set[0].0),
        Reply::Cut {
            declared: full.len() + 1000,
            body: full,
        },
    );
    let server = Server::start(routes);
    let dir = temp_dir("cut");
    let err = fetch::fetch_files(&dir, &server.mirrors(), &as_refs(&sums))
        .expect_err("body shorter than Content-Length");
    assert!(matches!(err, DataError::Download { .. }), "{err}");
    assert!(!err.to_string().contains('\n'), "{err}");
    assert_eq!(
        entries(&dir),
        Vec::<String>::new(),
        "no final or .part file"
    );
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn unreachable_mirrors_end_in_one_line_that_says_what_to_do() {
    let set = tiny_set();
    let sums = table(&set);
    let dir = temp_dir("offline");
    let mirrors = [dead_mirror(), dead_mirror()];
    let err = fetch::fetch_files(&dir, &mirrors, &as_refs(&sums)).expect_err("offline");
    let text = err.to_string();
    assert!(!text.contains('\n'), "{text}");
    assert!(
        text.starts_with(&format!("cannot download MNIST into {}", dir.display())),
        "{text}"
    );
    assert!(text.contains("no mirror reachable"), "{text}");
    assert!(text.contains(&mirrors[1]), "{text}");
    assert!(
        text.contains("download the four MNIST files yourself"),
        "{text}"
    );
    assert!(text.contains("--data / DLR_DATA"), "{text}");
    assert_eq!(entries(&dir), Vec::<String>::new());
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn an_existing_bad_file_is_reported_not_replaced() {
    let set = tiny_set();
    let sums = table(&set);
    let server = Server::start(good_routes(&set));
    let dir = temp_dir("existing");
    let mine = dir.join(mnist::TRAIN_LABELS);
    let my_labels = idx::write(IdxType::U8, &[5], &[1, 1, 1, 1, 1]);
    fs::write(&mine, &my_labels).expect("write");
    let err = fetch::fetch_files(&dir, &server.mirrors(), &as_refs(&sums))
        .expect_err("the file there is not the pinned one");
    assert!(
        matches!(&err, DataError::Checksum { path, .. } if *path == mine),
        "{err}"
    );
    assert!(
        err.to_string().starts_with(&mine.display().to_string()),
        "{err}"
    );
    assert_eq!(fs::read(&mine).expect("read"), my_labels, "left as it was");
    assert!(
        !server
            .hits()
            .iter()
            .any(|path| path.contains(mnist::TRAIN_LABELS)),
        "{:?}",
        server.hits()
    );
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn sha256_matches_a_known_vector() {
    // FIPS 180-2, appendix B.1.
    assert_eq!(
        fetch::sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

// ---------------------------------------------------------------------------
// The real MNIST, as every development and CI machine has it.

/// `$DLR_DATA` if set, else `../shared/data/mnist` beside the repository.
fn real_mnist_dir() -> PathBuf {
    match std::env::var_os("DLR_DATA") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/mnist"),
    }
}

#[test]
fn pinned_checksums_are_the_shared_sha256sums() {
    let sums_path = real_mnist_dir().join("SHA256SUMS");
    let sums = fs::read_to_string(&sums_path).unwrap_or_else(|err| {
        panic!(
            "{}: {err}; this test needs the shared MNIST copy: set DLR_DATA=../shared/data/mnist",
            sums_path.display()
        )
    });
    let mut listed: Vec<(String, String)> = sums
        .lines()
        .filter_map(|line| {
            let (sha, name) = line.split_once(char::is_whitespace)?;
            Some((name.trim().to_owned(), sha.to_owned()))
        })
        .collect();
    listed.sort();
    let mut pinned: Vec<(String, String)> = fetch::MNIST_SHA256
        .iter()
        .map(|&(name, sha)| (name.to_owned(), sha.to_owned()))
        .collect();
    pinned.sort();
    assert_eq!(pinned, listed);
}

#[test]
fn real_mnist_matches_its_pins_and_loads() {
    let dir = real_mnist_dir();
    assert!(
        dir.is_dir(),
        "{}: no MNIST here; set DLR_DATA to a directory holding the four MNIST files",
        dir.display()
    );
    // Every file is there, so this verifies them all and downloads nothing.
    fetch::fetch(&dir, &[]).unwrap_or_else(|err| panic!("{err}"));
    let set = mnist::load_dir(&dir).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!((set.train.len(), set.test.len()), (60000, 10000));
    assert_eq!(set.train.shape(), (28, 28));
    // The first digits of each set, as every MNIST reader knows them.
    assert_eq!(&set.train.labels()[..5], &[5, 0, 4, 1, 9]);
    assert_eq!(&set.test.labels()[..5], &[7, 2, 1, 0, 4]);
}
