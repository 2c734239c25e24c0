//! Writes the seed corpora of the fuzz targets into `<dir>/<target>/`
//! (default `fuzz/corpus`): small valid inputs of every kind, built with the
//! library's own writers, plus a few edge cases. `fuzz/make_corpus.sh` runs it.
//!
//! Every file is at most a few KiB, so libFuzzer's default `-max_len` (the
//! largest seed, at least 4096) leaves room to grow them.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use dlr::idx::{self, IdxType};
use dlr::optim::{Optimizer, OptimizerKind};
use dlr::train::{TrainConfig, Trainer};

#[path = "../../common/checks.rs"]
mod checks;

fn main() -> std::io::Result<()> {
    let root: PathBuf = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("fuzz/corpus"), PathBuf::from);
    let idx_seeds = idx_arrays();
    let pairs = image_label_pairs();

    // idx_parse: [cut: u16 BE][images][labels], and the arrays themselves
    // (the cut then falls wherever their first bytes say).
    let dir = target_dir(&root, "idx_parse")?;
    for (i, bytes) in idx_seeds.iter().enumerate() {
        write(&dir, &format!("array-{i:02}"), bytes)?;
    }
    for (i, (images, labels)) in pairs.iter().enumerate() {
        let mut seed = (images.len() as u16).to_be_bytes().to_vec();
        seed.extend_from_slice(images);
        seed.extend_from_slice(labels);
        write(&dir, &format!("pair-{i:02}"), &seed)?;
    }

    // idx_gzip: gzip streams, and plain IDX files that the target
    // compresses itself.
    let dir = target_dir(&root, "idx_gzip")?;
    for (i, bytes) in idx_seeds
        .iter()
        .chain(pairs.iter().map(|(im, _)| im))
        .enumerate()
    {
        write(&dir, &format!("gz-{i:02}"), &gzip(bytes))?;
        write(&dir, &format!("raw-{i:02}"), bytes)?;
    }
    // Two members, concatenated (what `gzip -d` reads as one file).
    let (images, _) = &pairs[0];
    let cut = images.len() / 2;
    let mut two = gzip(&images[..cut]);
    two.extend_from_slice(&gzip(&images[cut..]));
    write(&dir, "gz-two-members", &two)?;
    // A bomb: declares 2×2×2 bytes and expands to 64 KiB.
    let mut bomb = idx::write_header(IdxType::U8, &[2, 2, 2]);
    bomb.resize(64 << 10, 0);
    write(&dir, "gz-bomb", &gzip(&bomb))?;
    // Declares 47 MB (MNIST's training images) and holds a few bytes.
    let mut short = idx::write_header(IdxType::U8, &[60000, 28, 28]);
    short.extend_from_slice(&[7; 64]);
    write(&dir, "gz-short", &gzip(&short))?;

    // model_load: model files.
    let dir = target_dir(&root, "model_load")?;
    for (i, sizes) in [&[2usize, 2][..], &[4, 3, 2], &[5, 4, 3, 2], &[16, 8, 10]]
        .iter()
        .enumerate()
    {
        let net = dlr::network::Network::new(sizes, i as u64);
        write(&dir, &format!("model-{i}"), &net.to_bytes())?;
    }

    checkpoints(&root)?;
    println!("seed corpora written under {}", root.display());
    Ok(())
}

/// IDX arrays of every type code and a few shapes, rank 0 to 3.
fn idx_arrays() -> Vec<Vec<u8>> {
    let shapes: [&[usize]; 5] = [&[], &[0], &[3], &[2, 3], &[2, 2, 3]];
    let mut out = Vec::new();
    for dtype in IdxType::ALL {
        for dims in shapes {
            let n: usize = dims.iter().product();
            let data: Vec<u8> = (0..n * dtype.size()).map(|k| (k * 37 + 11) as u8).collect();
            out.push(idx::write(dtype, dims, &data));
        }
    }
    out
}

/// Valid (images, labels) IDX file pairs: `n` images of `r×c`.
fn image_label_pairs() -> Vec<(Vec<u8>, Vec<u8>)> {
    [(1usize, 1usize, 1usize), (3, 2, 2), (4, 3, 5), (10, 4, 4)]
        .iter()
        .map(|&(n, r, c)| {
            let pixels: Vec<u8> = (0..n * r * c).map(|k| (k * 53 % 256) as u8).collect();
            let labels: Vec<u8> = (0..n).map(|k| (k % 10) as u8).collect();
            (
                idx::write(IdxType::U8, &[n, r, c], &pixels),
                idx::write(IdxType::U8, &[n], &labels),
            )
        })
        .collect()
}

/// checkpoint_load: checkpoint files of every
/// optimizer, online and batched, at the start, mid-epoch, at an epoch's
/// end and finished, on the target's own data.
fn checkpoints(root: &Path) -> std::io::Result<()> {
    let dir = target_dir(root, "checkpoint_load")?;
    let (train_set, test_set) = checks::checkpoint_data();
    let pixels = checks::SIDE * checks::SIDE;
    for kind in OptimizerKind::ALL {
        for batch in [1, 3] {
            let net = dlr::network::Network::new(&[pixels, 4, 10], 1);
            let opt = Optimizer::tuned(net.layers(), kind);
            let config = TrainConfig {
                target: 2.0,
                max_epochs: 2.0,
                eval_every: 10,
                batch,
                seed: 3,
                eval_threads: 1,
            };
            let mut trainer = Trainer::new(net, opt, train_set, test_set, &config);
            for stop in [0, 17, 40, u64::MAX] {
                trainer.run_until(stop, |_| {});
                let Some(ck) = trainer.checkpoint() else {
                    continue;
                };
                let name = format!("{kind}-b{batch}-{}", trainer.samples());
                write(&dir, &name, &ck.to_bytes())?;
            }
        }
    }
    Ok(())
}

fn target_dir(root: &Path, target: &str) -> std::io::Result<PathBuf> {
    let dir = root.join(target);
    fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    fs::write(dir.join(format!("seed-{name}")), bytes)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}
