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
# ../shared/data/mnist). CROSS_SKIP="aarch64 aarch64-cli wasm" skips steps
# by name (aarch64-cli, the program's tests under emulation, is the slowest:
# about 11 minutes with its build on 2 cores; the whole script, with the x86
# builds already done by `cargo test --release`, about 25).
set -euo pipefail
cd "$(dirname "$0")/../.."
export DLR_DATA="${DLR_DATA:-$(pwd)/../shared/data/mnist}"
export CARGO_TERM_COLOR=never
skip() { [[ " ${CROSS_SKIP:-} " == *" $1 "* ]]; }
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
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
rustup target add aarch64-unknown-linux-gnu wasm32-wasip1 >/dev/null 2>&1

echo "== 1. kernel and optimizer tests on each x86-64 path"
flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
has() { grep -qw "$1" <<<"$flags"; }
paths=(scalar sse2)
has avx2 && has fma && paths+=(avx2)
has avx512f && has avx512vl && has avx2 && has fma && paths+=(avx512)
for p in scalar sse2 avx2 avx512; do
    if [[ " ${paths[*]} " != *" $p "* ]]; then
        echo "$p: not exercised (this machine lacks it)"
        continue
    fi
    echo "-- DLR_SIMD=$p"
    run env DLR_SIMD=$p cargo test --release -q -p dlr --test kernels --test optim \
        --test optim_golden --test gradcheck --test determinism --test checkpoint \
        --test proptest_kernels
done
echo "-- every path in one process (tests/simd_paths.rs)"
run cargo test --release -q -p dlr --test simd_paths -- --nocapture --test-threads 1

echo "== 2. no intrinsic out of line in the release binary"
cargo build --release -q -p dlr-cli
out_of_line=$(objdump -d --no-show-raw-insn -C target/release/dlr |
    awk '/^[0-9a-f]+ <.*>:$/ { fn = $0 } /call.*core_arch/ && fn ~ /<dlr/ { print fn }' | sort -u)
if [ -n "$out_of_line" ]; then
    echo "these functions call intrinsics out of line (compiled without their path's features):"
    echo "$out_of_line"
    exit 1
fi
echo "none"

echo "== 3. the release binary under qemu-x86_64 -cpu Nehalem and Haswell"
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

if ! skip aarch64; then
    echo "== 4. the library's tests on aarch64 (NEON) under qemu-user"
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"
    run cargo test --release -q -p dlr --target aarch64-unknown-linux-gnu --lib --tests \
        -- --nocapture --test-threads 2
fi
if ! skip aarch64 && ! skip aarch64-cli; then
    echo "-- the program's tests on aarch64, the program run through the same emulator"
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"
    run env DLR_TEST_RUNNER="$CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER" \
        cargo test --release -q -p dlr-cli --target aarch64-unknown-linux-gnu --tests \
        -- --nocapture --test-threads 2
fi

if ! skip wasm; then
    echo "== 5. the no_std tests on wasm32-wasip1 with simd128 (Node's WASI)"
    wasm_tests=(--lib --test determinism --test gemm --test gradcheck --test kernels --test model
        --test optim --test optim_golden --test simd_paths)
    export CARGO_TARGET_WASM32_WASIP1_RUNNER="node --no-warnings $(pwd)/tools/ci/wasi-run.mjs"
    # RUSTFLAGS replaces .cargo/config.toml's flags for this target only
    # through the target's own variable.
    export CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS="-C target-feature=+simd128"
    run cargo test --release -q -p dlr --no-default-features --target wasm32-wasip1 \
        "${wasm_tests[@]}" -- --nocapture
fi
echo "== cross.sh: all passed"
