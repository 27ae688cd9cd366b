#!/usr/bin/python3
"""R50-FPN RetinaNet on CPU: GHMDet beside torchvision, same shapes, same thread count.

    /usr/bin/python3 scripts/bench/retinanet_side_by_side.py [--threads 2] [--iters 5] [--rounds 1]
        [--ghmdet-bench build/bench/modeling/bench_retinanet]

Measures (seconds per call, median of --iters after one warm-up):
  * inference, batch 1, at 800x1216 and 512x512: torchvision's model([img]) — transform (no resize:
    min_size/max_size are set to the image), backbone, head, anchors, post-processing — beside
    GHMDet's RetinaNet::predict on the same normalised size (conventions torchvision);
  * one training step at 512x512, batch 2 (3 random boxes per image): forward, losses, backward,
    SGD step. torchvision is built as it is for fine-tuning from an ImageNet backbone
    (FrozenBatchNorm, conv1 + layer1 frozen); GHMDet as the paper's config (frozen_stages 1,
    norm_eval, GHM-C + GHM-R).
The GHMDet side runs the Google Benchmark program given by --ghmdet-bench (if it exists) with the
same OMP_NUM_THREADS, and the two are printed side by side.

Each figure comes as wall time and as process CPU time (all threads). On a machine shared with
other jobs the wall time measures the load more than the program; the CPU time is much less
affected (set OMP_WAIT_POLICY=passive so that waiting threads do not spin and count as work).
--rounds N repeats the whole comparison N times, so that the two sides alternate under a load
that changes over time.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch
from torchvision.models import resnet50
from torchvision.models.detection import RetinaNet
from torchvision.models.detection.backbone_utils import _resnet_fpn_extractor
from torchvision.ops import FrozenBatchNorm2d
from torchvision.ops.feature_pyramid_network import LastLevelP6P7


def build(min_size, max_size):
    body = resnet50(norm_layer=FrozenBatchNorm2d)
    backbone = _resnet_fpn_extractor(body, 3, returned_layers=[2, 3, 4], extra_blocks=LastLevelP6P7(256, 256))
    return RetinaNet(backbone, num_classes=91, min_size=min_size, max_size=max_size)


def timeit(fn, iters):
    """(median wall s, median process CPU s) per call, after one warm-up call."""
    fn()
    wall, cpu = [], []
    for _ in range(iters):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu)


def torchvision_figures(iters):
    out = {}
    for h, w in [(800, 1216), (512, 512)]:
        model = build(min(h, w), max(h, w)).eval()
        img = torch.rand(3, h, w)
        with torch.no_grad():
            out[f"inference {h}x{w} b1"] = timeit(lambda: model([img]), iters)
    model = build(512, 512).train()
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.001, momentum=0.9)
    imgs = [torch.rand(3, 512, 512) for _ in range(2)]
    g = torch.Generator().manual_seed(0)
    targets = []
    for _ in imgs:
        xy = torch.rand(3, 2, generator=g) * 300
        wh = 40 + torch.rand(3, 2, generator=g) * 160
        targets.append({"boxes": torch.cat([xy, xy + wh], 1), "labels": torch.randint(1, 91, (3,), generator=g)})

    def step():
        losses = model(imgs, targets)
        loss = sum(losses.values())
        opt.zero_grad()
        loss.backward()
        opt.step()

    out["train step 512x512 b2"] = timeit(step, iters)
    return out


def ghmdet_figures(binary, threads, iters):
    if not binary or not os.path.exists(binary):
        return {}
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    res = subprocess.run([binary, "--benchmark_format=json", f"--benchmark_repetitions={iters}",
                          "--benchmark_filter=BM_(Predict|TrainStep)"],
                         env=env, capture_output=True, text=True, check=True)
    data = json.loads(res.stdout)
    names = {"BM_Predict/800/1216": "inference 800x1216 b1", "BM_Predict/512/512": "inference 512x512 b1",
             "BM_TrainStep/512/512/2": "train step 512x512 b2"}
    out = {}
    for b in data["benchmarks"]:
        if b.get("aggregate_name") == "median":
            key = b["run_name"].split("/iterations")[0].split("/real_time")[0]
            if key in names:
                out[names[key]] = (b["real_time"] / 1e3, b["cpu_time"] / 1e3)  # ms → s
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", os.cpu_count())))
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--ghmdet-bench", default="build/bench/modeling/bench_retinanet")
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    nan = (float("nan"), float("nan"))
    for r in range(args.rounds):
        load = os.getloadavg()[0]
        tv = torchvision_figures(args.iters)
        gd = ghmdet_figures(args.ghmdet_bench, args.threads, args.iters)
        print(f"round {r + 1}/{args.rounds}, threads: {args.threads}, torch {torch.__version__}, "
              f"load average {load:.2f} before, {os.getloadavg()[0]:.2f} after")
        print(f"{'case':24s} {'wall: torchvision s':>20s} {'GHMDet s':>9s} {'speed-up':>9s}"
              f" {'CPU: torchvision s':>19s} {'GHMDet s':>9s} {'speed-up':>9s}")
        for k, (tw, tc) in tv.items():
            gw, gc = gd.get(k, nan)
            print(f"{k:24s} {tw:20.3f} {gw:9.3f} {tw / gw:9.2f} {tc:19.3f} {gc:9.3f} {tc / gc:9.2f}")


if __name__ == "__main__":
    sys.exit(main())
