#!/usr/bin/env python3
"""The GPU check's tables: reads what scripts/gpu-check.sh run left in DIR (machine.txt,
stages.txt, test_cuda_*.xml, gpu_check.json, peers.json) and prints them as markdown.

    python3 scripts/bench/gpu_report.py --dir OUT > OUT/gpu_check.md

A missing or failed part is printed as such; the others are still tabulated.
"""
import argparse
import glob
import json
import os
import xml.etree.ElementTree as ET


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        return {"error": f"{os.path.basename(path)}: {e}"}


def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return f"({os.path.basename(path)} missing)"


def section(data, key):
    """data[key] if it ran, else None after printing why not."""
    value = data.get(key) if isinstance(data, dict) else None
    if value is None:
        print(f"*{key}: not run ({data.get('error', 'absent') if isinstance(data, dict) else 'absent'})*\n")
        return None
    if isinstance(value, dict) and "error" in value:
        print(f"*{key}: FAILED: {value['error']}*\n")
        return None
    return value


def table(header, rows):
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(str(x) for x in r) + " |")
    print()


def g(x, digits=3):
    return f"{x:.{digits}g}" if isinstance(x, (int, float)) else str(x)


def tests(out_dir):
    rows = []
    failures = []
    for path in sorted(glob.glob(os.path.join(out_dir, "test_cuda_*.xml"))):
        root = ET.parse(path).getroot()
        cases = root.iter("testcase")
        n = skipped = failed = 0
        for case in cases:
            n += 1
            if case.find("skipped") is not None or case.get("result") == "skipped":
                skipped += 1
            if case.find("failure") is not None:
                failed += 1
                failures.append(f"{case.get('classname')}.{case.get('name')}: "
                                f"{case.find('failure').get('message', '')[:300]}")
        rows.append((os.path.basename(path)[:-4], n, n - failed - skipped, failed, skipped))
    print("## CUDA tests\n")
    if rows:
        table(["program", "tests", "passed", "failed", "skipped"], rows)
    else:
        print("*no test results (see the stages above)*\n")
    for f in failures:
        print(f"- FAILED {f}")
    if failures:
        print()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", required=True)
    out_dir = ap.parse_args().dir
    ours, peers = load(os.path.join(out_dir, "gpu_check.json")), load(os.path.join(out_dir, "peers.json"))

    print("# GHMDet GPU check\n")
    print("```\n" + read(os.path.join(out_dir, "machine.txt")) + "\n" + read(os.path.join(out_dir, "stages.txt"))
          + "\n```\n")
    env = section(ours, "env")
    if env:
        print(f"GHMDet: libtorch {env['torch_version']}, device {env['device']}, GHMDet CUDA kernels "
              f"{'built' if env['ghmdet_cuda_kernels'] else 'NOT built'}; scale {ours.get('scale')}; "
              f"peers: {json.dumps(peers.get('env', {}))}\n")
    tests(out_dir)

    print("## CPU vs GPU (the CPU is the oracle)\n")
    rows = section(ours, "compare_losses")
    if rows:
        table(["loss", "input", "loss CPU", "loss GPU", "rel. diff", "max |grad diff|", "max |grad|",
               "max |EMA diff|"],
              [(r["name"], r["shape"], g(r["loss_cpu"], 8), g(r["loss_device"], 8), g(r["loss_rel_diff"]),
                g(r["grad_max_abs_diff"]), g(r["grad_max_abs"]), g(r["ema_max_abs_diff"])) for r in rows])
    det = section(ours, "compare_detector")
    if det:
        terms = ", ".join(f"{k} {g(v['cpu'], 7)} / {g(v['device'], 7)}" for k, v in det["loss_terms"].items())
        print(f"RetinaNet ({det['config']}, {det['images']}), CPU / GPU: {terms}; max |grad diff| "
              f"{g(det['grad_max_abs_diff'])} (max |grad| {g(det['grad_max_abs'])}); head outputs max |diff| "
              f"cls {g(det['head_cls_max_abs_diff'])} (max |cls| {g(det['head_cls_max_abs'])}), "
              f"box {g(det['head_box_max_abs_diff'])}; detections per image "
              + "; ".join(f"{d['cpu']} / {d['device']}"
                          + (f" (box diff {g(d['box_max_abs_diff'])}, labels equal {d['labels_equal']})"
                             if "box_max_abs_diff" in d else "") for d in det["detections"]) + "\n")

    print("## Host synchronisations\n")
    syncs = section(ours, "host_syncs")
    if syncs:
        table(["config", "counted", "training loss (promise: 1)", "its backward (promise: none)",
               "predict, per image", "Trainer iteration float32", "Trainer iteration fp16"],
              [(syncs["config"], syncs["available"], syncs.get("loss_syncs"),
                "none" if syncs.get("backward_syncs_forbidden_ok") else f"SYNCED: {syncs.get('backward_sync_error')}",
                g(syncs.get("predict_syncs_per_image")), g(syncs.get("trainer_syncs_per_iteration")),
                g(syncs.get("trainer_syncs_per_iteration_fp16")))])

    print("## Training on generated batches\n")
    rows = section(ours, "train")
    if rows:
        table(["config", "fp16", "iterations", "loss first → last (mean of a fifth)", "finite", "s / iter",
               "skipped steps", "loss scale"],
              [(r["config"], r["fp16"], r["iterations"], f"{g(r['loss_first'], 4)} → {g(r['loss_last'], 4)}",
                r["finite"], g(r["s_per_iter"]), r["skipped_steps"], g(r["loss_scale"])) for r in rows])

    print("## Losses at COCO scale (forward + backward)\n")
    rows = list(section(ours, "time_losses") or [])
    ref = section(peers, "reference_ghmc") or []
    rows += ref
    if rows:
        focal = next((r["ms"] for r in rows if r["name"].startswith("focal")), None)
        ghmc = next((r["ms"] for r in rows if r["name"] == "GHM-C (GHMDet)"), None)
        table(["loss", "input", "ms", "vs GHMDet focal loss", "GHMDet GHM-C faster by"],
              [(r["name"], r["shape"], g(r["ms"]), f"{r['ms'] / focal:.2f}x" if focal else "-",
                f"{r['ms'] / ghmc:.1f}x" if ghmc and r["name"] != "GHM-C (GHMDet)" and "GHM-C" in r["name"] else "")
               for r in rows])

    print("## R50-FPN RetinaNet training step\n")
    steps = section(ours, "time_steps") or []
    tv = section(peers, "torchvision_steps") or []
    if steps or tv:
        fl = {r["fp16"]: r["s_per_step"] for r in steps if r["name"].startswith("FL")}
        tvs = {r["amp"]: r["s_per_step"] for r in tv}
        rows = [(r["name"] + " (GHMDet)", r["images"], "fp16 (dynamic scale)" if r["fp16"] else "float32",
                 g(r["s_per_step"]), f"{r['s_per_step'] / fl[r['fp16']]:.3f}x" if r["fp16"] in fl else "-",
                 f"{tvs[r['fp16']] / r['s_per_step']:.2f}x" if r["fp16"] in tvs else "-") for r in steps]
        rows += [(r["name"], r["images"], "autocast fp16 + GradScaler" if r["amp"] else "float32", g(r["s_per_step"]),
                  "", "1.00x") for r in tv]
        table(["step", "images", "precision", "s / step", "vs GHMDet FL + SL1 (target GHM ≤ 1.02x)",
               "speed vs torchvision"], rows)

    print("## R50-FPN RetinaNet inference\n")
    inf = (section(ours, "time_inference") or []) + (section(peers, "torchvision_inference") or [])
    if inf:
        base = next((r["s_per_image"] for r in inf if r["name"].startswith("torchvision")), None)
        table(["model", "images", "s / image", "speed vs torchvision", "detections"],
              [(r["name"], r["images"], g(r["s_per_image"]), f"{base / r['s_per_image']:.2f}x" if base else "-",
                r["detections"]) for r in inf])


if __name__ == "__main__":
    main()
