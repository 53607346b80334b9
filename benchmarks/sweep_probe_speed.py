"""Probe cost of a full layer sweep on a synthetic IndicAccentDB-sized problem.

Builds 13 synthetic layers of 8,000 x 768 embeddings (6 classes, 30 speakers of which some are unknown, anisotropic
features like real hidden states, label information peaking at layer 9), then runs what `probe_layer` runs per layer
(mlp + logreg x seed + speaker, 1,000 bootstrap resamples) in a pool of worker processes, one thread each.
Prints the total wall time and the seconds per layer and per probe run. Only the probe cost is measured here: the
papermill-driven sweep adds notebook start-up on top.

    python benchmarks/sweep_probe_speed.py                  # the full problem (target: <= 120 s on 2 cores; 143 s on 2026-12-03)
    python benchmarks/sweep_probe_speed.py --items 2000 --layers 4   # a quick look
"""
import argparse, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing


def synthetic_layer(layer: int, n_items: int, n_features: int, n_layers: int, n_unknown_speakers: int):
    "One layer: planted class and speaker signal (class signal peaks at layer 9), mixed to be anisotropic"
    from indic_probe.probe import planted_layer
    peak = min(9, n_layers - 1)
    class_signal = 0.02 + 0.06 * np.exp(-0.5 * ((layer - peak) / 2.5) ** 2)
    X, y, groups = planted_layer(n_items, n_features, n_classes=6, n_speakers=30, class_signal=class_signal,
                                 speaker_signal=0.15, n_unknown_speakers=n_unknown_speakers, noise_seed=layer)
    rng = np.random.default_rng(1000 + layer)
    spectrum = np.arange(1, n_features + 1) ** -0.7 * 5  # a few strong directions, a long weak tail
    mixing = np.linalg.qr(rng.normal(size=(n_features, n_features)))[0] * spectrum[:, None]
    return (X @ mixing + rng.normal(size=n_features)).astype(np.float32), y, groups


def probe_one_layer(layer: int, args) -> dict:
    "Time probe_layer-equivalent work on one synthetic layer (generation timed apart)"
    from indic_probe.probe import run_probe
    start = time.perf_counter()
    X, y, groups = synthetic_layer(layer, args.items, args.dim, args.layers, args.unknown_speakers)
    made, cpu_made = time.perf_counter(), time.process_time()
    runs = {}
    for probe in ("mlp", "logreg"):
        for protocol in ("seed", "speaker"):
            cpu = time.process_time()
            result = run_probe(X, y, groups, probe, protocol, seeds=(42,), n_boot=args.n_boot, device="cpu", threads=1)
            runs[f"{probe}/{protocol}"] = (result["seconds"], time.process_time() - cpu,
                                           result["metrics"]["accuracy"]["value"], result["n_test"])
    return {"layer": layer, "generate_s": made - start, "probe_s": time.perf_counter() - made,
            "probe_cpu_s": time.process_time() - cpu_made, "pid": os.getpid(), "runs": runs}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=8000)
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--layers", type=int, default=13)
    parser.add_argument("--unknown-speakers", type=int, default=5, help="of 30 speakers")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--n-boot", type=int, default=1000)
    args = parser.parse_args()
    print(f"{args.layers} layers x {args.items} items x {args.dim} dims, mlp+logreg x seed+speaker, "
          f"{args.workers} worker processes x 1 thread, n_boot={args.n_boot}, {os.cpu_count()} CPUs", flush=True)
    start = time.perf_counter()
    with ProcessPoolExecutor(args.workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(probe_one_layer, layer, args) for layer in range(args.layers)]
        reports = [f.result() for f in futures]
    wall = time.perf_counter() - start
    names = list(reports[0]["runs"])
    print("\nseconds: wall (cpu) per probe run; cpu time does not grow when other programs share the cores")
    print(f"{'layer':>5} {'gen_s':>6} {'probe_s':>8} {'cpu_s':>6}  " + "  ".join(f"{n:>24}" for n in names))
    for r in reports:
        cells = "  ".join(f"{r['runs'][n][0]:6.2f} ({r['runs'][n][1]:5.2f}) acc {r['runs'][n][2]:.2f}" for n in names)
        print(f"{r['layer']:>5} {r['generate_s']:6.2f} {r['probe_s']:8.2f} {r['probe_cpu_s']:6.2f}  {cells}")
    wall_s, cpu_s = [r["probe_s"] for r in reports], [r["probe_cpu_s"] for r in reports]
    print(f"\nper layer probe seconds: wall mean {np.mean(wall_s):.2f} / max {np.max(wall_s):.2f}; "
          f"cpu mean {np.mean(cpu_s):.2f} / max {np.max(cpu_s):.2f}")
    print("per run mean seconds (wall / cpu): " + ", ".join(
        f"{n} {np.mean([r['runs'][n][0] for r in reports]):.2f} / {np.mean([r['runs'][n][1] for r in reports]):.2f}" for n in names))
    print("scored items: " + ", ".join(f"{n} {reports[0]['runs'][n][3]}" for n in names))
    busiest = max(sum(r["probe_cpu_s"] + r["generate_s"] for r in reports if r["pid"] == pid) for pid in {r["pid"] for r in reports})
    print(f"busiest worker: {busiest:.1f} cpu-seconds of work (the wall time on idle cores, plus start-up)")
    try: load = os.getloadavg()[0]
    except OSError: load = float("nan")
    print(f"TOTAL wall time: {wall:.1f} s (target <= 120 s); 1-min load average at the end {load:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
