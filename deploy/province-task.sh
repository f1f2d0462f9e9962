#!/bin/sh
# One task of a province's run split into tasks by agency (`doisoat run --task`), or its
# merge: task i computes the agencies whose place in the job is i modulo TASKS and leaves
# their folders under RUN_ROOT/.tasks/RUN_ID/; `merge` (once every task has succeeded)
# publishes the run RUN_ROOT/RUN_ID as one process would.
#
#   province-task.sh JOB RUN_ROOT RUN_ID TASKS [INDEX | merge] [ARGS…]
#
# RUN_ID is given, not taken from the clock: every task and the merge must name the same
# run. INDEX: the fifth argument, else $JOB_COMPLETION_INDEX (a Kubernetes indexed Job),
# else $SLURM_ARRAY_TASK_ID (a Slurm array). ARGS (after an explicit INDEX) go to
# doisoat run (`--partition province=12`). $DOISOAT names the binary (default: doisoat on
# the PATH). The exit code is doisoat's (3: published, a quality gate failed).
set -eu
if [ $# -lt 4 ]; then
    echo "usage: province-task.sh JOB RUN_ROOT RUN_ID TASKS [INDEX | merge] [ARGS…]" >&2
    exit 2
fi
job=$1
root=$2
run_id=$3
tasks=$4
shift 4
index=${1:-${JOB_COMPLETION_INDEX:-${SLURM_ARRAY_TASK_ID:-}}}
[ $# -gt 0 ] && shift
if [ -z "$index" ]; then
    echo "province-task.sh: no task index (argument, JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID) and not 'merge'" >&2
    exit 2
fi
set -- run --job "$job" --run-root "$root" --run-id "$run_id" --tasks "$tasks" "$@"
if [ "$index" = merge ]; then
    exec "${DOISOAT:-doisoat}" "$@" --merge
fi
exec "${DOISOAT:-doisoat}" "$@" --task "$index"
