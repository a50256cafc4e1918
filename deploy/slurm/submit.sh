#!/bin/bash
# submit.sh N [SBATCH_ARG...]: submit a pprl match as an array of N shards
# and a merge that waits for all of them (afterok). PPRL_RUN_ENV names the
# run's settings file (see run.env.example); extra arguments go to both
# sbatch calls (e.g. --partition=long --account=project).
set -euo pipefail
n=${1:?usage: PPRL_RUN_ENV=run.env submit.sh N [SBATCH_ARG...]}
shift
case $n in '' | *[!0-9]* | 0) echo "submit.sh: N must be a positive number of shards" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
PPRL_RUN_ENV=$(cd "$(dirname "${PPRL_RUN_ENV:?set PPRL_RUN_ENV to the run settings file}")" && pwd)/$(basename "$PPRL_RUN_ENV")
export PPRL_RUN_ENV
shards=$(sbatch --parsable "$@" --array="0-$((n - 1))" "$here/shard.sbatch")
shards=${shards%%;*}
merge=$(sbatch --parsable "$@" --dependency="afterok:$shards" --kill-on-invalid-dep=yes "$here/merge.sbatch")
merge=${merge%%;*}
echo "shards: job $shards (array 0-$((n - 1))); merge: job $merge, when every shard has succeeded"
echo "$shards $merge"
