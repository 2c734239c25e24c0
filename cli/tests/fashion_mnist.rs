//! Fashion-MNIST, the second data set of docs/reproduction.md, through the
//! program as a user runs it: the Debian package's gzipped IDX files load
//! as a 784-pixel, ten-class set and train. `.ci/run` installs the package;
//! without it this test fails saying how to get it.

// Only the program helpers of `common` are used here.
#[allow(unused_imports)]
mod common;

use common::{dlr, output_within};
use serde_json::Value;

/// Where Fashion-MNIST is: `$DLR_FASHION_DATA`, else the directory of
/// Debian's `dataset-fashion-mnist` package.
fn fashion_dir() -> std::path::PathBuf {
    let dir = std::env::var_os("DLR_FASHION_DATA")
        .filter(|d| !d.is_empty())
        .map_or_else(
            || std::path::PathBuf::from("/usr/share/datasets/fashion-mnist"),
            Into::into,
        );
    assert!(
        dir.join("train-images-idx3-ubyte.gz").is_file()
            || dir.join("train-images-idx3-ubyte").is_file(),
        "this test needs Fashion-MNIST in {}: install it with `apt-get update && apt-get install \
         -y dataset-fashion-mnist` (.ci/run does), or set DLR_FASHION_DATA to a directory \
         holding its four IDX files",
        dir.display()
    );
    dir
}

#[test]
fn fashion_mnist_loads_and_trains() {
    let dir = fashion_dir();
    let data = dlr::mnist::load_dir(&dir).unwrap();
    assert_eq!((data.train.len(), data.test.len()), (60000, 10000));
    assert_eq!(data.train.shape(), (28, 28));
    assert_eq!((data.train.classes(), data.test.classes()), (10, 10));
    // A tenth of an epoch of DLR at H = 32 learns something.
    let mut c = dlr();
    c.args(["train", "--json", "--hidden", "32", "--max-epochs", "0.1"])
        .args(["--eval-every", "6000", "--target", "0.99", "--data"])
        .arg(&dir)
        .env("DLR_CACHE", "off");
    let o = output_within(&mut c, 300);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8(o.stdout).unwrap();
    let json: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(json["layers"], serde_json::json!([784, 32, 10]));
    let accuracy = json["test_accuracy"].as_f64().unwrap();
    assert!(accuracy > 0.5, "{json}");
}
