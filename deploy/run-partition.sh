#!/bin/sh
# Runs one partition of a national job: the scheduler's task index picks a line of the
# partitions file (`province=12`, or `province=12,month=11`), and the run is published
# under RUN_ROOT/<partition>/ (its own run root: its own lock, feed and history).
#
#   run-partition.sh JOB PARTITIONS_FILE RUN_ROOT [INDEX]
#
# INDEX: the fourth argument, else $JOB_COMPLETION_INDEX (a Kubernetes indexed Job), else
# $SLURM_ARRAY_TASK_ID (a Slurm array); 0 is the first line. $DOISOAT names the binary
# (default: doisoat on the PATH). The exit code is doisoat's (0, 1, 2, or 3 for a gate).
set -eu
if [ $# -lt 3 ]; then
    echo "usage: run-partition.sh JOB PARTITIONS_FILE RUN_ROOT [INDEX]" >&2
    exit 2
fi
job=$1
partitions=$2
root=$3
index=${4:-${JOB_COMPLETION_INDEX:-${SLURM_ARRAY_TASK_ID:-}}}
if [ -z "$index" ]; then
    echo "run-partition.sh: no task index (argument, JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID)" >&2
    exit 2
fi
line=$(grep -v '^#' "$partitions" | grep -v '^[[:space:]]*$' | sed -n "$((index + 1))p")
if [ -z "$line" ]; then
    echo "run-partition.sh: $partitions has no partition number $index" >&2
    exit 2
fi
set --
for kv in $(echo "$line" | tr ',' ' '); do
    set -- "$@" --partition "$kv"
done
exec "${DOISOAT:-doisoat}" run --job "$job" --run-root "$root/$(echo "$line" | tr ',' '/')" "$@"
