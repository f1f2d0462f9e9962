#!/bin/sh
# The cross-province pass as a Slurm array of 4 tasks and a merge that waits for them,
# after the nightly province runs (slurm-array.sh):
#   sbatch deploy/slurm-national.sh /lake/population /data/rules/population.toml /data/runs /data/national
# submits the array (this script, SLURM_ARRAY_TASK_ID set) and then the merge, which
# starts only when every task has succeeded.
#SBATCH --job-name=doisoat-national
#SBATCH --array=0-3
#SBATCH --cpus-per-task=2
#SBATCH --mem=24G
#SBATCH --time=01:00:00
set -eu
here=$(dirname "$0")
if [ "${SLURM_ARRAY_TASK_ID:-}" = 0 ] && [ -n "${SLURM_ARRAY_JOB_ID:-}" ]; then
    sbatch --dependency="afterok:$SLURM_ARRAY_JOB_ID" --job-name=doisoat-national-merge \
        --wrap="$here/national-task.sh $1 $2 $3 $4 4 merge"
fi
exec "$here/national-task.sh" "$1" "$2" "$3" "$4" 4
