#!/bin/bash
# run.sh: run a sharded pprl match on Kubernetes: the no-network policy, the
# shards (an Indexed Job), and, once every shard has completed, the merge.
# Before: the namespace holds the PersistentVolumeClaim pprl-work (inputs in
# /work/inputs) and the Secret pprl-linkage-unit-key (key lu.key):
#   kubectl create secret generic pprl-linkage-unit-key --from-file=lu.key=lu.key
# Extra arguments go to every kubectl call (e.g. --namespace=linkage).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kubectl "$@" apply -f "$here/networkpolicy.yaml"
kubectl "$@" delete job pprl-shards pprl-merge --ignore-not-found
kubectl "$@" apply -f "$here/shards-job.yaml"
kubectl "$@" wait --for=condition=complete --timeout=24h job/pprl-shards
kubectl "$@" apply -f "$here/merge-job.yaml"
kubectl "$@" wait --for=condition=complete --timeout=24h job/pprl-merge
kubectl "$@" logs job/pprl-merge
