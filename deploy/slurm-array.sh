#!/bin/sh
# One nightly run per province partition of a national lake, as a Slurm array: task i
# runs line i of partitions.txt (SLURM_ARRAY_TASK_ID) with run-partition.sh.
#   sbatch deploy/slurm-array.sh /data/job.toml /data/partitions.txt /data/runs
#SBATCH --job-name=doisoat-nightly
#SBATCH --array=0-33%4
#SBATCH --cpus-per-task=2
#SBATCH --mem=24G
#SBATCH --time=01:00:00
set -eu
exec "$(dirname "$0")/run-partition.sh" "$1" "$2" "$3"
