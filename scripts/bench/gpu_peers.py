#!/usr/bin/env python3
"""The Python half of scripts/gpu-check.sh: the peers GHMDet is measured against on the same GPU.

    python3 scripts/bench/gpu_peers.py --out peers.json [--device cuda|cpu] [--scale full|smoke]

* The reference's GHM-C as its code runs it (mmdetection v1 / GHM_Detection: a Python loop over
  the 30 bins, one host synchronisation per bin through .item() and boolean-mask writes), forward
  + backward on the anchors of 2 images at 800x1344 with 80 classes, one call on all anchors, as
  ghmdet_gpu_check's time_losses times GHMDet's kernels.
* torchvision's RetinaNet R50-FPN (random weights, as GHMDet's side): one training step (loss,
  backward, SGD lr 0.01 momentum 0.9 weight decay 1e-4) on 2 images of 800x1333 with 3 boxes each,
  float32 and with torch.autocast float16 + GradScaler (torchvision's --amp); and inference
  (eval, batch 1). Its default freezing: conv1 and layer1 frozen, FrozenBatchNorm everywhere.

Seconds are medians after warm-up calls, with the device synchronised around each call. Writes
one JSON file. --scale smoke runs the same code at toy sizes (the CPU rehearsal).
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F
import torchvision
from torchvision.models.detection import retinanet_resnet50_fpn

SCALES = {
    # loss rows come from the anchors of `loss_images` images of loss_h x loss_w (P3..P7, 9 each)
    "full": dict(loss_images=2, loss_h=800, loss_w=1344, classes=80, h=800, w=1333, batch=2, warmup=3, iters=10),
    "smoke": dict(loss_images=1, loss_h=64, loss_w=96, classes=7, h=64, w=96, batch=2, warmup=0, iters=1),
}


def anchors(h, w):
    return sum(((h + s - 1) // s) * ((w + s - 1) // s) * 9 for s in (8, 16, 32, 64, 128))


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def median_seconds(device, warmup, iters, fn):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        sync(device)
        t = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


class ReferenceGHMC:
    """GHM-C as the reference writes it (ghm-spec section 1.3): a loop over bins, .item() per bin."""

    def __init__(self, bins=30, momentum=0.75, device="cpu"):
        self.bins = bins
        self.momentum = momentum
        self.edges = [float(x) / bins for x in range(bins + 1)]
        self.edges[-1] += 1e-6
        self.acc_sum = [0.0] * bins

    def __call__(self, pred, target, label_weight):
        edges, mmt = self.edges, self.momentum
        weights = torch.zeros_like(pred)
        g = torch.abs(pred.sigmoid().detach() - target)
        valid = label_weight > 0
        tot = max(valid.float().sum().item(), 1.0)
        n = 0
        for i in range(self.bins):
            inds = (g >= edges[i]) & (g < edges[i + 1]) & valid
            num_in_bin = inds.sum().item()
            if num_in_bin > 0:
                if mmt > 0:
                    self.acc_sum[i] = mmt * self.acc_sum[i] + (1 - mmt) * num_in_bin
                    weights[inds] = tot / self.acc_sum[i]
                else:
                    weights[inds] = tot / num_in_bin
                n += 1
        if n > 0:
            weights = weights / n
        return F.binary_cross_entropy_with_logits(pred, target, weights, reduction="sum") / tot


def time_reference_ghmc(device, s):
    n, c = s["loss_images"] * anchors(s["loss_h"], s["loss_w"]), s["classes"]
    torch.manual_seed(0)
    logits = (torch.randn(n, c, device=device) * 2 - 4).requires_grad_()
    positive = torch.rand(n, device=device) < 0.002
    labels = torch.where(positive, torch.randint(0, c, (n,), device=device), torch.full((n,), c, device=device))
    # The reference expands labels to one-hot rows and the weights to [N, C] before the loss.
    target = F.one_hot(labels, c + 1)[:, :c].float()
    label_weight = (torch.rand(n, device=device) > 0.01).float()[:, None].expand(n, c)
    loss = ReferenceGHMC(device=device)

    def step():
        logits.grad = None
        loss(logits, target, label_weight).backward()

    return {"name": "GHM-C (reference per-bin loop)", "shape": f"{n}x{c}",
            "ms": 1e3 * median_seconds(device, s["warmup"], s["iters"], step)}


def generated_targets(device, s, num_classes, gen):
    targets = []
    for _ in range(s["batch"]):
        side = min(s["h"], s["w"])
        wh = (0.125 + 0.375 * torch.rand(3, 2, generator=gen)) * side
        xy = torch.rand(3, 2, generator=gen) * (torch.tensor([s["w"], s["h"]]) - wh - 1)
        targets.append({"boxes": torch.cat([xy, xy + wh], 1).round().to(device),
                        "labels": torch.randint(1, num_classes, (3,), generator=gen).to(device)})
    return targets


def torchvision_model(device, s):
    torch.manual_seed(0)
    return retinanet_resnet50_fpn(weights=None, weights_backbone=None, min_size=min(s["h"], s["w"]),
                                  max_size=max(s["h"], s["w"])).to(device)


def time_torchvision_steps(device, s):
    rows = []
    for amp in (False, True):
        model = torchvision_model(device, s).train()
        opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.01, momentum=0.9,
                              weight_decay=1e-4)
        scaler = torch.amp.GradScaler(device.type, enabled=amp and device.type == "cuda")
        gen = torch.Generator().manual_seed(1)
        images = [torch.randn(3, s["h"], s["w"], generator=gen) for _ in range(s["batch"])]
        targets = generated_targets(device, s, 91, gen)

        def step():
            # The batch comes from the host each step, as GHMDet's trainer copies it.
            batch = [im.to(device, non_blocking=False) for im in images]
            with torch.autocast(device.type, dtype=torch.float16 if device.type == "cuda" else torch.bfloat16,
                                enabled=amp):
                losses = model(batch, targets)
                loss = sum(losses.values())
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()

        rows.append({"name": "torchvision RetinaNet (FL + L1)", "amp": amp,
                     "images": f"{s['batch']}x{s['h']}x{s['w']}",
                     "s_per_step": median_seconds(device, s["warmup"], s["iters"], step)})
        del model, opt
    return rows


def time_torchvision_inference(device, s):
    model = torchvision_model(device, s).eval()
    image = torch.randn(3, s["h"], s["w"]).to(device)
    out = {}

    def call():
        with torch.no_grad():
            out["d"] = model([image])[0]

    seconds = median_seconds(device, s["warmup"], s["iters"], call)
    return [{"name": "torchvision RetinaNet predict", "images": f"1x{s['h']}x{s['w']}", "s_per_image": seconds,
             "detections": int(out["d"]["boxes"].shape[0])}]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--scale", choices=sorted(SCALES), default="full")
    args = ap.parse_args()
    device, s = torch.device(args.device), SCALES[args.scale]
    if device.type == "cpu":
        torch.set_num_threads(max(1, torch.get_num_threads()))
    result = {"scale": args.scale, "env": {
        "torch": torch.__version__, "torchvision": torchvision.__version__, "cuda": torch.version.cuda,
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"}}
    sections = (("reference_ghmc", lambda: [time_reference_ghmc(device, s)]),
                ("torchvision_steps", lambda: time_torchvision_steps(device, s)),
                ("torchvision_inference", lambda: time_torchvision_inference(device, s)))
    status = 0
    for name, run in sections:
        start = time.perf_counter()
        try:
            result[name] = run()
        except Exception as e:  # one failing peer must not lose the others' figures
            result[name] = {"error": f"{type(e).__name__}: {e}"}
            status = 1
        print(f"{name}: {'FAILED' if isinstance(result[name], dict) else 'done'} in "
              f"{time.perf_counter() - start:.1f} s", flush=True)
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
