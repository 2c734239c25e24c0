#!/bin/bash
# A real SLURM test on one machine (Debian 12, root, no systemd needed):
# installs munge + slurm-wlm from Debian's packages, starts a one-node
# cluster, runs a tiny `dlr sweep` as a 4-task array job (--shard i/4), and
# checks that the merged shards equal the same sweep run on this machine
# without SLURM (timing fields aside). Not part of `cargo test`: it needs
# root, apt and about a minute.
#
#   sudo DLR_DATA=../shared/data/mnist tools/slurm/check.sh
#
# Environment: DLR_DATA (MNIST; required), DLR_BIN (default: builds
# target/release/dlr), KEEP_CLUSTER=1 leaves the daemons running.
# Exit 0 when the results are equal, 1 when they differ or a step fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" = 0 ] || { echo "check.sh: needs root (apt-get, daemons)" >&2; exit 1; }
: "${DLR_DATA:?set DLR_DATA to the MNIST directory}"
export DLR_DATA=$(cd "$DLR_DATA" && pwd)
if [ -z "${DLR_BIN:-}" ]; then
  cargo build --release --quiet
  DLR_BIN=$(pwd)/target/release/dlr
fi
started=()
cleanup() {
  if [ "${KEEP_CLUSTER:-0}" != 1 ] && [ ${#started[@]} -gt 0 ]; then
    for pidfile in "${started[@]}"; do
      [ -s "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    sleep 1
    rm -f /run/slurmctld.pid /run/slurmd.pid
  fi
}
trap cleanup EXIT

# 1. One-node cluster (recipe: ../shared/notes/slurm-one-node.md).
if ! sinfo -h -o %T 2>/dev/null | grep -q idle; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends munge slurmctld slurmd slurm-client >/dev/null
  [ -s /etc/munge/munge.key ] || mungekey --create --keyfile=/etc/munge/munge.key
  chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    su -s /bin/sh munge -c /usr/sbin/munged
    started+=(/run/munge/munged.pid)
  fi
  munge -n | unmunge >/dev/null
  H=$(hostname -s); N=$(nproc)
  MEM=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
  mkdir -p /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
  chown slurm:slurm /var/spool/slurmctld /var/log/slurm
  cat > /etc/slurm/slurm.conf <<CONF
ClusterName=local
SlurmctldHost=$H
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=$H CPUs=$N RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=$H Default=YES MaxTime=INFINITE State=UP
CONF
  rm -f /run/slurmctld.pid /run/slurmd.pid
  /usr/sbin/slurmctld; started+=(/run/slurmctld.pid)
  /usr/sbin/slurmd; started+=(/run/slurmd.pid)
  for _ in $(seq 30); do sinfo -h -o %T 2>/dev/null | grep -q idle && break; sleep 1; done
fi
sinfo

# 2. The sweep as a 4-task array job.
D=$(mktemp -d /tmp/dlr-slurm-check.XXXXXX); chmod 755 "$D"
echo "work directory: $D"
t0=$(date +%s)
sbatch --wait --array=0-3 --output="$D/log_%A_%a.txt" \
  --export=ALL,DLR_BIN="$DLR_BIN",DLR_DATA="$DLR_DATA",DLR_JOBS=1 \
  tools/slurm/sweep.sbatch --preset tiny "$D/array"
echo "array job done in $(( $(date +%s) - t0 )) s"

# 3. The same sweep on this machine, without SLURM.
"$DLR_BIN" sweep --preset tiny --jobs 2 --out "$D/one.jsonl" --quiet

# 4. Compare, timing fields aside (serde_json writes keys sorted).
strip() { sed -E 's/"(eval_seconds|train_seconds|peak_rss_mb)":[^,}]*,?//g' "$@" | sort; }
total=$("$DLR_BIN" sweep --preset tiny --list | wc -l)
cat "$D"/array/part-*.jsonl > "$D/merged.jsonl"
lines=$(wc -l < "$D/merged.jsonl")
keys=$(grep -o '"key":"[^"]*"' "$D/merged.jsonl" | sort -u | wc -l)
echo "grid: $total runs; array: $lines lines in $(ls "$D"/array/part-*.jsonl | wc -l) files, $keys distinct keys"
for i in 0 1 2 3; do echo "  part-$i: $(wc -l < "$D/array/part-$i.jsonl") lines"; done
if [ "$lines" = "$total" ] && [ "$keys" = "$total" ] && diff <(strip "$D/merged.jsonl") <(strip "$D/one.jsonl") >/dev/null; then
  echo "PASS: the 4 SLURM shards merge to exactly the one-machine sweep"
  "$DLR_BIN" report "$D"/array/part-*.jsonl --out "$D/report" >/dev/null 2>&1 || true
  exit 0
else
  echo "FAIL: merged shards differ from the one-machine sweep (see $D)"
  diff <(strip "$D/merged.jsonl") <(strip "$D/one.jsonl") | head -20 || true
  exit 1
fi
