#!/usr/bin/env bash
# Cargo's runner for the firmware (see .cargo/config.toml):
#   run.sh FIRMWARE.elf [firmware options...]
# Runs FIRMWARE in QEMU's mps2-an386 (Cortex-M4F) with semihosting; the
# trailing options become the firmware's command line. QEMU exits with the
# firmware's status.
#
# MNIST: --data DIR, else $DLR_DATA, else data/mnist (as `dlr train`). The
# firmware reads uncompressed IDX files; where DIR holds only `.gz` files,
# uncompressed copies are made in a temporary directory (deleted on exit),
# never in the repository. The shuffled order's scratch file lives there too.
#
# Environment: QEMU (default qemu-system-arm), DLR_QEMU_ICOUNT=0 to run
# without instruction counting (faster; the firmware's instruction figures
# are then meaningless).
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: run.sh FIRMWARE.elf [--data DIR] [firmware options...]" >&2
    exit 2
fi
elf=$1
shift

qemu=${QEMU:-qemu-system-arm}
if ! command -v "$qemu" >/dev/null; then
    echo "run.sh: $qemu not found (apt-get install --no-install-recommends qemu-system-arm)" >&2
    exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dlr-cortex-m4.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Options: find --data (resolved on the host) and whether --scratch is given.
data=${DLR_DATA:-data/mnist}
scratch_given=0
args=()
while [ $# -gt 0 ]; do
    case $1 in
        --data) [ $# -ge 2 ] || { echo "run.sh: --data needs a value" >&2; exit 2; }
                data=$2; shift 2 ;;
        --data=*) data=${1#--data=}; shift ;;
        --scratch|--scratch=*) scratch_given=1; args+=("$1"); shift ;;
        *) args+=("$1"); shift ;;
    esac
done

icount=()
[ "${DLR_QEMU_ICOUNT:-1}" = 0 ] || icount=(-icount shift=0)

# The kernel tests read no data.
if [ "$(basename "$elf")" = kernels ]; then
    exec "$qemu" -M mps2-an386 -cpu cortex-m4 -nographic -monitor none -serial none \
        "${icount[@]}" -semihosting-config "enable=on,target=native,arg=kernels${1:+,arg=$1}" -kernel "$elf"
fi

files="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"
plain=1
for f in $files; do
    [ -f "$data/$f" ] || plain=0
done
if [ $plain = 1 ]; then
    data_dir=$data
else
    data_dir=$tmp/mnist
    mkdir -p "$data_dir"
    for f in $files; do
        if [ -f "$data/$f" ]; then
            ln -s "$(cd "$data" && pwd)/$f" "$data_dir/$f"
        elif [ -f "$data/$f.gz" ]; then
            gunzip -c "$data/$f.gz" >"$data_dir/$f"
        else
            echo "$data/$f(.gz): not found (give --data DIR or set DLR_DATA to a directory with the four MNIST files)" >&2
            exit 2
        fi
    done
fi
args=(--data "$data_dir" "${args[@]}")
[ $scratch_given = 1 ] || args+=(--scratch "$tmp/order.scratch")

# QEMU joins its `arg=` values with spaces into the semihosting command line
# and splits its own options at commas (a literal comma is written twice).
semihosting="enable=on,target=native,arg=$(basename "$elf")"
for a in "${args[@]}"; do
    case $a in
        *" "*) echo "run.sh: arguments with spaces cannot be passed by semihosting: '$a'" >&2; exit 2 ;;
    esac
    semihosting+=",arg=${a//,/,,}"
done

set +e
"$qemu" -M mps2-an386 -cpu cortex-m4 -nographic -monitor none -serial none \
    "${icount[@]}" -semihosting-config "$semihosting" -kernel "$elf"
status=$?
set -e
exit $status
