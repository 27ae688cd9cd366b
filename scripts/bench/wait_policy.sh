#!/usr/bin/env bash
# The OpenMP spin-wait cliff, measured: a short training (configs/demo/fashion_mnist_ghm.yaml on
# 20 scenes of 64x64, 2 images per batch, 3 epochs of 10 iterations, no validation) alone, and
# two of them started together, under GHMDet's default (passive waiting) and under libgomp's
# own default (spinning: GOMP_SPINCOUNT=300000, what an unset OMP_WAIT_POLICY gives).
# Prints the wall time of every run, in seconds, start-up included.
# Usage: scripts/bench/wait_policy.sh GHMDET_BINARY [REPEATS (3)] [POLICY...]
# POLICY: "default" (what ghmdet does unless told), "passive", or a GOMP_SPINCOUNT value such as
# "spin=300000" (libgomp's own default); default list: default spin=300000.
set -euo pipefail

ghmdet=$(realpath "$1")
repeats=${2:-3}
shift $(($# < 2 ? $# : 2))
policies=("$@")
((${#policies[@]})) || policies=(default spin=300000)
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$ghmdet" make-dataset fashion-mnist --out "$work/data" --train 20 --val 4 --size 64x64 --seed 3 >/dev/null
d=$work/data
args=(train "$root/configs/demo/fashion_mnist_ghm.yaml" --seed 0 --device cpu --no-validate
  --cfg-options data.train.ann_file=$d/annotations/instances_train.json data.train.img_prefix=$d/train/
  data.val.ann_file=$d/annotations/instances_val.json data.val.img_prefix=$d/val/
  "data.train.img_scale=[64, 64]" "data.val.img_scale=[64, 64]" data.imgs_per_gpu=2
  data.workers_per_gpu=1 backbone_pretraining=null total_epochs=3 "lr_config.step=[2]"
  lr_config.warmup_iters=5 log_config.interval=10 checkpoint_config.interval=3)

# timed NAME ENV...: runs one training with ENV (on top of a clean policy environment), prints
# "NAME seconds".
timed() {
  local name=$1
  shift
  local start end
  start=$(date +%s.%N)
  env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT -u GHMDET_DEFAULT_WAIT_POLICY "$@" \
    "$ghmdet" "${args[@]}" --work-dir "$(mktemp -d -p "$work")" >/dev/null 2>&1
  end=$(date +%s.%N)
  printf '%s %.2f\n' "$name" "$(echo "$end - $start" | bc)"
}

for ((r = 1; r <= repeats; ++r)); do
  for policy in "${policies[@]}"; do
    case $policy in
      default) env=() ;;
      passive) env=(OMP_WAIT_POLICY=passive) ;;
      spin=*) env=("GOMP_SPINCOUNT=${policy#spin=}") ;;
      *) echo "unknown policy $policy" >&2 && exit 2 ;;
    esac
    timed "alone/$policy" "${env[@]}"
    timed "pair-a/$policy" "${env[@]}" &
    timed "pair-b/$policy" "${env[@]}" &
    wait
  done
done
