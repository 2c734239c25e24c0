#!/usr/bin/env bash
# CI step for the Cortex-M4F firmware (called by .ci/run): installs its
# needs, builds, checks the flash and RAM budgets, runs the kernel tests on
# the device target, a short training that must pass 85 % and whose model
# must equal, bit for bit, the desktop's run on the scalar path (the
# device's arithmetic), the full run to 96 % (DLR, H = 32, seed 1: about
# 41 G instructions, 2.5-9 minutes of QEMU), and checks that Adam and lazy
# Adam at H = 32 are refused in one line with a non-zero exit.
# MNIST comes from $DLR_DATA (plain or .gz); DLR_CLI is a built `dlr` (the
# desktop checks are skipped without one).
set -euo pipefail
cd "$(dirname "$0")"
export DLR_DATA=${DLR_DATA:-$(pwd)/../../../shared/data/mnist}

echo "== needs: thumbv7em-none-eabihf, qemu-system-arm, llvm-tools"
rustup target add thumbv7em-none-eabihf >/dev/null
rustup component add llvm-tools >/dev/null 2>&1 || true
if ! command -v qemu-system-arm >/dev/null; then
    apt-get update >/dev/null && apt-get install -y --no-install-recommends qemu-system-arm >/dev/null
fi

echo "== fmt, clippy, build"
cargo fmt --check
cargo clippy --release -- -D warnings
cargo build --release

echo "== budgets: flash <= 64 KiB, RAM region <= 128 KiB"
grep -Eq 'FLASH : ORIGIN = 0x00000000, LENGTH = 64K' memory.x
grep -Eq 'RAM   : ORIGIN = 0x20000000, LENGTH = 128K' memory.x
size_tool=$(ls "$(rustc --print sysroot)"/lib/rustlib/*/bin/llvm-size 2>/dev/null | head -1)
for bin in dlr-cortex-m4 kernels; do
    elf=target/thumbv7em-none-eabihf/release/$bin
    # text = vector table + .text + .rodata; data = .data; bss = .bss.
    read -r text data bss _ < <("${size_tool:-size}" "$elf" | tail -1)
    echo "$bin: flash $((text + data)) B, static RAM $((data + bss)) B"
    [ $((text + data)) -le 65536 ] || { echo "$bin: flash over 64 KiB"; exit 1; }
    [ $((data + bss)) -le 131072 ] || { echo "$bin: statics over 128 KiB"; exit 1; }
done

echo "== kernel tests on the device target"
cargo run --release --bin kernels

echo "== short training: 784-32-10, DLR, 0.25 epoch, must pass 85 %"
model=${TMPDIR:-/tmp}/ci-cortex-m4.dlrmodel
out=$(cargo run --release -- --hidden 32 --max-epochs 0.25 --save "$model")
echo "$out"
acc=$(grep -o '"test_accuracy":[0-9.]*' <<<"$out" | cut -d: -f2)
awk -v a="$acc" 'BEGIN { exit !(a >= 0.85) }' || { echo "accuracy $acc below 0.85"; exit 1; }
# The desktop program reads the model the device wrote and finds the same
# accuracy on the 10,000 test images (DLR_CLI: a built `dlr`, when given).
# Then the desktop, on the scalar path with the same options, writes the
# very same model.
check_on_desktop() { # model accuracy [dlr train options...]
    local model=$1 acc=$2
    shift 2
    [ -n "${DLR_CLI:-}" ] || return 0
    desktop=$("$DLR_CLI" eval --json --model "$model" --data "$DLR_DATA")
    echo "dlr eval: $desktop"
    dacc=$(grep -o '"test_accuracy":[0-9.]*' <<<"$desktop" | cut -d: -f2)
    awk -v a="$acc" -v d="$dacc" 'BEGIN { exit !(a - d < 0.00005 && d - a < 0.00005) }' \
        || { echo "dlr eval found $dacc, the device $acc"; exit 1; }
    "$DLR_CLI" train --simd scalar --data "$DLR_DATA" --save "$model.desktop" "$@" >/dev/null
    cmp "$model" "$model.desktop" || { echo "the device's model differs from dlr train --simd scalar $*"; exit 1; }
    echo "the device's model equals dlr train --simd scalar $*, bit for bit"
    rm -f "$model.desktop"
}
check_on_desktop "$model" "$acc" --hidden 32 --seed 1 --max-epochs 0.25
rm -f "$model"
# A rule that reads every input, zero or not (the first layer's inputs of
# the unlit pixels must be zero, not the last image's), on the desktop too.
out=$(cargo run --release -- --optimizer nesterov --hidden 8 --max-epochs 0.02 --eval-every 0 --save "$model")
acc=$(grep -o '"test_accuracy":[0-9.]*' <<<"$out" | cut -d: -f2)
check_on_desktop "$model" "$acc" --optimizer nesterov --hidden 8 --seed 1 --max-epochs 0.02 --eval-every 0
rm -f "$model"
ram=$(grep -o '= [0-9]* B of 131072 B' <<<"$out" | grep -o '[0-9]*' | head -1)
[ "$ram" -le 131072 ] || { echo "RAM used $ram B over 128 KiB"; exit 1; }
grep -q 'flash: [0-9]* B of 65536 B' <<<"$out"

echo "== full run: 784-32-10, DLR, seed 1, until 96 % on the 10,000 test images"
out=$(cargo run --release -- --hidden 32 --seed 1 --max-epochs 10 --save "$model")
grep -v '^samples ' <<<"$out"
grep -q '"reached":true' <<<"$out" || { echo "the device did not reach 96 %"; exit 1; }
acc=$(grep -o '"test_accuracy":[0-9.]*' <<<"$out" | cut -d: -f2)
all=$(grep -o '[0-9]* in all' <<<"$out" | grep -o '[0-9]*')
awk -v i="$all" 'BEGIN { printf "whole run: %.0f instructions, %.0f s at 168 MHz and one instruction per cycle\n", i, i / 168e6 }'
check_on_desktop "$model" "$acc" --hidden 32 --seed 1 --max-epochs 10
rm -f "$model"

echo "== Adam and lazy Adam at H = 32: one-line refusal, non-zero exit"
for rule in adam adam-lazy; do
    set +e
    refusal=$(cargo run --release -q -- --optimizer "$rule" --hidden 32 2>&1 >/dev/null)
    status=$?
    set -e
    echo "$refusal (exit $status)"
    [ "$status" -ne 0 ] || { echo "$rule at H = 32 was not refused"; exit 1; }
    [ "$(wc -l <<<"$refusal")" -eq 1 ] || { echo "$rule: the refusal is not one line"; exit 1; }
    grep -q "^$rule at 784-32-10 needs [0-9]* bytes of RAM" <<<"$refusal" ||
        { echo "$rule: the refusal does not say what it needs"; exit 1; }
done
# The device's arithmetic is the desktop's scalar path: SGD (the library's
# rule on both) saves the same model bytes on both.
if [ -n "${DLR_CLI:-}" ]; then
    echo "== SGD on the device and under dlr train --simd scalar: the same model bytes"
    tmp_models=$(mktemp -d "${TMPDIR:-/tmp}/ci-cortex-m4.XXXXXX")
    DLR_QEMU_ICOUNT=0 cargo run --release -q -- --optimizer sgd --hidden 32 --max-epochs 0.05 \
        --model "$tmp_models/device.dlrmodel" >/dev/null
    "$DLR_CLI" train --optimizer sgd --hidden 32 --max-epochs 0.05 --seed 1 --simd scalar \
        --data "$DLR_DATA" --save "$tmp_models/desktop.dlrmodel" >/dev/null
    cmp "$tmp_models/device.dlrmodel" "$tmp_models/desktop.dlrmodel" \
        || { echo "the device's SGD model differs from dlr train --simd scalar's"; exit 1; }
    rm -rf "$tmp_models"
fi
echo "cortex-m4 firmware: ok"
