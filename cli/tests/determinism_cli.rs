//! `dlr train` is deterministic: the same seed and options save
//! byte-identical models across runs, `--eval-every` and `--eval-threads`
//! settings, checkpoint intervals, and resumes from a checkpoint (with other
//! evaluation settings); another seed saves another model.

mod ckpt_util;
mod common;

use std::path::Path;

use ckpt_util::{data_set, json_of, train};

/// Trains with `options` plus `extra`, saving to `name` in `data`; returns
/// the model's bytes and the JSON line.
fn saved(
    data: &Path,
    name: &str,
    options: &[&str],
    extra: &[&str],
) -> (Vec<u8>, serde_json::Value) {
    let model = data.join(name);
    let model_arg = model.display().to_string();
    let mut args = options.to_vec();
    args.extend(extra);
    args.extend(["--json", "--save", &model_arg]);
    let v = json_of(&train(data, &args));
    (std::fs::read(&model).unwrap(), v)
}

#[test]
fn same_seed_and_options_save_identical_models_however_run() {
    let data = data_set("det-cli", 400, 60, 8);
    for options in [
        &[
            "--hidden",
            "20",
            "--max-epochs",
            "2.5",
            "--target",
            "2",
            "--seed",
            "6",
        ][..],
        &[
            "--optimizer",
            "adam",
            "--batch",
            "6",
            "--hidden",
            "20",
            "--max-epochs",
            "2.5",
            "--target",
            "2",
            "--seed",
            "6",
        ],
    ] {
        let (reference, v) = saved(&data, "a.model", options, &["--eval-every", "100"]);
        assert_eq!(v["samples"], 1000);
        let (again, _) = saved(&data, "b.model", options, &["--eval-every", "100"]);
        assert_eq!(again, reference, "{options:?}: two runs differ");
        for eval in [
            &["--eval-every", "1"][..],
            &["--eval-every", "37", "--eval-threads", "2"],
            &["--eval-every", "0"],
        ] {
            let (m, _) = saved(&data, "c.model", options, eval);
            assert_eq!(
                m, reference,
                "{options:?} {eval:?}: evaluation changed the model"
            );
        }
        // Checkpoints every 77 samples change nothing, nor does resuming
        // the final checkpoint.
        let ck = data.join("run.ckpt");
        let ck_arg = ck.display().to_string();
        let _ = std::fs::remove_file(&ck);
        let extra = ["--checkpoint", &ck_arg, "--checkpoint-every", "77"];
        let (m, _) = saved(&data, "d.model", options, &extra);
        assert_eq!(m, reference, "{options:?}: checkpointing changed the model");
        let (m, v) = saved(&data, "e.model", options, &["--resume", &ck_arg]);
        assert_eq!(
            m, reference,
            "{options:?}: resuming the end changed the model"
        );
        assert_eq!(v["samples"], 1000);
        // A checkpoint part-way (what a killed run leaves), resumed with
        // other evaluation settings.
        let mid = data.join("mid.ckpt");
        write_midway(&data, &mid, options, 433);
        let mid_arg = mid.display().to_string();
        let extra = [
            "--resume",
            &mid_arg,
            "--eval-every",
            "250",
            "--eval-threads",
            "1",
        ];
        let (m, v) = saved(&data, "f.model", options, &extra);
        assert_eq!(
            m, reference,
            "{options:?}: resuming part-way changed the model"
        );
        assert_eq!(v["samples"], 1000);
    }
    let options = ["--hidden", "20", "--max-epochs", "2.5", "--target", "2"];
    let (one, _) = saved(&data, "s1.model", &options, &["--seed", "1"]);
    let (two, _) = saved(&data, "s2.model", &options, &["--seed", "2"]);
    assert_ne!(one, two, "another seed gave the same model");
    let _ = std::fs::remove_dir_all(&data);
}

/// Writes to `path` the checkpoint that `dlr train options` (the two sets
/// above) holds after `samples` samples, made through the library as the
/// program makes it.
fn write_midway(data: &Path, path: &Path, options: &[&str], samples: u64) {
    use dlr::optim::{Optimizer, OptimizerKind};
    let value = |flag: &str| {
        options
            .iter()
            .position(|&o| o == flag)
            .map(|i| options[i + 1])
    };
    let kind = OptimizerKind::from_name(value("--optimizer").unwrap_or("dlr")).unwrap();
    let batch: usize = value("--batch").unwrap_or("1").parse().unwrap();
    let seed: u64 = value("--seed").unwrap().parse().unwrap();
    let mnist = dlr::mnist::load_dir(data).unwrap();
    let net = dlr::network::Network::with_init_scale(&[64, 20, 10], seed, 1.0);
    let opt = Optimizer::tuned(net.layers(), kind);
    let config = dlr::train::TrainConfig {
        target: 2.0,
        max_epochs: 2.5,
        eval_every: 100,
        batch,
        seed,
        eval_threads: 1,
    };
    let mut trainer = dlr::train::Trainer::new(net, opt, &mnist.train, &mnist.test, &config);
    trainer.run_until(samples, |_| {});
    let ck = trainer.checkpoint().unwrap();
    assert!(ck.progress.samples >= samples && ck.progress.samples < samples + 6);
    dlr::checkpoint::write_atomically(path, &ck.to_bytes()).unwrap();
}
