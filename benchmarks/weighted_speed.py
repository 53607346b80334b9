"""Cost of the all-layers learned weighting (`run_weighted_probe`) on an IndicAccentDB-sized problem.

Builds 13 synthetic layers of 8,000 x 768 embeddings (6 classes, 30 speakers, anisotropic features like real hidden
states, label information peaking at layer 9: `sweep_probe_speed.synthetic_layer`) as one [L, N, D] float32 array, the
way the all-layers notebook holds them, then runs `run_weighted_probe` under the `seed` and `speaker` protocols, one
seed, 1,000 bootstrap resamples. Prints wall and CPU seconds per protocol, L-BFGS iterations per fold, and the load
average (these machines are shared: compare runs made side by side).

    python benchmarks/weighted_speed.py                          # the full problem, 2 threads
    python benchmarks/weighted_speed.py --items 2000 --layers 4  # a quick look
    python benchmarks/weighted_speed.py --compare OLD_analysis.py    # also time another analysis.py (say git show HEAD~1:...)
    python benchmarks/weighted_speed.py --tradeoffs              # tolerance, warm starts and the cost of tuning L2, on fold 1
    python benchmarks/weighted_speed.py --notebook               # the whole all-layers notebook (papermill) on a cache of these layers
"""
import argparse, importlib.util, os, sys, time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
sys.path.insert(0, str(Path(__file__).resolve().parent))


def layers(args) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    "The synthetic layers as one [L, N, D] float32 array, with labels and speakers"
    from sweep_probe_speed import synthetic_layer
    stacked = np.empty((args.layers, args.items, args.dim), dtype=np.float32)
    for layer in range(args.layers):
        stacked[layer], y, groups = synthetic_layer(layer, args.items, args.dim, args.layers, 0)
    return stacked, y, groups


def timed(label: str, run) -> dict:
    "Run once; print and return wall and CPU seconds"
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    extra = f", L-BFGS iterations per fold {result['iterations']}, converged {result['converged']}" if "iterations" in result else ""
    print(f"{label}: {wall:.1f} s wall, {cpu:.1f} s CPU, accuracy {result['metrics']['accuracy']['value']:.3f}{extra}", flush=True)
    return {"wall": wall, "cpu": cpu}


def tradeoffs(X, y, groups, args):
    "Fold 1 of the speaker protocol: tolerance, a warm start from another fold, and tuning L2 on a validation part"
    import torch
    from indic_probe.analysis import logit_starts, standardise_fold, fit_heads, head_scores
    from indic_probe.probe import C_GRID
    from indic_probe.probe import protocol_splits, validation_split
    (train, test), (other, _) = protocol_splits(y, groups, "speaker")[:2]
    starts = logit_starts([42], len(X), 0.1)
    def fit(rows, held, **kwargs):
        Z, Z_held = standardise_fold(X, rows, held, "cpu")
        started = time.perf_counter()
        heads = fit_heads(Z, torch.as_tensor(y[rows]), 6, starts, **kwargs)
        seconds = time.perf_counter() - started
        with torch.inference_mode(): predicted = head_scores(Z_held, heads.weight, heads.bias, heads.logits).argmax(2).numpy()
        return heads, predicted, seconds
    reference, reference_pred, _ = fit(train, test, tol=1e-6, max_iter=2000)
    for tol in (1e-3, 1e-4, 1e-5):
        heads, predicted, seconds = fit(train, test, tol=tol)
        print(f"tol {tol:g}: {seconds:.1f} s, {heads.iterations} iterations, {heads.evaluations} evaluations, converged {heads.converged}; "
              f"test predictions equal to tol 1e-6's: {np.mean(predicted == reference_pred):.4f}", flush=True)
    previous, _, _ = fit(other, test)
    heads, predicted, seconds = fit(train, test, start=previous)
    print(f"warm start from another fold's fit: {seconds:.1f} s, {heads.iterations} iterations; "
          f"predictions equal to tol 1e-6's: {np.mean(predicted == reference_pred):.4f}", flush=True)
    fit_part, val_part = validation_split(y[train], groups[train], "speaker")
    total, start = 0.0, None
    for c in sorted(C_GRID):  # strongest penalty first, each warm-started from the last: the cheap way to tune
        heads, _, seconds = fit(train[fit_part], train[val_part], l2=1 / (c * len(fit_part)), start=start)
        start, total = heads, total + seconds
        print(f"  tuning: C {c:g} on the fit part: {seconds:.1f} s, {heads.iterations} iterations", flush=True)
    _, _, refit = fit(train, test)
    print(f"tuning C over logreg's grid {C_GRID} on a validation part (warm-started path) + refit: {total + refit:.1f} s "
          f"against {refit:.1f} s for the fixed C", flush=True)


def notebook(X, y, groups, args):
    "Time the all-layers notebook end to end (papermill, seed + speaker, 1,000 resamples, CKA on 2,000 items) on a cache of these layers"
    import hashlib, json, tempfile
    import pandas as pd, papermill
    from indic_probe.cache import CACHE_FORMAT
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"; cache.mkdir()
        classes = [f"accent{k}" for k in range(int(y.max()) + 1)]
        pd.DataFrame({"item_id": [f"i{k}" for k in range(len(y))], "source": [f"c{k}.wav" for k in range(len(y))], "label": [classes[k] for k in y],
                      "label_idx": y, "speaker": groups, "speaker_source": "column", "duration": 1.0, "status": "ok"}).to_csv(cache / "items.csv", index=False)
        for layer, layer_X in enumerate(X): np.save(cache / f"layer_{layer:02d}.npy", layer_X)
        files = ["items.csv"] + [f"layer_{layer:02d}.npy" for layer in range(len(X))]
        (cache / "manifest.json").write_text(json.dumps(dict(format=CACHE_FORMAT, complete=True, num_layers=len(X), classes=classes, model="synthetic",
                                                             dim=X.shape[2], checksums={f: hashlib.sha256((cache / f).read_bytes()).hexdigest() for f in files})))
        started = time.perf_counter()
        papermill.execute_notebook(str(Path(__file__).resolve().parents[1] / "nbs" / "pipeline" / "all_layers.ipynb"), str(Path(tmp) / "run.ipynb"),
                                   kernel_name="python3", progress_bar=False, cwd=tmp,
                                   parameters=dict(cache=str(cache), out_dir=str(Path(tmp) / "out"), threads=args.threads))
        print(f"all-layers notebook, end to end: {time.perf_counter() - started:.1f} s wall", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=8000)
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--layers", type=int, default=13)
    parser.add_argument("--protocols", default="seed,speaker")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--compare", help="path of another analysis.py whose run_weighted_probe to time on the same data")
    parser.add_argument("--tradeoffs", action="store_true", help="also time tolerances, a warm start and tuning L2 (fold 1)")
    parser.add_argument("--notebook", action="store_true", help="time the whole all-layers notebook instead of run_weighted_probe")
    args = parser.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    from indic_probe.analysis import run_weighted_probe
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; torch threads {args.threads}", flush=True)
    started = time.perf_counter()
    X, y, groups = layers(args)
    print(f"{args.layers} layers x {args.items} items x {args.dim} dims made in {time.perf_counter() - started:.1f} s", flush=True)
    if args.notebook: return notebook(X, y, groups, args)
    runners = {"L-BFGS weighting + single-layer heads": run_weighted_probe}
    if args.compare:
        spec = importlib.util.spec_from_file_location("compared_analysis", args.compare)
        module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
        runners[f"compared ({args.compare})"] = module.run_weighted_probe
    totals = {}
    for name, run in runners.items():
        for protocol in args.protocols.split(","):
            seconds = timed(f"{name}, {protocol}", lambda: run(X, y, groups, protocol, n_boot=1000))
            totals[name] = totals.get(name, 0.0) + seconds["wall"]
    for name, total in totals.items(): print(f"total {name}: {total:.1f} s wall")
    if args.tradeoffs: tradeoffs(X, y, groups, args)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
