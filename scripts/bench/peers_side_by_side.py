#!/usr/bin/env python3
r"""GHMDet beside the peers a user would pick today, on one machine, in one run.

    scripts/install-deps.sh --peers          # torch 2.15 + the peers, scripts/requirements/bench-peers.txt
    "${GHMDET_TORCH_VENV:-$HOME/.cache/ghmdet/torch-2.15.0}/bin/python" scripts/bench/peers_side_by_side.py \
        --ghmdet build-pypi/bin/ghmdet --ghmdet-113 build/bin/ghmdet [--threads 1 2] [--iters 3]
        [--sizes 800x1216 512x512] [--seed 24] [--train-iters 3] [--eval-iters 3]
        [--skip-inference] [--skip-train] [--skip-eval] [--work DIR]

Inference, RetinaNet R50-FPN, batch 1, on the SAME weights: torchvision's retinanet_resnet50_fpn,
randomly initialised from --seed (bench_weights: the backbone's BN statistics perturbed as in
scripts/fixtures/make_model_fixtures.py, the last conv of each head branch scaled so that scores
are spread below 1 and boxes stay near their anchors: spread_head), saved as a torchvision
checkpoint and read by GHMDet through configs/torchvision/retinanet_resnet50_fpn_coco.yaml; the
image is uniform noise from --seed and its size. Before timing, each size prints how far
torchvision float32's decisions (top-k per level, NMS, the 300 kept) are from a tie
(score_margins). Contenders:
  * torchvision eager float32 (the oracle) and with bf16 autocast;
  * ONNX Runtime and OpenVINO (INFERENCE_PRECISION_HINT f32) on the ONNX export of that model;
  * GHMDet float32 (`--ghmdet`, built on libtorch 2.15; `--ghmdet-113`, built on Debian's 1.13)
    and GHMDet bf16 (`--dtype bf16`).
Every contender's detections are checked against torchvision float32 on the same image: float32
contenders must match every detection (same label, box within 1e-2 px; the largest score
difference is printed in float32 ulps, to compare with the margins); bf16 ones are scored by
their COCO AP with torchvision's 300 detections as the ground truth.
Times are seconds per image from the image in memory to its detections, median of --iters after
a warm-up. GHMDet's come from `ghmdet test` on N = 1 and N = 1 + iters copies of the image:
(M(1 + iters) - M(1)) / iters with M the time it reports "in the model" (the image's decoding
and normalising, in its loader, left out as the others are handed a decoded tensor; start-up and
the first call's set-up cancel); the end-to-end time from the PNG file is printed beside it.

Training step, R50-FPN RetinaNet, 512x512, batch 2, 3 boxes per image, 91 sigmoid outputs per
anchor, SGD (lr 0.01, momentum 0.9, weight decay 1e-4), random initialisation, the same generated
images and boxes on both sides (noise PNGs + a COCO file, from --seed); seconds per step, median
of --train-iters after one warm-up step, for each --threads:
  * torchvision's retinanet_resnet50_fpn(weights=None, weights_backbone=None, min_size=512,
    max_size=512) in train mode, focal loss + L1 (train_torchvision), images already in memory;
  * `ghmdet train` on the paper's configs/ghm R50-FPN configs, FL + SL1 and GHM-C + GHM-R, with
    every built binary (train_ghmdet): the trainer's own per-iteration times, which include
    loading the batch (decoding and normalising two PNGs, printed apart) but not start-up.
Both sides freeze conv1 + layer1 and keep every BatchNorm in eval mode with its affine parameters
training in layer2..4: GHMDet's configs as they are (mmdetection's frozen_stages 1, norm_eval);
torchvision set up so (trainable_backbone_layers=3 as its fine-tuning default, which its
weights=None default would widen to all five layers with batch statistics; its FrozenBatchNorm2d
would also freeze the BN affine parameters). Left different: GHMDet's legacy conventions (P6
from C5, 2048 -> 256 channels, where torchvision takes P5, 256 -> 256: under 1 % more
multiply-adds for GHMDet; +1 box widths) and its smooth L1 where torchvision has L1.

Evaluation: a generated val2017-sized set (5,000 images, ~36k boxes with 1 % crowd, 500,000
detections) through `ghmdet eval`, pycocotools and faster-coco-eval, end to end (reading both
files, evaluating, summarising); the 12 numbers must agree to 1e-12.

Prints the CPU model, its ISA flags and the load average with the tables.
"""
import argparse
import contextlib
import importlib.util
import io
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
import torchvision
from torchvision.models.detection import retinanet_resnet50_fpn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
TV_CONFIG = os.path.join(ROOT, "configs", "torchvision", "retinanet_resnet50_fpn_coco.yaml")


def fixture_helpers():
    """perturb_norms of the fixture generator (the backbone's BN statistics, as in the tests)."""
    spec = importlib.util.spec_from_file_location("make_model_fixtures",
                                                  os.path.join(ROOT, "scripts", "fixtures", "make_model_fixtures.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def spread_head(model, gen, calib, logit_std=1.0, bias_mean=-6.0, bias_std=0.5, delta_std=0.1):
    """Sets the last conv of each head branch so that its outputs are spread, not tied.

    The fixtures' perturb_head (N(0, 0.01) weights, bias -3 + N(0, 1)) saturates on a random R50,
    whose FPN features have a standard deviation of ~300: measured at 512x512, ~1.6 million
    (anchor, class) scores of P3 pass 0.05 and the top ones crowd against 1.0, where float32 has
    few values; over three initialisations torchvision's 300 detections had 1, 91 and 297
    distinct scores, so top-k and NMS picked among ties. Here cls_logits / bbox_reg get N(0, 1) weights (from `gen`), are run once on the
    `calib` image, and are rescaled so that over the locations of all levels each output channel
    has a standard deviation of `logit_std` (deltas: `delta_std`) around a mean of
    bias_mean + bias_std * N(0, 1) per class channel (deltas: 0.05 * N(0, 1)). Scores are then
    spread below 1 (a few thousand pass 0.05 per level) and boxes stay near their anchors.
    """
    cls = model.head.classification_head.cls_logits
    reg = model.head.regression_head.bbox_reg
    was_training = model.training
    model.eval()
    with torch.no_grad():
        cls.weight.copy_(torch.randn(cls.weight.shape, generator=gen))
        cls.bias.zero_()
        reg.weight.copy_(torch.randn(reg.weight.shape, generator=gen))
        reg.bias.zero_()
        images, _ = model.transform([calib])
        feats = list(model.backbone(images.tensors).values())
        logits = torch.cat([cls(model.head.classification_head.conv(f)).flatten(2) for f in feats], 2)[0]
        deltas = torch.cat([reg(model.head.regression_head.conv(f)).flatten(2) for f in feats], 2)[0]
        a, b = logit_std / logits.std(1).mean(), delta_std / deltas.std(1).mean()
        cls.weight.mul_(a)
        cls.bias.copy_(bias_mean + bias_std * torch.randn(cls.bias.shape, generator=gen) - a * logits.mean(1))
        reg.weight.mul_(b)
        reg.bias.copy_(0.05 * torch.randn(reg.bias.shape, generator=gen) - b * deltas.mean(1))
    model.train(was_training)


def bench_weights(seed):
    """The benchmark's RetinaNet R50-FPN state_dict, a deterministic function of `seed`.

    torchvision's own initialisation (global RNG, seeded here and restored after), then the
    backbone's BN statistics perturbed as in the fixtures and the head spread (spread_head)
    on a random 512x512 calibration image.
    """
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = retinanet_resnet50_fpn(weights=None, weights_backbone=None, min_size=512, max_size=512)
    gen = torch.Generator().manual_seed(seed)
    fixture_helpers().perturb_norms(model.backbone.body, gen)
    spread_head(model, gen, torch.rand(3, 512, 512, generator=gen))
    return model.state_dict()


def cpu_line():
    model, flags = platform.processor(), set()
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name") and model in ("", "x86_64"):
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
    isa = [n for n in ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16", "amx_int8") if n in flags]
    return f"CPU: {model}, {os.cpu_count()} logical CPUs; ISA: {' '.join(isa)}; " \
           f"no {' '.join(n for n in ('avx512_bf16', 'amx_bf16') if n not in flags) or '-'}"


def load_line():
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def median_time(fn, iters):
    fn()
    times = []
    for _ in range(iters):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_image(seed, h, w):
    """The benchmark's h x w RGB image (uint8, HWC, uniform noise): a function of seed and size alone."""
    gen = torch.Generator().manual_seed(seed * 1_000_003 + h * 10_007 + w)
    return (torch.rand(h, w, 3, generator=gen) * 255).to(torch.uint8)


# --- detections and their checks -------------------------------------------------------------

def as_dets(boxes, scores, labels):
    return {"boxes": np.asarray(boxes, dtype=np.float64).reshape(-1, 4), "scores": np.asarray(scores, dtype=np.float64),
            "labels": np.asarray(labels, dtype=np.int64)}


def ulps(a, b):
    """|a - b| in float32 units in the last place of the larger (how near a tie two scores are)."""
    a, b = np.float32(a), np.float32(b)
    return float(abs(np.float64(a) - np.float64(b)) / np.spacing(max(a, b)))


def match_fp32(got, want, tol=1e-2):
    """(matched, expected, max box difference, max score difference in float32 ulps) over matched
    pairs — one-to-one, same label, box within tol px."""
    used = np.zeros(len(got["scores"]), bool)
    matched, worst, worst_score = 0, 0.0, 0.0
    for k in range(len(want["scores"])):
        cand = np.where((~used) & (got["labels"] == want["labels"][k]))[0]
        if len(cand) == 0:
            continue
        diff = np.abs(got["boxes"][cand] - want["boxes"][k]).max(1)
        j = int(np.argmin(diff))
        if diff[j] <= tol:
            used[cand[j]] = True
            matched += 1
            worst = max(worst, float(diff[j]))
            worst_score = max(worst_score, ulps(got["scores"][cand[j]], want["scores"][k]))
    return matched, len(want["scores"]), worst, worst_score


def ap_against(got, want):
    """COCO AP@[.5:.95] of `got` with `want` (torchvision float32) as ground truth (pycocotools)."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    cats = sorted(set(want["labels"].tolist()) | set(got["labels"].tolist()))
    anns = [{"id": i + 1, "image_id": 1, "category_id": int(l), "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]],
             "area": float((b[2] - b[0]) * (b[3] - b[1])), "iscrowd": 0}
            for i, (b, l) in enumerate(zip(want["boxes"].tolist(), want["labels"].tolist()))]
    gt = COCO()
    gt.dataset = {"images": [{"id": 1}], "categories": [{"id": c} for c in cats], "annotations": anns}
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
        dt = gt.loadRes([{"image_id": 1, "category_id": int(l), "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]],
                          "score": float(s)} for b, s, l in zip(got["boxes"].tolist(), got["scores"].tolist(),
                                                                got["labels"].tolist())]) if len(got["scores"]) else None
        if dt is None:
            return 0.0
        e = COCOeval(gt, dt, "bbox")
        e.params.maxDets = [1, 10, 1000]  # torchvision keeps 300 per image: count them all
        e.evaluate()
        e.accumulate()
    p = e.eval["precision"][:, :, :, 0, -1]  # IoU .5:.95, all recalls and classes, area all, 1000 dets
    return float(p[p > -1].mean()) if (p > -1).any() else 0.0


def score_margins(model, img):
    """How far torchvision float32's decisions on `img` are from a tie, as a printable line.

    Follows RetinaNet.postprocess_detections: per level, scores > score_thresh, the top
    topk_candidates; batched NMS; the first detections_per_img (n). Greedy NMS settles a box from
    the boxes above it only, so the n detections depend only on the candidates scoring at least
    the n-th detection's score s_n. The decisive margins, in float32 ulps of the score: the gap
    at the n cut after NMS; the gap at each level's top-k cut whose last kept score reaches s_n;
    among same-label candidates scoring >= s_n, the smallest score gap of a pair overlapping by
    IoU > nms_thresh (their order decides which suppresses the other) and the smallest
    |IoU - nms_thresh| (absolute). A float32 contender's scores differ from torchvision's by some
    ulps (match_fp32 reports it): margins well above that make a mismatch a bug, not a tie.
    Also, as information: the smallest gap between consecutive detections' scores and, per
    level, the number passing score_thresh, the k-th score, its cut and the smallest gap
    between consecutive kept scores (ties there change nothing above s_n).
    """
    from torchvision.ops import batched_nms, box_iou, clip_boxes_to_image
    with torch.no_grad():
        images, _ = model.transform([img])
        feats = list(model.backbone(images.tensors).values())
        head = model.head(feats)
        anchors = model.anchor_generator(images, feats)[0]
        per_level = [f.size(2) * f.size(3) * model.anchor_generator.num_anchors_per_location()[0] for f in feats]
        logits = head["cls_logits"][0].split(per_level)
        deltas = head["bbox_regression"][0].split(per_level)
        anchors = anchors.split(per_level)
        boxes, scores, labels, parts, cuts = [], [], [], [], []
        for lvl, (lg, dl, an) in enumerate(zip(logits, deltas, anchors)):
            k_cls = lg.shape[-1]
            sc = torch.sigmoid(lg).flatten()
            idx = torch.where(sc > model.score_thresh)[0]
            sc = sc[idx]
            k = min(model.topk_candidates, len(sc))
            top, order = sc.topk(min(k + 1, len(sc)))
            cut = f"{ulps(top[k - 1], top[k]):.0f}" if len(sc) > k else "none"
            inner = min((ulps(top[i], top[i + 1]) for i in range(k - 1)), default=float("inf"))
            parts.append(f"P{lvl + 3} {len(sc)} pass, {k}th {float(top[k - 1]):.3f} cut {cut} min {inner:.0f}")
            if len(sc) > k:
                cuts.append((float(top[k - 1]), ulps(top[k - 1], top[k])))
            idx = idx[order[:k]]
            b = model.box_coder.decode_single(dl[idx // k_cls], an[idx // k_cls])
            boxes.append(clip_boxes_to_image(b, images.image_sizes[0]))
            scores.append(top[:k])
            labels.append(idx % k_cls)
        boxes, scores, labels = torch.cat(boxes), torch.cat(scores), torch.cat(labels)
        keep = batched_nms(boxes, scores, labels, model.nms_thresh)
        n = model.detections_per_img
        cut = f"{ulps(scores[keep[n - 1]], scores[keep[n]]):.0f}" if len(keep) > n else "none"
        kept = scores[keep[:n]]
        inner = min((ulps(kept[i], kept[i + 1]) for i in range(len(kept) - 1)), default=float("inf"))
        decisive = torch.where(scores >= kept[-1])[0]
        level_cut = min((g for score, g in cuts if score >= float(kept[-1])), default=float("inf"))
        pair_gap, iou_gap = float("inf"), float("inf")
        for lab in labels[decisive].unique():
            m = decisive[labels[decisive] == lab]
            iou = box_iou(boxes[m], boxes[m]).triu(1)
            i, j = torch.where(iou > 0)
            if len(i):
                iou_gap = min(iou_gap, float((iou[i, j] - model.nms_thresh).abs().min()))
            i, j = torch.where(iou > model.nms_thresh)
            for a, b in zip(scores[m[i]].tolist(), scores[m[j]].tolist()):
                pair_gap = min(pair_gap, ulps(a, b))
    level_cut = "none" if level_cut == float("inf") else f"{level_cut:.0f} ulp"
    return (f"decisive margins: cut at {n} {cut} ulp (score {float(kept[-1]):.3f}), top-k cuts above it "
            f"{level_cut}, {len(decisive)} candidates above it: same-label pairs with IoU > "
            f"{model.nms_thresh} min gap {pair_gap:.0f} ulp, min |IoU - {model.nms_thresh}| {iou_gap:.1e}; "
            f"min gap among the {len(kept)} detections {inner:.0f} ulp (NMS keeps {len(keep)}); per level: "
            f"{'; '.join(parts)}")


# --- contenders -----------------------------------------------------------------------------

def torchvision_model(state, h, w):
    m = retinanet_resnet50_fpn(weights=None, weights_backbone=None, min_size=min(h, w), max_size=max(h, w))
    m.load_state_dict(state)
    return m.eval()


def run_torchvision(model, img, iters, bf16):
    def call():
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            return model([img])[0]
    t = median_time(call, iters)
    d = call()
    return t, as_dets(d["boxes"].float(), d["scores"].float(), d["labels"])


def export_onnx(model, img, path):
    """The torchvision model as ONNX (boxes, scores, labels for one image of this size)."""
    with torch.no_grad():
        try:
            torch.onnx.export(model, ([img],), path, opset_version=17, dynamo=False,
                              input_names=["image"], output_names=["boxes", "scores", "labels"])
        except Exception as e:  # the TorchScript exporter is gone or refuses the model
            print(f"  (TorchScript ONNX export failed: {type(e).__name__}: {str(e)[:200]}; trying dynamo)")
            torch.onnx.export(model, ([img],), path, dynamo=True, input_names=["image"],
                              output_names=["boxes", "scores", "labels"])


def run_onnxruntime(path, img, threads, iters):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    feed = {sess.get_inputs()[0].name: img.numpy()}
    t = median_time(lambda: sess.run(None, feed), iters)
    b, s, l = sess.run(None, feed)
    return t, as_dets(b, s, l)


def run_openvino(path, img, threads, iters, precision="f32"):
    import openvino as ov
    core = ov.Core()
    compiled = core.compile_model(path, "CPU", {"INFERENCE_NUM_THREADS": threads, "INFERENCE_PRECISION_HINT": precision,
                                                "PERFORMANCE_HINT": "LATENCY"})
    req = compiled.create_infer_request()
    x = img.numpy()
    t = median_time(lambda: req.infer({0: x}), iters)
    req.infer({0: x})
    b, s, l = (req.get_output_tensor(i).data.copy() for i in range(3))
    return t, as_dets(b, s, l)


def coco_for_image(png, h, w, copies, path):
    """A COCO annotation file listing `png` `copies` times (91 categories: torchvision's label slots)."""
    with open(path, "w") as f:
        json.dump({"images": [{"id": i + 1, "file_name": os.path.basename(png), "height": h, "width": w}
                              for i in range(copies)],
                   "annotations": [], "categories": [{"id": c + 1, "name": f"c{c}"} for c in range(91)]}, f)


def run_ghmdet(binary, tag, ckpt, png, h, w, threads, iters, work, dtype):
    """(seconds per image, detections of image 1) from `ghmdet test` on 1 and 1 + iters copies.

    The time is what the other contenders time — from the image in memory to its detections —:
    the model time `ghmdet test` prints ("N s in the model": the batch to the model, predict,
    post-processing, the detections back), differenced over 1 and 1 + iters copies so that the
    first call's set-up cancels. Reading the PNG, resizing and normalising it happen in the loader
    (its "loading" time) and are left out, as the others are handed a decoded tensor; the end to
    end time from the processes' wall times is printed beside it.
    """
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    wall, model, loading = {}, {}, {}
    dets = None
    for copies in (1, 1 + iters):
        ann = os.path.join(work, f"ann_{h}x{w}_{copies}.json")
        coco_for_image(png, h, w, copies, ann)
        out = os.path.join(work, f"ghmdet_{tag}_{h}x{w}_{dtype}_{copies}.json")
        args = [binary, "test", TV_CONFIG, ckpt, "--out", out, "--device", "cpu", "--dtype", dtype, "--cfg-options",
                f"data.test.ann_file={ann}", f"data.test.img_prefix={os.path.dirname(png)}/",
                f"data.test.img_scale=[{max(h, w)}, {min(h, w)}]", "data.workers_per_gpu=0", "data.imgs_per_gpu=1"]
        t = time.perf_counter()
        r = subprocess.run(args, env=env, capture_output=True, text=True)
        wall[copies] = time.perf_counter() - t
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(args)}: exit {r.returncode}\n{r.stdout}\n{r.stderr}")
        m = re.search(r"tested (\d+) images in ([0-9.]+) s \(([0-9.]+) s loading images, ([0-9.]+) s in the model\)",
                      r.stdout)
        if not m:
            raise RuntimeError(f"{binary} test printed no loading/model times:\n{r.stdout}")
        loading[copies], model[copies] = float(m.group(3)), float(m.group(4))
        if "float32 (bf16 requested" in r.stdout:
            print(f"  note: {binary} ran float32 for --dtype bf16: {r.stdout.splitlines()[0]}")
        if copies == 1:
            res = [d for d in json.load(open(out)) if d["image_id"] == 1]
            dets = as_dets([[d["bbox"][0], d["bbox"][1], d["bbox"][0] + d["bbox"][2], d["bbox"][1] + d["bbox"][3]]
                            for d in res], [d["score"] for d in res], [d["category_id"] - 1 for d in res])
    per_image = (model[1 + iters] - model[1]) / iters
    end_to_end = (wall[1 + iters] - wall[1]) / iters
    print(f"    ({tag} {dtype}: {per_image:.3f} s in the model; end to end from the PNG file {end_to_end:.3f} s, "
          f"of which loading {(loading[1 + iters] - loading[1]) / iters:.3f} s)", flush=True)
    return per_image, dets


def inference(args):
    from PIL import Image
    state = bench_weights(args.seed)
    ckpt = os.path.join(args.work, "retinanet_r50_torchvision.pth")
    torch.save(state, ckpt)
    rows, margins = [], []
    for size in args.sizes:
        h, w = (int(v) for v in size.split("x"))
        arr = bench_image(args.seed, h, w)
        png = os.path.join(args.work, f"img_{h}x{w}.png")
        Image.fromarray(arr.numpy()).save(png)
        img = arr.permute(2, 0, 1).float() / 255.0
        tv = torchvision_model(state, h, w)
        margins.append(f"{h}x{w}: {score_margins(tv, img)}")
        print(f"  {margins[-1]}", flush=True)
        onnx_path = os.path.join(args.work, f"retinanet_{h}x{w}.onnx")
        if "onnx" in args.contenders:
            export_onnx(tv, img, onnx_path)
        for threads in args.threads:
            torch.set_num_threads(threads)
            res = {}
            res["torchvision fp32"] = run_torchvision(tv, img, args.iters, False)
            ref = res["torchvision fp32"][1]
            if "torchvision-bf16" in args.contenders:
                res["torchvision bf16 autocast"] = run_torchvision(tv, img, args.iters, True)
            if "onnx" in args.contenders:
                res["ONNX Runtime fp32"] = run_onnxruntime(onnx_path, img, threads, args.iters)
                res["OpenVINO fp32"] = run_openvino(onnx_path, img, threads, args.iters)
            for dtype, name in (("float32", "fp32"), ("bf16", "bf16")):
                for binary, version in ((args.ghmdet, "2.15"), (args.ghmdet_113, "1.13")):
                    if binary:
                        res[f"GHMDet {name} (libtorch {version})"] = run_ghmdet(
                            binary, version, ckpt, png, h, w, threads, args.iters, args.work, dtype)
            base = res["torchvision fp32"][0]
            for name, (t, d) in res.items():
                if "bf16" in name:
                    check = f"AP vs torchvision fp32 {ap_against(d, ref):.4f}"
                else:
                    m, n, worst, worst_score = match_fp32(d, ref)
                    check = f"{m}/{n} matched, max box diff {worst:.1e} px, max score diff {worst_score:.0f} ulp" + \
                            ("" if m == n else "  MISMATCH")
                rows.append((f"{h}x{w}", threads, name, t, base / t, check))
                print(f"  {h}x{w} {threads} thr  {name:30s} {t:8.3f} s  {base / t:5.2f}x  {check}", flush=True)
    print(f"\nInference, R50-FPN, batch 1 ({load_line()} after)")
    print("| size | threads | contender | s / image | speed vs torchvision fp32 | detections vs torchvision fp32 |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]:.3f} | {r[4]:.2f}x | {r[5]} |")
    print("torchvision float32's margins from a tie (seed {}):\n  {}".format(args.seed, "\n  ".join(margins)))


# --- training step --------------------------------------------------------------------------

TRAIN_SIZE, TRAIN_BATCH, TRAIN_BOXES = 512, 2, 3
TRAIN_CONFIGS = {"FL + SL1": os.path.join(ROOT, "configs", "ghm", "retinanet_fl_sl1_r50_fpn_1x_coco.yaml"),
                 "GHM-C + GHM-R": os.path.join(ROOT, "configs", "ghm", "retinanet_ghmc_ghmr_r50_fpn_1x_coco.yaml")}


def train_data(seed, n_images, work):
    """n_images noise images of TRAIN_SIZE^2 with TRAIN_BOXES boxes each (40..200 px, labels 1..90),
    written as PNG + a COCO file with 91 categories (ids 1..91: torchvision's 91 label slots, so
    that both sides have 91 sigmoid outputs per anchor) and returned as torchvision's inputs."""
    from PIL import Image
    rng = np.random.default_rng(seed)
    folder = os.path.join(work, "train")
    os.makedirs(folder, exist_ok=True)
    images, anns, samples = [], [], []
    for i in range(n_images):
        arr = bench_image(seed + 1 + i, TRAIN_SIZE, TRAIN_SIZE)
        name = f"train_{i}.png"
        Image.fromarray(arr.numpy()).save(os.path.join(folder, name))
        images.append({"id": i + 1, "file_name": name, "height": TRAIN_SIZE, "width": TRAIN_SIZE})
        xy = rng.random((TRAIN_BOXES, 2)) * (TRAIN_SIZE - 220)
        wh = 40 + rng.random((TRAIN_BOXES, 2)) * 160
        labels = rng.integers(1, 91, TRAIN_BOXES)
        for (x, y), (w, h), c in zip(xy.tolist(), wh.tolist(), labels.tolist()):
            anns.append({"id": len(anns) + 1, "image_id": i + 1, "category_id": c, "bbox": [x, y, w, h],
                         "area": w * h, "iscrowd": 0})
        samples.append((arr.permute(2, 0, 1).float() / 255.0,
                        {"boxes": torch.tensor(np.concatenate([xy, xy + wh], 1), dtype=torch.float32),
                         "labels": torch.tensor(labels, dtype=torch.int64)}))
    ann = os.path.join(folder, "train.json")
    with open(ann, "w") as f:
        json.dump({"images": images, "annotations": anns,
                   "categories": [{"id": c + 1, "name": f"c{c}"} for c in range(91)]}, f)
    return ann, folder, samples


def train_torchvision(samples, threads, warmup, seed):
    """Seconds per training step (median after `warmup` steps) of torchvision's RetinaNet R50-FPN.

    retinanet_resnet50_fpn(weights=None, weights_backbone=None, min_size=max_size=TRAIN_SIZE): sigmoid
    focal loss + L1, 91 classes. Set up as GHMDet's configs train: conv1 + layer1 frozen (what
    trainable_backbone_layers=3 does; without weights torchvision would train all five), every
    BatchNorm in eval mode with its affine parameters training in layer2..4 (mmdetection's
    norm_eval; torchvision's fine-tuning default, FrozenBatchNorm2d, would freeze them too). SGD lr
    0.01, momentum 0.9, weight decay 1e-4 on the parameters that train, gradients clipped to a norm
    of 35 as GHMDet's configs do (from random weights an unclipped GHM-R step diverged: loss_bbox
    5.8e5 at the second step, NaN at the third).
    """
    torch.set_num_threads(threads)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = retinanet_resnet50_fpn(weights=None, weights_backbone=None, min_size=TRAIN_SIZE, max_size=TRAIN_SIZE)
    body = model.backbone.body
    for name, p in body.named_parameters():
        if not name.startswith(("layer2", "layer3", "layer4")):
            p.requires_grad_(False)
    model.train()
    for m in body.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.eval()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=0.01, momentum=0.9, weight_decay=1e-4)
    times = []
    for i in range(0, len(samples) - TRAIN_BATCH + 1, TRAIN_BATCH):
        imgs, targets = zip(*samples[i:i + TRAIN_BATCH])
        t = time.perf_counter()
        losses = model(list(imgs), list(targets))
        loss = sum(losses.values())
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 35.0)
        opt.step()
        times.append(time.perf_counter() - t)
    return statistics.median(times[warmup:]), len(times) - warmup


def train_ghmdet(binary, config, ann, folder, threads, warmup, seed, work_dir):
    """Seconds per training step (median after `warmup` steps) of `ghmdet train` on `config`.

    The paper's R50-FPN config (legacy conventions), overridden: no pretrained file (random
    initialisation, frozen_stages 1 and norm_eval as configured), 91 classes, the generated set at
    TRAIN_SIZE^2 without flips, batch TRAIN_BATCH, no loader workers, gradients clipped to 35 as
    configured (torchvision's side clips the same), one epoch. Times are the trainer's own per
    iteration (log_config.interval 1, work_dir/metrics.jsonl): loading the batch (data_time, the
    images decoded and normalised), losses, backward and the SGD step; start-up is not in them.
    """
    shutil.rmtree(work_dir, ignore_errors=True)
    args = [binary, "train", config, "--work-dir", work_dir, "--device", "cpu", "--no-validate", "--seed", str(seed),
            "--cfg-options", "model.pretrained=null", "model.bbox_head.num_classes=91",
            f"data.train.ann_file={ann}", f"data.train.img_prefix={folder}/",
            f"data.train.img_scale=[{TRAIN_SIZE}, {TRAIN_SIZE}]", "data.train.flip_ratio=0",
            f"data.imgs_per_gpu={TRAIN_BATCH}", "data.workers_per_gpu=0", "total_epochs=1", "log_config.interval=1",
            "checkpoint_config.interval=0"]
    r = subprocess.run(args, env=dict(os.environ, OMP_NUM_THREADS=str(threads)), capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {r.returncode}\n{r.stdout}\n{r.stderr}")
    with open(os.path.join(work_dir, "metrics.jsonl")) as f:
        records = [json.loads(line) for line in f]
    times = [e["time"] for e in records if e.get("mode") == "train"]
    data = [e["data_time"] for e in records if e.get("mode") == "train"]
    shutil.rmtree(work_dir, ignore_errors=True)  # the final checkpoint: ~300 MB
    return statistics.median(times[warmup:]), len(times) - warmup, statistics.median(data[warmup:])


def training(args):
    warmup = 1
    n_images = TRAIN_BATCH * (warmup + args.train_iters)
    ann, folder, samples = train_data(args.seed, n_images, args.work)
    rows = []
    for threads in args.threads:
        res = {"torchvision FL + L1": train_torchvision(samples, threads, warmup, args.seed) + (None,)}
        print(f"  train {threads} thr  torchvision FL + L1: {res['torchvision FL + L1'][0]:.3f} s/step", flush=True)
        for binary, version in ((args.ghmdet, "2.15"), (args.ghmdet_113, "1.13")):
            if not binary:
                continue
            for losses, config in TRAIN_CONFIGS.items():
                name = f"GHMDet {losses} (libtorch {version})"
                res[name] = train_ghmdet(binary, config, ann, folder, threads, warmup, args.seed,
                                         os.path.join(args.work, f"train_{version}_{threads}"))
                print(f"  train {threads} thr  {name}: {res[name][0]:.3f} s/step (data {res[name][2]:.3f} s)",
                      flush=True)
        base = res["torchvision FL + L1"][0]
        for name, (t, n, data) in res.items():
            rows.append((threads, name, t, n, base / t, "" if data is None else f"{data:.3f}"))
    print(f"\nTraining step, R50-FPN, {TRAIN_SIZE}x{TRAIN_SIZE}, batch {TRAIN_BATCH}, {TRAIN_BOXES} boxes per image "
          f"({load_line()} after)")
    print("| threads | contender | s / step | steps timed | speed vs torchvision | of which loading the batch, s |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]:.3f} | {r[3]} | {r[4]:.2f}x | {r[5] or '-'} |")


# --- evaluation -----------------------------------------------------------------------------

def generate_val2017_like(work, seed=2019):
    """5,000 images, 80 categories, ~7.35 boxes per image (1 % crowd), 100 detections per image."""
    rng = np.random.default_rng(seed)
    cats = [c + (c > 11) + (c > 25) for c in range(1, 81)]
    images, anns, dets = [], [], []
    ann_id = 1
    for i in range(5000):
        image_id = 100000 + 13 * i
        images.append({"id": image_id, "file_name": f"{image_id}.jpg", "width": 640, "height": 480})
        n = int(rng.random() * 15.7)
        size = np.exp(np.log(4.0) + rng.random(n) * (np.log(400.0) - np.log(4.0)))
        wh = size[:, None] * (0.6 + 0.8 * rng.random((n, 2)))
        xy = rng.random((n, 2)) * [600, 450]
        cat = np.where(rng.random(n) < 0.25, cats[0], rng.choice(cats[1:], n))
        crowd = rng.random(n) < 0.01
        image_dets = []
        for k in range(n):
            x, y, w, h = float(xy[k, 0]), float(xy[k, 1]), float(wh[k, 0]), float(wh[k, 1])
            anns.append({"id": ann_id, "image_id": image_id, "category_id": int(cat[k]), "bbox": [x, y, w, h],
                         "area": w * h * 0.8, "iscrowd": int(crowd[k])})
            ann_id += 1
            for j in rng.random((3, 3)):
                image_dets.append((image_id, int(cat[k]), [x + (j[0] - 0.5) * 0.3 * w, y + (j[1] - 0.5) * 0.3 * h, w, h],
                                   float(j[2])))
        while len(image_dets) < 100:
            s = 8 + rng.random() * 300
            image_dets.append((image_id, int(cats[0] if rng.random() < 0.25 else rng.choice(cats[1:])),
                               [rng.random() * 600, rng.random() * 450, s, s * 0.8], float(rng.random() * 0.5)))
        image_dets.sort(key=lambda d: -d[3])
        dets += [{"image_id": a, "category_id": b, "bbox": c, "score": d} for a, b, c, d in image_dets[:100]]
    ann_path, res_path = os.path.join(work, "val2017_like.json"), os.path.join(work, "val2017_like_results.json")
    with open(ann_path, "w") as f:
        json.dump({"images": images, "annotations": anns, "categories": [{"id": c, "name": f"c{c}"} for c in cats]}, f)
    with open(res_path, "w") as f:
        json.dump(dets, f)
    return ann_path, res_path, len(anns), len(dets)


def evaluation(args):
    ann, res, n_ann, n_det = generate_val2017_like(args.work)
    print(f"\nEvaluation: 5,000 images, {n_ann} boxes, {n_det} detections ({load_line()} before)")
    stats, times = {}, {}

    def cocoeval_run(coco_class, eval_class):
        """The 12 numbers of a pycocotools-style API (faster-coco-eval has the same one)."""
        with contextlib.redirect_stdout(io.StringIO()):
            gt = coco_class(ann)
            e = eval_class(gt, gt.loadRes(res), "bbox")
            e.evaluate()
            e.accumulate()
            e.summarize()
        return list(map(float, e.stats))

    def pycocotools_run():
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval
        return cocoeval_run(COCO, COCOeval)

    def faster_run():
        from faster_coco_eval import COCO, COCOeval_faster
        return cocoeval_run(COCO, COCOeval_faster)

    def ghmdet_run():
        out = os.path.join(args.work, "ghmdet_stats.json")
        subprocess.run([args.ghmdet or args.ghmdet_113, "eval", "--ann", ann, "--results", res, "--out", out],
                       check=True, capture_output=True, env=dict(os.environ, OMP_NUM_THREADS=str(max(args.threads))))
        return list(map(float, json.load(open(out)).values()))

    for name, fn in (("ghmdet eval", ghmdet_run), ("faster-coco-eval 1.8.0", faster_run),
                     ("pycocotools 2.0.11", pycocotools_run)):
        runs = args.eval_iters if name != "pycocotools 2.0.11" else 1
        ts = []
        for _ in range(runs):
            t = time.perf_counter()
            stats[name] = fn()
            ts.append(time.perf_counter() - t)
        times[name] = statistics.median(ts)
        print(f"  {name}: {times[name]:.2f} s (median of {runs})", flush=True)
    ref = stats["pycocotools 2.0.11"]
    print("| tool | s (end to end) | pycocotools time / this | max abs difference of the 12 numbers vs pycocotools |")
    print("|---|---|---|---|")
    for name in stats:
        diff = max(abs(a - b) for a, b in zip(stats[name], ref))
        print(f"| {name} | {times[name]:.2f} | {times['pycocotools 2.0.11'] / times[name]:.1f}x | {diff:.1e} |")
    print(f"ghmdet eval vs faster-coco-eval: {times['faster-coco-eval 1.8.0'] / times['ghmdet eval']:.1f}x")
    print("stats (pycocotools):", ", ".join(f"{x:.6f}" for x in ref))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ghmdet", help="bin/ghmdet built on libtorch 2.15 (build-pypi)")
    ap.add_argument("--ghmdet-113", help="bin/ghmdet built on Debian's libtorch 1.13 (build)")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--sizes", nargs="+", default=["800x1216", "512x512"])
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--eval-iters", type=int, default=3)
    ap.add_argument("--seed", type=int, default=24,
                    help="the benchmark's weights and images (24: the decisive margins at 800x1216 and 512x512 "
                         "are several times the float32 peers' score differences)")
    ap.add_argument("--contenders", nargs="+", default=["torchvision-bf16", "onnx"],
                    help="peers besides torchvision fp32 and GHMDet: torchvision-bf16, onnx")
    ap.add_argument("--train-iters", type=int, default=3, help="training steps timed after one warm-up step")
    ap.add_argument("--skip-inference", action="store_true")
    ap.add_argument("--skip-train", action="store_true")
    ap.add_argument("--skip-eval", action="store_true")
    ap.add_argument("--work", default=os.path.join(ROOT, "work_dirs", "peers_bench"))
    args = ap.parse_args()
    if not (args.ghmdet or args.ghmdet_113):
        ap.error("give --ghmdet and/or --ghmdet-113")
    os.makedirs(args.work, exist_ok=True)
    import onnxruntime
    import openvino
    print(cpu_line())
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, onnxruntime {onnxruntime.__version__}, "
          f"openvino {openvino.__version__}; {load_line()}")
    for b in (args.ghmdet, args.ghmdet_113):
        if b:
            v = subprocess.run([b, "version"], capture_output=True, text=True).stdout.strip().replace("\n", "; ")
            print(f"{b}: {v}")
    took = []
    for part, skip in ((inference, args.skip_inference), (training, args.skip_train), (evaluation, args.skip_eval)):
        if not skip:
            t = time.perf_counter()
            part(args)
            took.append(f"{part.__name__} {time.perf_counter() - t:.0f} s")
    print(f"\nwall time: {', '.join(took)}; {load_line()}")


if __name__ == "__main__":
    sys.exit(main())
