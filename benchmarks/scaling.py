"""How the stages after extraction grow with the corpus: seconds and peak memory at 1k, 10k and 100k items.

Each (stage, size) runs in a fresh process (so its peak resident memory is its own; the seconds leave out making the inputs) on random inputs of the real
shapes: 256-d d-vectors for speaker recovery (6 classes x 30 speakers, three classes without speaker ids), 768-d
layer arrays for the probes and CKA. Stages:

- `clustering`: `speakers.assign_speakers` (calibration, validation, safe cut, naming), bounded by `CLUSTER_CAP`;
- `layer`: one layer notebook's probes, `probe.probe_arrays` with the sweep's defaults (mlp + logreg x seed +
  speaker, 5 nulls, 1,000 bootstrap resamples);
- `cka`: the all-layers notebook's CKA, `analysis.cka_matrix` over 13 layers on its default 2,000-item subset.

The peak memory includes making the inputs (cka: writing 13 memory-mapped layers, 4 GB at 100k). Prints a table and, per stage, the growth exponent b of seconds ~ n^b between consecutive sizes.

    python benchmarks/scaling.py                               # clustering and cka at 1k/10k/100k, layer at 1k/10k
    python benchmarks/scaling.py --layer-sizes 1000,10000,100000   # the layer notebook at 100k too (long on 2 cores)
"""
import argparse, json, resource, subprocess, sys, time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def clustering(n: int):
    from indic_probe.data import UNKNOWN_SPEAKER
    from indic_probe.speakers import assign_speakers
    rng = np.random.default_rng(0)
    classes, speakers = rng.integers(0, 6, n), rng.integers(0, 30, n)
    centres = rng.normal(size=(6, 30, 256))
    vectors = (centres[classes, speakers] + 0.6 * rng.normal(size=(n, 256))).astype(np.float32)
    labels = np.array([f"c{c}" for c in classes], dtype=object)
    given = np.where(classes < 3, [f"c{c}_s{s}" for c, s in zip(classes, speakers)], UNKNOWN_SPEAKER).astype(object)
    return lambda: assign_speakers(labels, given, vectors)


def layer(n: int):
    import torch
    from indic_probe.probe import planted_layer, probe_arrays
    torch.set_num_threads(1)
    X, y, groups = planted_layer(n, 768, n_classes=6, n_speakers=30, class_signal=0.05, speaker_signal=0.15)
    return lambda: probe_arrays(X, y, groups, [f"c{k}" for k in range(6)], threads=1, device="cpu")


def cka(n: int):
    import atexit, shutil, tempfile
    from indic_probe.analysis import cka_matrix, subset_rows
    tmp = tempfile.mkdtemp()
    atexit.register(shutil.rmtree, tmp)  # 13 x n x 768 float32: 4 GB at 100k
    rows = subset_rows(n, 2000, 0)
    rng = np.random.default_rng(0)
    layers = [np.lib.format.open_memmap(f"{tmp}/layer_{l:02d}.npy", mode="w+", dtype=np.float32, shape=(n, 768)) for l in range(13)]
    for X in layers: X[:] = rng.normal(size=(n, 768)); X.flush()
    paths = [X.filename for X in layers]; del layers
    return lambda: cka_matrix(np.load(path, mmap_mode="r")[rows] for path in paths)  # as cache_cka: a subset read from each memory-mapped layer


STAGES = {"clustering": clustering, "layer": layer, "cka": cka}


def measure(stage: str, n: int) -> dict:
    "Run one stage at one size in a fresh process: wall seconds of the stage, and the process's peak resident memory"
    code = (f"import sys, time, json, resource; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import scaling; "
            f"run = scaling.STAGES[{stage!r}]({n}); t = time.perf_counter(); run(); s = time.perf_counter() - t; "
            "print(json.dumps(dict(seconds=s, peak_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if out.returncode: return dict(seconds=float("nan"), peak_mib=float("nan"), error=out.stderr.strip().splitlines()[-1])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="items, for clustering and cka")
    parser.add_argument("--layer-sizes", default="1000,10000", help="items, for the layer notebook's probes")
    parser.add_argument("--stages", default=",".join(STAGES))
    args = parser.parse_args()
    sizes = {s: [int(v) for v in (args.layer_sizes if s == "layer" else args.sizes).split(",")] for s in args.stages.split(",")}
    print(f"{'stage':>10} {'items':>8} {'seconds':>9} {'peak MiB':>9}  growth exponent (seconds ~ n^b from the size before)", flush=True)
    for stage, ns in sizes.items():
        last = None
        for n in ns:
            r = measure(stage, n)
            growth = f"b = {np.log(r['seconds'] / last[1]) / np.log(n / last[0]):.2f}" if last else ""
            print(f"{stage:>10} {n:>8} {r['seconds']:9.2f} {r['peak_mib']:9.0f}  {growth} {r.get('error', '')}", flush=True)
            last = (n, r["seconds"])


if __name__ == "__main__":
    main()
