//! `dlr sweep` and `dlr report` on a tiny generated IDX set: a killed sweep
//! loses no line and duplicates none when rerun, shards are disjoint and
//! cover the grid (and merge to the one-machine result), diverged runs are
//! recorded, bad input is one line and exit 2.

mod common;

use common::{dlr, output_within};
use dlr_cli::record::RunRecord;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A fresh directory for test `name`, holding a small IDX set of 8×8 images
/// in `data/`.
fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dlr-sweep-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    common::write_tiny_set(&data);
    dir
}

/// 2 optimizers x 4 sizes x 2 rates x 4 seeds = 64 runs of 20 epochs on 300
/// images, evaluated every 10 samples: long enough to be killed mid-way.
const GRID: &str = r#"{
  "name": "test",
  "hidden": [4, 8, 16, 32],
  "seeds": 4,
  "target": 1.5,
  "max_epochs": 20,
  "eval_every": 10,
  "params": {"sgd": {"lr": [0.2, 0.5]}, "dlr": {"lr": [1, 2], "alpha": [0.3]}}
}"#;
const GRID_RUNS: usize = 64;

fn sweep(dir: &Path, grid: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut c = dlr();
    c.arg("sweep")
        .arg("--grid")
        .arg(grid)
        .arg("--out")
        .arg(out)
        .arg("--data")
        .arg(dir.join("data"))
        .arg("--quiet")
        .args(extra);
    c
}

fn run_ok(c: &mut Command) -> Output {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Every line of `path`, parsed; panics on a partial or bad line.
fn lines(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "{} ends with a partial line",
        path.display()
    );
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l:?}: {e}")))
        .collect()
}

/// key -> the result fields that do not depend on timing.
fn results(lines: &[Value]) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for v in lines {
        let key = v["key"].as_str().unwrap().to_string();
        let result = format!(
            "{} {} {} {} {}",
            v["reached"], v["test_accuracy"], v["samples"], v["epochs"], v["diverged"]
        );
        assert!(m.insert(key.clone(), result).is_none(), "duplicate {key}");
    }
    m
}

#[test]
fn killed_sweep_resumes_without_losing_or_duplicating_lines() {
    let dir = workdir("kill");
    let grid = dir.join("grid.json");
    std::fs::write(&grid, GRID).unwrap();
    let out = dir.join("runs.jsonl");

    // Reference: the same sweep, uninterrupted.
    let reference = dir.join("reference.jsonl");
    run_ok(&mut sweep(&dir, &grid, &reference, &["--jobs", "2"]));
    let want = results(&lines(&reference));
    assert_eq!(want.len(), GRID_RUNS);

    // Kill it once some lines are written, several times over.
    let mut kills = 0;
    for _ in 0..3 {
        let mut child = sweep(&dir, &grid, &out, &["--jobs", "2"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let before = std::fs::read(&out).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
        let t0 = Instant::now();
        loop {
            let now = std::fs::read(&out).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
            if now >= before + 5 || t0.elapsed() > Duration::from_secs(60) {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        child.kill().unwrap();
        let status = child.wait().unwrap();
        if !status.success() {
            kills += 1;
        }
        let n = lines(&out).len();
        assert!(n < GRID_RUNS, "the sweep finished before it was killed");
    }
    assert!(kills > 0, "no sweep was killed mid-way");
    let held = std::fs::read(&out).unwrap();
    run_ok(&mut sweep(&dir, &grid, &out, &["--jobs", "2"]));
    let after = std::fs::read(&out).unwrap();
    assert!(
        after.starts_with(&held),
        "the rerun changed lines already written"
    );
    let got = results(&lines(&out));
    assert_eq!(
        got, want,
        "resumed results differ from an uninterrupted sweep"
    );

    // A third run trains nothing.
    let o = run_ok(&mut sweep(&dir, &grid, &out, &[]));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains(", 0 trained"), "{text}");
    assert_eq!(std::fs::read(&out).unwrap(), after);
}

#[test]
fn trailing_partial_line_is_cut_and_the_run_redone() {
    let dir = workdir("partial");
    let grid = dir.join("grid.toml");
    std::fs::write(
        &grid,
        "hidden = [4]\nseeds = 3\nmax_epochs = 1\n[params.sgd]\nlr = [0.3]\n",
    )
    .unwrap();
    let out = dir.join("runs.jsonl");
    run_ok(&mut sweep(&dir, &grid, &out, &[]));
    let full = std::fs::read(&out).unwrap();
    let want = results(&lines(&out));
    assert_eq!(want.len(), 3);
    // Keep two lines and half of the third, as a kill inside a write would.
    let cut = full
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .nth(1)
        .unwrap()
        .0
        + 1;
    std::fs::write(&out, &full[..cut + 20]).unwrap();
    run_ok(&mut sweep(&dir, &grid, &out, &[]));
    assert_eq!(results(&lines(&out)), want);
    assert_eq!(lines(&out).len(), 3);
}

fn list(dir: &Path, grid: &Path, shard: Option<&str>) -> Vec<String> {
    let mut c = dlr();
    c.arg("sweep").arg("--grid").arg(grid).arg("--list");
    if let Some(s) = shard {
        c.args(["--shard", s]);
    }
    let _ = dir;
    let o = run_ok(&mut c);
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn shards_are_disjoint_and_cover_the_grid() {
    let dir = workdir("shards");
    let grid = dir.join("grid.json");
    std::fs::write(&grid, GRID).unwrap();
    let all = list(&dir, &grid, None);
    assert_eq!(all.len(), GRID_RUNS);
    assert_eq!(all.iter().collect::<BTreeSet<_>>().len(), GRID_RUNS);
    for n in [1, 2, 3, 4, 7, 64, 100] {
        let mut seen = BTreeSet::new();
        for i in 0..n {
            for k in list(&dir, &grid, Some(&format!("{i}/{n}"))) {
                assert!(seen.insert(k.clone()), "{k} is in two of {n} shards");
            }
        }
        assert_eq!(
            seen,
            all.iter().cloned().collect::<BTreeSet<_>>(),
            "{n} shards do not cover the grid"
        );
    }
}

#[test]
fn four_shards_merge_to_the_one_machine_result() {
    let dir = workdir("merge");
    let grid = dir.join("grid.json");
    std::fs::write(
        &grid,
        r#"{"hidden": [4, 8], "seeds": 3, "max_epochs": 3, "eval_every": 30, "target": 0.3,
            "params": {"sgd": {"lr": [0.5]}, "dlr": {}}}"#,
    )
    .unwrap();
    let one = dir.join("one.jsonl");
    run_ok(&mut sweep(&dir, &grid, &one, &["--jobs", "2"]));
    let mut parts = Vec::new();
    for i in 0..4 {
        let p = dir.join(format!("part-{i}.jsonl"));
        run_ok(&mut sweep(
            &dir,
            &grid,
            &p,
            &["--jobs", "1", "--shard", &format!("{i}/4")],
        ));
        parts.extend(lines(&p));
    }
    assert_eq!(results(&parts), results(&lines(&one)));

    // The report over the parts: tables and plots with labels and legends.
    let rep = dir.join("report");
    let mut c = dlr();
    c.arg("report").arg("--out").arg(&rep);
    for i in 0..4 {
        c.arg(dir.join(format!("part-{i}.jsonl")));
    }
    let o = run_ok(&mut c);
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("| sgd | 4 |"), "{table}");
    let md = std::fs::read_to_string(rep.join("report.md")).unwrap();
    assert!(md.contains("| dlr | 8 |"), "{md}");
    let csv = std::fs::read_to_string(rep.join("best.csv")).unwrap();
    assert!(csv.starts_with("optimizer,hidden,params"), "{csv}");
    let svg = std::fs::read_to_string(rep.join("epochs.svg")).unwrap();
    // Axis descriptions, legend entries, error bars (paths beyond the lines).
    let flat = svg.split_whitespace().collect::<Vec<_>>().join(" ");
    for text in [
        "> hidden units H <",
        "> epochs to target <",
        "> sgd <",
        "> dlr <",
    ] {
        assert!(flat.contains(text), "epochs.svg lacks {text}");
    }
    assert!(flat.matches("<polyline").count() >= 4, "{flat}");
}

/// `dlr report` on nets of two hidden layers plots them, a panel per
/// layout with the first layer's size as x (they were once left out of the
/// plots, which came out empty).
#[test]
fn report_plots_two_hidden_layers_a_panel_per_layout() {
    let dir = workdir("deep-report");
    let grid = dir.join("grid.json");
    std::fs::write(
        &grid,
        r#"{"hidden": [[16, 8], [32, 16], [16, 32], [32, 64]], "seeds": 2, "max_epochs": 10,
            "eval_every": 30, "target": 0.25, "params": {"sgd": {"lr": [0.5]}, "dlr": {}}}"#,
    )
    .unwrap();
    let runs = dir.join("runs.jsonl");
    run_ok(&mut sweep(&dir, &grid, &runs, &["--jobs", "2"]));
    let reached = lines(&runs)
        .iter()
        .filter(|v| v["reached"].as_bool() == Some(true))
        .count();
    assert!(
        reached >= 8,
        "too few runs reached the target: {reached} of 16"
    );
    let rep = dir.join("report");
    run_ok(dlr().arg("report").arg("--out").arg(&rep).arg(&runs));
    for svg in ["epochs.svg", "ratio_to_sgd.svg"] {
        let text = std::fs::read_to_string(rep.join(svg))
            .unwrap_or_else(|e| panic!("{svg} was not written: {e}"));
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for layout in ["hidden H-H/2 <", "hidden H-2H <"] {
            assert!(flat.contains(layout), "{svg} has no panel {layout:?}");
        }
        // Two layouts x two rules, each a line of two sizes (SGD's ratio
        // line is flat at 1 but drawn too).
        let lines_drawn = flat.matches("<polyline").count();
        assert!(lines_drawn >= 4, "{svg}: {lines_drawn} polylines");
    }
}

#[test]
fn diverged_runs_are_recorded_and_the_sweep_goes_on() {
    let dir = workdir("diverge");
    let grid = dir.join("grid.json");
    std::fs::write(
        &grid,
        // Adam with ε = 0 divides 0 by 0 on the rows of blank pixels.
        r#"{"hidden": [8], "max_epochs": 1, "params": {"adam": {"eps": [0, 1e-4]}}}"#,
    )
    .unwrap();
    let out = dir.join("runs.jsonl");
    let o = run_ok(&mut sweep(&dir, &grid, &out, &[]));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("1 diverged"),
        "{o:?}"
    );
    let ls = lines(&out);
    assert_eq!(ls.len(), 2);
    let by_eps: BTreeMap<String, bool> = ls
        .iter()
        .map(|v| (v["eps"].to_string(), v["diverged"].as_bool().unwrap()))
        .collect();
    assert_eq!(by_eps.get("0.0"), Some(&true), "{ls:?}");
    assert_eq!(by_eps.get("0.0001"), Some(&false), "{ls:?}");
    assert!(ls.iter().any(|v| v["diverged_step"].is_u64()));
}

#[track_caller]
fn assert_bad(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "stderr: {err}");
    assert!(err.contains(needle), "{err:?} lacks {needle:?}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let dir = workdir("bad");
    let grid = dir.join("grid.json");
    let out = dir.join("runs.jsonl");

    std::fs::write(&grid, r#"{"hidden": [8], "sedes": 3}"#).unwrap();
    assert_bad(
        &sweep(&dir, &grid, &out, &[]).output().unwrap(),
        "unknown key 'sedes'",
    );
    std::fs::write(
        &grid,
        r#"{"hidden": [8], "params": {"sgd": {"alpha": [1]}}}"#,
    )
    .unwrap();
    assert_bad(
        &sweep(&dir, &grid, &out, &[]).output().unwrap(),
        "does not apply to sgd",
    );
    std::fs::write(&grid, r#"{"hidden": [8], "params": {"sgd": {"lr": [-1]}}}"#).unwrap();
    assert_bad(&sweep(&dir, &grid, &out, &[]).output().unwrap(), "lr");
    std::fs::write(&grid, "{not json").unwrap();
    assert_bad(
        &sweep(&dir, &grid, &out, &[]).output().unwrap(),
        "grid.json",
    );

    std::fs::write(&grid, r#"{"hidden": [4], "max_epochs": 0.5}"#).unwrap();
    assert_bad(
        &sweep(&dir, &grid, &out, &["--shard", "4/4"])
            .output()
            .unwrap(),
        "--shard",
    );
    // A corrupt complete line in the results is not silently re-run.
    std::fs::write(&out, "{\"optimizer\":\"sgd\"}\n").unwrap();
    assert_bad(
        &sweep(&dir, &grid, &out, &[]).output().unwrap(),
        "runs.jsonl:1",
    );
    let o = dlr()
        .args(["sweep", "--preset", "nope", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_bad(&o, "unknown preset 'nope'");
    let o = dlr()
        .arg("report")
        .arg(dir.join("missing.jsonl"))
        .output()
        .unwrap();
    assert_bad(&o, "missing.jsonl");
}

#[test]
fn toml_and_json_grids_expand_alike() {
    let toml = r#"
name = "g"
hidden = [10, [20, 5]]
seeds = [3, 4]
max_epochs = 2
[params.adam]
lr = [0.001, 0.002]
eps = [1e-4]
[params.dlr]
alpha = [0.3, 0.5]
"#;
    let json = r#"{"name": "g", "hidden": [10, [20, 5]], "seeds": [3, 4], "max_epochs": 2,
        "params": {"adam": {"lr": [0.001, 0.002], "eps": [1e-4]}, "dlr": {"alpha": [0.3, 0.5]}}}"#;
    let a = dlr_cli::sweep::Grid::from_toml_str(toml).unwrap();
    let b = dlr_cli::sweep::Grid::from_json_str(json).unwrap();
    assert_eq!(a, b);
    // adam 2 x dlr 2 configurations, 2 sizes, 2 seeds.
    assert_eq!(a.runs.len(), 16);
    assert_eq!(a.runs[0].optimizer.kind(), dlr::optim::OptimizerKind::Adam);
    assert!(a.runs.iter().all(|r| r.max_epochs == 2.0));
    // Keys read back from the result line.
    for r in &a.runs {
        let v = Value::Object(r.to_json());
        assert_eq!(
            <dlr::train::RunSpec as RunRecord>::from_json(&v)
                .unwrap()
                .key(),
            r.key()
        );
    }
}

/// A sweep refused because another holds the file's lock leaves the file
/// as it was: it takes the lock before it opens (and would repair) the
/// file.
#[test]
fn a_second_sweep_on_the_same_file_exits_2_at_once_naming_the_holder() {
    let dir = workdir("lock");
    let out = dir.join("runs.jsonl");
    // One whole result line, then the start of a line cut short, which a
    // sweep that opens the file cuts away.
    let small = dir.join("small.json");
    std::fs::write(
        &small,
        r#"{"name": "small", "hidden": [4], "seeds": 1, "max_epochs": 0.1,
            "params": {"sgd": {"lr": [0.5]}}, "optimizers": ["sgd"]}"#,
    )
    .unwrap();
    run_ok(&mut sweep(&dir, &small, &out, &[]));
    let whole = std::fs::read(&out).unwrap();
    let cut_line: &[u8] = br#"{"optimizer":"sgd","hidden":4,"#;
    let append_cut_line = || {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(&out).unwrap();
        f.write_all(cut_line).unwrap();
    };
    append_cut_line();
    // The holder: one run of a million epochs, killed long before it ends,
    // so that it writes no line meanwhile.
    let slow = dir.join("slow.json");
    std::fs::write(
        &slow,
        r#"{"name": "slow", "hidden": [4], "seeds": 1, "target": 2, "max_epochs": 1000000,
            "params": {"sgd": {"lr": [0.5]}}, "optimizers": ["sgd"]}"#,
    )
    .unwrap();
    let mut first = sweep(&dir, &slow, &out, &["--jobs", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The first holds the lock once it has written its holder line, and
    // has opened the file once the cut line is gone.
    let lock = dir.join("runs.jsonl.lock");
    let t0 = Instant::now();
    while std::fs::read_to_string(&lock).map_or(true, |t| t.is_empty())
        || std::fs::read(&out).unwrap() != whole
    {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "no lock file, or the file was not repaired"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // The cut line again, for the second sweep to leave alone.
    append_cut_line();
    let before = std::fs::read(&out).unwrap();
    let t1 = Instant::now();
    let second = sweep(&dir, &small, &out, &["--jobs", "1"])
        .output()
        .unwrap();
    let took = t1.elapsed();
    let after = std::fs::read(&out).unwrap();
    let _ = first.kill();
    let _ = first.wait();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("runs.jsonl"), "{stderr}");
    assert!(
        stderr.contains(&format!("pid {}", first.id())),
        "does not name the holder: {stderr}"
    );
    assert!(took < Duration::from_secs(10), "it waited {took:?}");
    assert!(
        after == before,
        "the refused sweep changed the file: {:?} became {:?}",
        String::from_utf8_lossy(&before),
        String::from_utf8_lossy(&after)
    );
    // Once the holder is gone, the file can be written again: the cut line
    // goes, and the run already there is not run again.
    run_ok(&mut sweep(&dir, &small, &out, &[]));
    assert_eq!(std::fs::read(&out).unwrap(), whole);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A grid of `seeds` quick SGD runs at H = 4 on the tiny set.
fn quick_grid(dir: &Path, seeds: u32) -> PathBuf {
    let grid = dir.join(format!("quick-{seeds}.json"));
    std::fs::write(
        &grid,
        format!(
            r#"{{"name": "quick", "hidden": [4], "seeds": {seeds}, "max_epochs": 0.2,
                "eval_every": 30, "params": {{"sgd": {{"lr": [0.5]}}}}}}"#
        ),
    )
    .unwrap();
    grid
}

/// The whole `--out` file is checked before anything in it changes: a bad
/// line anywhere is exit 2 with the file as it was, even when its last line
/// is a partial one that a good file would have cut; a line must be a whole
/// result (configuration and result keys); and a last line without a
/// newline that is not a record cut short (someone else's text) is not cut.
#[test]
fn the_out_file_is_checked_whole_before_any_change() {
    let dir = workdir("validate");
    let grid = quick_grid(&dir, 2);
    let out = dir.join("runs.jsonl");
    run_ok(&mut sweep(&dir, &grid, &out, &[]));
    let good = std::fs::read_to_string(&out).unwrap();
    let good_lines: Vec<&str> = good.lines().collect();
    assert_eq!(good_lines.len(), 2);

    // A corrupt second line and a partial third: nothing is cut.
    let corrupt = format!(
        "{}\nnot json\n{}\n{{\"optimizer\":\"sg",
        good_lines[0], good_lines[1]
    );
    std::fs::write(&out, &corrupt).unwrap();
    assert_bad(
        &sweep(&dir, &grid, &out, &[]).output().unwrap(),
        "runs.jsonl:2",
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), corrupt);

    // A line with the configuration but without the result keys.
    let mut v: Value = serde_json::from_str(good_lines[0]).unwrap();
    v.as_object_mut().unwrap().remove("reached");
    let no_result = format!("{v}\n{}\n", good_lines[1]);
    std::fs::write(&out, &no_result).unwrap();
    assert_bad(
        &sweep(&dir, &grid, &out, &[]).output().unwrap(),
        "runs.jsonl:1",
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), no_result);

    // Someone else's one-line text without a newline is not a cut record.
    std::fs::write(&out, "my notes").unwrap();
    assert_bad(
        &sweep(&dir, &grid, &out, &[]).output().unwrap(),
        "runs.jsonl:1",
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "my notes");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A last line that is a whole record but lost its newline is kept (not
/// cut and trained again), and the next line goes after a newline.
#[test]
fn a_whole_last_line_without_its_newline_is_kept() {
    let dir = workdir("unterminated");
    let out = dir.join("runs.jsonl");
    run_ok(&mut sweep(&dir, &quick_grid(&dir, 2), &out, &[]));
    let full = std::fs::read_to_string(&out).unwrap();
    let stripped = full.strip_suffix('\n').unwrap();
    std::fs::write(&out, stripped).unwrap();

    let o = run_ok(&mut sweep(&dir, &quick_grid(&dir, 3), &out, &[]));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("3 runs, 2 already in"), "{text}");
    assert!(text.contains(", 1 trained"), "{text}");
    let after = std::fs::read_to_string(&out).unwrap();
    assert!(after.starts_with(&full), "the kept lines changed: {after}");
    let ls = lines(&out);
    assert_eq!(ls.len(), 3);
    assert_eq!(results(&ls).len(), 3);
    let _ = std::fs::remove_dir_all(&dir);
}

/// An `--out` that is a directory, a FIFO or a device is exit 2 at once
/// (not after training, not blocked reading a FIFO), and no lock file is
/// made beside it.
#[test]
fn an_out_that_is_not_a_regular_file_is_exit_2_before_training() {
    let dir = workdir("not-regular");
    let grid = quick_grid(&dir, 1);
    let sub = dir.join("sub");
    std::fs::create_dir(&sub).unwrap();
    let fifo = dir.join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo {}", fifo.display());
    for out in [sub.clone(), fifo.clone(), PathBuf::from("/dev/null")] {
        let o = output_within(&mut sweep(&dir, &grid, &out, &[]), 60);
        assert_bad(&o, "not a regular file");
        assert_bad(&o, &out.display().to_string());
    }
    assert!(!dir.join("sub.lock").exists(), "a lock beside a directory");
    assert!(!dir.join("fifo.lock").exists(), "a lock beside a FIFO");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A sweep removes its lock file when it ends, but only the one it made:
/// not one that was there before it (left by a killed sweep), nor one that
/// replaced its own while it ran (another sweep's).
#[test]
fn the_lock_file_is_removed_only_by_the_sweep_that_made_it() {
    let dir = workdir("lock-removal");
    let out = dir.join("runs.jsonl");
    let lock = dir.join("runs.jsonl.lock");
    run_ok(&mut sweep(&dir, &quick_grid(&dir, 1), &out, &[]));
    assert!(!lock.exists(), "the sweep left the lock file it made");

    // A lock file that was there before: taken, used, left in place.
    std::fs::write(&lock, "pid 1 on elsewhere\n").unwrap();
    run_ok(&mut sweep(&dir, &quick_grid(&dir, 2), &out, &[]));
    assert!(
        lock.exists(),
        "the sweep removed a lock file it did not make"
    );
    std::fs::remove_file(&lock).unwrap();

    // Its own lock file replaced while it runs: the new one stays. 8 runs
    // of about 0.15 s each (on a desktop core), so that 7 are left once the
    // first line is written.
    let slow = dir.join("slow.json");
    std::fs::write(
        &slow,
        r#"{"hidden": [64], "seeds": 8, "target": 1.5, "max_epochs": 60, "eval_every": 1,
            "optimizers": ["sgd"]}"#,
    )
    .unwrap();
    let slow_out = dir.join("slow.jsonl");
    let slow_lock = dir.join("slow.jsonl.lock");
    let mut child = sweep(&dir, &slow, &slow_out, &["--jobs", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while std::fs::read(&slow_out).map_or(true, |t| !t.contains(&b'\n')) {
        assert!(t0.elapsed() < Duration::from_secs(120), "no line written");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sweep ended before writing a line"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(slow_lock.exists(), "no lock file while the sweep runs");
    std::fs::remove_file(&slow_lock).unwrap();
    let theirs = "pid 4242 on another host\n";
    std::fs::write(&slow_lock, theirs).unwrap();
    assert!(
        child.try_wait().unwrap().is_none(),
        "the sweep ended before its lock was replaced: make the grid longer"
    );
    assert!(child.wait().unwrap().success());
    assert_eq!(lines(&slow_out).len(), 8);
    assert_eq!(
        std::fs::read_to_string(&slow_lock).ok().as_deref(),
        Some(theirs),
        "the sweep removed another process's lock file"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A grid that expands to more than a million runs (or to more than a
/// `usize` counts) is one line naming the count, before anything is built.
#[test]
fn a_grid_of_more_than_a_million_runs_is_exit_2() {
    let dir = workdir("max-runs");
    let grid = dir.join("grid.json");
    let list = |text: &str| {
        std::fs::write(&grid, text).unwrap();
        let mut c = dlr();
        c.arg("sweep").arg("--grid").arg(&grid).arg("--list");
        output_within(&mut c, 60)
    };
    let o = list(r#"{"hidden": [4], "seeds": 100000000000, "optimizers": ["sgd"]}"#);
    assert_bad(&o, "100000000000 runs");
    assert_bad(&o, "1000000");
    // 10^18 seeds x 100 sizes overflows a 64-bit count.
    let sizes: Vec<String> = (1..=100).map(|h| h.to_string()).collect();
    let o = list(&format!(
        r#"{{"hidden": [{}], "seeds": 1000000000000000000, "optimizers": ["sgd"]}}"#,
        sizes.join(",")
    ));
    assert_bad(&o, "runs");
    assert_bad(&o, "1000000");
    // The limit counts every grid of `grids` and every parameter list.
    let o = list(
        r#"{"optimizers": ["sgd"], "hidden": [4],
            "grids": [{"seeds": 500000}, {"seeds": 500001}]}"#,
    );
    assert_bad(&o, "1000001 runs");
    // 5 rates x 10 alphas x 2 sizes x 10001 seeds.
    let o = list(
        r#"{"hidden": [4, 8], "seeds": 10001,
            "params": {"dlr": {"lr": [1, 2, 3, 4, 5], "alpha": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]}}}"#,
    );
    assert_bad(&o, "1000100 runs");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every network of a grid is checked before any run starts (a too large
/// one anywhere in the grid leaves the output file untouched), and an empty
/// list of hidden sizes is refused.
#[test]
fn every_network_of_a_grid_is_checked_before_any_run() {
    let dir = workdir("networks");
    let grid = dir.join("grid.json");
    let out = dir.join("runs.jsonl");
    let run = |text: &str| {
        std::fs::write(&grid, text).unwrap();
        output_within(&mut sweep(&dir, &grid, &out, &[]), 120)
    };
    let o = run(r#"{"hidden": [[]], "max_epochs": 0.1, "optimizers": ["sgd"]}"#);
    assert_bad(&o, "'hidden'");
    assert!(!out.exists(), "a run was made");
    let o = run(r#"{"hidden": [4, [8, []]], "max_epochs": 0.1, "optimizers": ["sgd"]}"#);
    assert_bad(&o, "'hidden'");
    let o = run(
        r#"{"hidden": [4, [4294967296, 4294967296]], "max_epochs": 0.1, "optimizers": ["sgd"]}"#,
    );
    assert_bad(&o, "weights");
    assert!(!out.exists(), "a run was made before the network check");
    let o = run(r#"{"hidden": [4, [40000, 40000]], "max_epochs": 0.1, "optimizers": ["sgd"]}"#);
    assert_bad(&o, "1602960000 weights");
    assert!(!out.exists(), "a run was made before the network check");
    assert!(!dir.join("runs.jsonl.lock").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Writes an IDX set of one `side`×`side` image for training and one for
/// testing into `dir`.
fn write_large_image_set(dir: &Path, side: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let image = vec![0u8; side * side];
    for prefix in ["train", "t10k"] {
        std::fs::write(
            dir.join(format!("{prefix}-images-idx3-ubyte")),
            common::idx_u8(&[1, side, side], &image),
        )
        .unwrap();
        std::fs::write(
            dir.join(format!("{prefix}-labels-idx1-ubyte")),
            common::idx_u8(&[1], &[1]),
        )
        .unwrap();
    }
}

/// `dlr repro` checks the JSONL files it resumes from and the size of every
/// network it will train before it trains anything: a corrupt file of a
/// later figure, or one that is not a regular file, is exit 2 with no
/// earlier figure trained; so is a network of more than 2^30 weights.
#[test]
fn repro_checks_its_inputs_before_training() {
    let dir = workdir("repro");
    let out = dir.join("repro");
    std::fs::create_dir_all(&out).unwrap();
    let repro = |figures: &str, data: &Path| {
        let mut c = dlr();
        c.args(["repro", "--quick", "--jobs", "2", "--figures", figures])
            .arg("--out")
            .arg(&out)
            .arg("--data")
            .arg(data)
            .env("DLR_CACHE", "off");
        output_within(&mut c, 300)
    };
    let fig2 = out.join("fig2-quick.jsonl");
    std::fs::write(&fig2, "{\"optimizer\":\"sgd\"}\n").unwrap();
    let o = repro("1,2", &dir.join("data"));
    assert_bad(&o, "fig2-quick.jsonl:1");
    assert!(
        !out.join("fig1-quick.jsonl").exists(),
        "figure 1 was trained before figure 2's file was checked"
    );
    assert_eq!(
        std::fs::read_to_string(&fig2).unwrap(),
        "{\"optimizer\":\"sgd\"}\n"
    );
    std::fs::remove_file(&fig2).unwrap();

    std::fs::create_dir(&fig2).unwrap();
    let o = repro("1,2", &dir.join("data"));
    assert_bad(&o, "not a regular file");
    assert!(!out.join("fig1-quick.jsonl").exists());
    std::fs::remove_dir(&fig2).unwrap();

    // 3300 x 3300 pixels: Fig. 3's 10890000-100-2 network has more than
    // 2^30 weights.
    let large = dir.join("large");
    write_large_image_set(&large, 3300);
    let o = repro("3", &large);
    assert_bad(
        &o,
        "figure 3: a 10890000-100-2 network has 1089000200 weights",
    );
    assert!(!out.join("fig3-quick_runs.jsonl").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
