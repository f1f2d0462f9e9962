#!/bin/sh
# One task of the cross-province pass (`doisoat national`), or its merge: task i links
# the residues of every province run against every TASKS-th province partition of the
# population lake, starting at partition i, and writes OUT/tasks/task-i-of-TASKS.csv;
# `merge` (run once every task has succeeded) writes OUT/province=XX/cross_province.*.
#
#   national-task.sh POPULATION RULES RUN_ROOT OUT TASKS [INDEX | merge] [ARGS…]
#
# POPULATION: the lake's population dataset folder; RULES: its rules file; RUN_ROOT: the
# province runs (a folder of run roots, RUN_ROOT/<partition>/ as run-partition.sh
# publishes them). INDEX: the sixth argument, else $JOB_COMPLETION_INDEX (a Kubernetes
# indexed Job), else $SLURM_ARRAY_TASK_ID (a Slurm array). $DOISOAT names the binary
# (default: doisoat on the PATH). ARGS, after an explicit INDEX, go to doisoat national
# (`--date 2026-12-01`, `--seed 7`: every task and the merge must be given the same).
# The exit code is doisoat's.
set -eu
if [ $# -lt 5 ]; then
    echo "usage: national-task.sh POPULATION RULES RUN_ROOT OUT TASKS [INDEX | merge]" >&2
    exit 2
fi
population=$1
rules=$2
runs=$3
out=$4
tasks=$5
shift 5
index=${1:-${JOB_COMPLETION_INDEX:-${SLURM_ARRAY_TASK_ID:-}}}
[ $# -gt 0 ] && shift
if [ -z "$index" ]; then
    echo "national-task.sh: no task index (argument, JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID) and not 'merge'" >&2
    exit 2
fi
set -- national --population "$population" --rules "$rules" --residue "$runs" --out "$out" --tasks "$tasks" "$@"
if [ "$index" = merge ]; then
    exec "${DOISOAT:-doisoat}" "$@" --merge
fi
exec "${DOISOAT:-doisoat}" "$@" --task "$index"
