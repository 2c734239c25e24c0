#!/usr/bin/env bash
# SIMD paths and other targets, for .ci/run (or by hand from anywhere):
#  1. the kernel and optimizer tests forced to each x86-64 path this machine
#     has (DLR_SIMD), and tests/simd_paths.rs, which runs every path in one
#     process and prints the ones it could not exercise;
#  2. no dispatched kernel left an intrinsic out of line (a call into
#     core_arch from a dlr:: function means a body lost its target features);
#  3. the release binary trains a few hundred steps under
#     `qemu-x86_64 -cpu Nehalem` (SSE2) and `-cpu Haswell` (AVX2) with no
#     SIGILL, names that path, and saves the host's bits for it;
#  4. the library's and the program's tests on aarch64 (NEON) under
#     qemu-user, the tests starting `dlr` through it ($DLR_TEST_RUNNER);
#  5. the no_std tests on wasm32-wasip1 with simd128 under Node's WASI.
# It installs what it needs (apt-get, rustup). DLR_DATA: MNIST (default
# ../shared/data/mnist). The steps are named paths, inline, qemu-x86,
# aarch64, aarch64-cli and wasm; CROSS_SKIP="aarch64 aarch64-cli wasm" skips
# steps by name (aarch64-cli, the program's tests under emulation, is the
# slowest: about 11 minutes with its build on 2 cores; the whole script,
# with the x86 builds already done by `cargo test --release`, about 25).
# Every skipped step is printed, and the last line names the steps that ran
# and those skipped. A step that was asked for (not in CROSS_SKIP) but cannot
# run here (a tool or rust target that would not install, no MNIST) is
# skipped with its reason, or fails the script under CI=true. A SIMD path
# this machine lacks is "not exercised", never counted as passed.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DLR_DATA="${DLR_DATA:-$(pwd)/../shared/data/mnist}"
export CARGO_TERM_COLOR=never
ran=()
skipped=()
not_exercised=()
# Whether step $1 runs: not when CROSS_SKIP names it, nor when the
# requirement check $3.. fails (then $2 says what is missing); a step that
# was asked for and cannot run fails the script under CI=true.
step() {
    local name=$1 missing=$2
    shift 2
    if [[ " ${CROSS_SKIP:-} " == *" $name "* ]]; then
        echo "-- $name: skipped (CROSS_SKIP)"
        skipped+=("$name (CROSS_SKIP)")
        return 1
    fi
    if ! "$@"; then
        if [[ "${CI:-}" == true ]]; then
            echo "cross.sh: step $name was asked for but cannot run: $missing (CI=true)"
            exit 1
        fi
        echo "-- $name: skipped, cannot run: $missing"
        skipped+=("$name (cannot run: $missing)")
        return 1
    fi
}
# Whether every command named is on PATH.
have() {
    local c
    for c in "$@"; do command -v "$c" >/dev/null || return 1; done
}
# Whether rustup has the target $1.
has_target() { rustup target list --installed 2>/dev/null | grep -qx "$1"; }
# Whether $DLR_DATA holds MNIST's four files.
has_mnist() { [ -e "$DLR_DATA/train-images-idx3-ubyte" ] || [ -e "$DLR_DATA/train-images-idx3-ubyte.gz" ]; }
# Runs a command, shows its summary lines; on failure, all its output and exit 1.
run() {
    local log
    log=$(mktemp)
    if "$@" >"$log" 2>&1; then
        grep -E '^test result|kernels: |^pinned' "$log" || true
        rm -f "$log"
    else
        cat "$log"
        rm -f "$log"
        echo "failed: $*"
        exit 1
    fi
}

echo "== installing qemu-user, the aarch64 cross linker, the rust targets"
need=()
command -v qemu-x86_64 >/dev/null || need+=(qemu-user)
command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
command -v node >/dev/null || need+=(nodejs)
command -v objdump >/dev/null || need+=(binutils)
if [ ${#need[@]} -gt 0 ]; then
    # A tool that will not install is reported by the steps that need it.
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; } ||
        echo "could not install: ${need[*]}"
fi
for target in aarch64-unknown-linux-gnu wasm32-wasip1; do
    rustup target add "$target" >/dev/null 2>&1 || echo "could not add the rust target $target"
done

# The x86-64 paths this machine has (steps 1 and 3).
flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
has() { grep -qw "$1" <<<"$flags"; }
paths=(scalar sse2)
has avx2 && has fma && paths+=(avx2)
has avx512f && has avx512vl && has avx2 && has fma && paths+=(avx512)

echo "== 1. kernel and optimizer tests on each x86-64 path (paths)"
if step paths "" true; then
    for p in scalar sse2 avx2 avx512; do
        if [[ " ${paths[*]} " != *" $p "* ]]; then
            echo "$p: not exercised (this machine lacks it)"
            not_exercised+=("$p")
            continue
        fi
        # The tests force the path DLR_SIMD names and check that it ran
        # (tests/common/mod.rs, force_requested_path).
        echo "-- DLR_SIMD=$p"
        run env DLR_SIMD=$p cargo test --release -q -p dlr --test kernels --test optim \
            --test optim_golden --test gradcheck --test determinism --test checkpoint \
            --test proptest_kernels
    done
    echo "-- every path in one process (tests/simd_paths.rs)"
    run cargo test --release -q -p dlr --test simd_paths -- --nocapture --test-threads 1
    ran+=("paths (${paths[*]})")
fi

echo "== 2. no intrinsic out of line in the release binary (inline)"
if step inline "objdump" have objdump; then
    cargo build --release -q -p dlr-cli
    out_of_line=$(objdump -d --no-show-raw-insn -C target/release/dlr |
        awk '/^[0-9a-f]+ <.*>:$/ { fn = $0 } /call.*core_arch/ && fn ~ /<dlr/ { print fn }' | sort -u)
    if [ -n "$out_of_line" ]; then
        echo "these functions call intrinsics out of line (compiled without their path's features):"
        echo "$out_of_line"
        exit 1
fi
echo "none"
ran+=(inline)
fi

echo "== 3. the release binary under qemu-x86_64 -cpu Nehalem and Haswell (qemu-x86)"
if step qemu-x86 "qemu-x86_64 or MNIST in $DLR_DATA" eval 'have qemu-x86_64 && has_mnist'; then
    cargo build --release -q -p dlr-cli
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    for cpu_path in Nehalem:sse2 Haswell:avx2; do
        cpu=${cpu_path%:*} path=${cpu_path#*:}
        # 0.005 epochs: 300 steps. QEMU warns about CPU features its TCG lacks.
        line=$(qemu-x86_64 -cpu "$cpu" target/release/dlr train --max-epochs 0.005 --json \
            --save "$tmp/$cpu.bin" --data "$DLR_DATA" 2>"$tmp/$cpu.err" | tail -1) ||
            { cat "$tmp/$cpu.err"; echo "$cpu: dlr train failed"; exit 1; }
        grep -q "\"simd\":\"$path\"" <<<"$line" || { echo "$cpu: expected path $path: $line"; exit 1; }
        if [[ " ${paths[*]} " == *" $path "* ]]; then
            target/release/dlr train --max-epochs 0.005 --simd "$path" --save "$tmp/host.bin" \
                --data "$DLR_DATA" >/dev/null 2>&1
            cmp -s "$tmp/$cpu.bin" "$tmp/host.bin" || { echo "$cpu: model differs from the host's $path model"; exit 1; }
            echo "$cpu: trained on $path, no SIGILL, the host's $path bits"
        else
            echo "$cpu: trained on $path, no SIGILL (host lacks $path: bits not compared)"
        fi
    done
    ran+=(qemu-x86)
fi

echo "== 4. the library's tests on aarch64 (NEON) under qemu-user (aarch64)"
aarch64_ready() { have qemu-aarch64 aarch64-linux-gnu-gcc && has_target aarch64-unknown-linux-gnu; }
if step aarch64 "qemu-aarch64 or aarch64-linux-gnu-gcc or the rust target" aarch64_ready; then
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"
    run cargo test --release -q -p dlr --target aarch64-unknown-linux-gnu --lib --tests \
        -- --nocapture --test-threads 2
    ran+=(aarch64)
fi
# Skipping aarch64 skips the program's tests on it too.
[[ " ${CROSS_SKIP:-} " == *" aarch64 "* ]] && CROSS_SKIP+=" aarch64-cli"
echo "-- the program's tests on aarch64, the program run through the same emulator (aarch64-cli)"
if step aarch64-cli "qemu-aarch64 or aarch64-linux-gnu-gcc or the rust target" aarch64_ready; then
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"
    run env DLR_TEST_RUNNER="$CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER" \
        cargo test --release -q -p dlr-cli --target aarch64-unknown-linux-gnu --tests \
        -- --nocapture --test-threads 2
    ran+=(aarch64-cli)
fi

echo "== 5. the no_std tests on wasm32-wasip1 with simd128 (Node's WASI) (wasm)"
if step wasm "node or the rust target wasm32-wasip1" eval 'have node && has_target wasm32-wasip1'; then
    wasm_tests=(--lib --test determinism --test gemm --test gradcheck --test kernels --test model
        --test optim --test optim_golden --test simd_paths)
    export CARGO_TARGET_WASM32_WASIP1_RUNNER="$(pwd)/tools/ci/wasi-run.sh"
    # RUSTFLAGS replaces .cargo/config.toml's flags for this target only
    # through the target's own variable.
    export CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS="-C target-feature=+simd128"
    run cargo test --release -q -p dlr --no-default-features --target wasm32-wasip1 \
        "${wasm_tests[@]}" -- --nocapture
    ran+=(wasm)
fi
# The arguments joined by ", ", or "none".
list() {
    if [ $# -eq 0 ]; then echo none; return; fi
    local out=$1
    shift
    for x in "$@"; do out+=", $x"; done
    echo "$out"
}
echo "== cross.sh: passed: $(list "${ran[@]}"). skipped: $(list "${skipped[@]}")." \
    "x86-64 paths not exercised: $(list "${not_exercised[@]}")."
