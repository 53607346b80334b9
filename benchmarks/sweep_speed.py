"""The whole sweep as a user runs it: papermill notebook per layer over an IndicAccentDB-sized cache.

Writes a real cache folder (manifest with checksums, items.csv, 13 layer_XX.npy of 8,000 x 768) from the
synthetic layers of `sweep_probe_speed.py` (label information peaking at layer 9, speaker information in every
layer, some speakers unknown), then times `run_sweep` (mlp + logreg x seed + speaker, --jobs 2) and
`build_report`, printing wall times, where a layer notebook's time goes (papermill's per-cell durations) and the best
layer per protocol. `--tasks label` without `--all-layers` is the workload of the original aim (under 180 s); the
defaults of `indic-probe sweep` add speaker identification and the all-layers notebook.

    python benchmarks/sweep_speed.py [--items 8000] [--dim 768] [--layers 13] [--jobs 2] [--tasks label] [--all-layers] [--device cpu]
                                     [--nulls 5] [--without-nulls]

`--without-nulls` also runs the same sweep with `--nulls 0` first, side by side in one run, and prints what the nulls
(label permutations per protocol, `indic_probe.probe.run_null`) cost as a ratio of the two.
"""
import argparse, json, os, sys, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd
sys.path.insert(0, str(Path(__file__).resolve().parent))
from sweep_probe_speed import synthetic_layer
from indic_probe.cache import CACHE_FORMAT, file_sha256, write_json, layer_file
from indic_probe.sweep import run_sweep
from indic_probe.report import build_report, best_layers

def write_cache(cache: Path, items: int, dim: int, layers: int, unknown_speakers: int) -> Path:
    "A complete cache of synthetic layers, laid out exactly as `extract` lays one out"
    cache.mkdir(parents=True)
    for layer in range(layers):
        X, y, groups = synthetic_layer(layer, items, dim, layers, unknown_speakers)
        np.save(layer_file(cache, layer), X)
    classes = [f"accent_{c}" for c in range(6)]
    pd.DataFrame(dict(item_id=[f"item{i:05d}" for i in range(items)], source="synthetic", label=[classes[c] for c in y],
                      label_idx=y, speaker=groups, speaker_source=np.where(groups == "unknown", "unknown", "given"), duration=3.0,
                      status="ok", frames=150, nonspeech_frames=0)).to_csv(cache / "items.csv", index=False)
    files = [cache / "items.csv"] + [layer_file(cache, l) for l in range(layers)]
    write_json(cache / "manifest.json", dict(format=CACHE_FORMAT, key=dict(model="synthetic", corpus_fingerprint="synthetic", pooling="mean",
        dtype="fp32", vad=None), complete=True, model="synthetic layers", corpus="synthetic", classes=classes, n_items=items,
        num_layers=layers, hidden_size=dim, dim=dim, regions=["main"], counts=dict(items=items, ok=items, errors=0),
        checksums={f.name: file_sha256(f) for f in files}))
    return cache

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=8000); ap.add_argument("--dim", type=int, default=768)
    ap.add_argument("--layers", type=int, default=13); ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--unknown-speakers", type=int, default=5)
    ap.add_argument("--tasks", default="label", help="label (the original aim's workload) or label,speaker_id (the sweep's default)")
    ap.add_argument("--all-layers", action="store_true", help="also run the all-layers notebook (learned weighting, CKA)")
    ap.add_argument("--device", default="cpu", help="where the MLP probes train: cpu, or auto (a GPU when there is one)")
    ap.add_argument("--nulls", type=int, default=5, help="label permutations per protocol for its null (the sweep's default)")
    ap.add_argument("--without-nulls", action="store_true", help="first time the same sweep with --nulls 0 and print the ratio")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="indic_probe_sweep_"))
    t0 = time.perf_counter()
    cache = write_cache(work / "cache", args.items, args.dim, args.layers, args.unknown_speakers)
    print(f"cache of {args.layers} x {args.items} x {args.dim} written in {time.perf_counter() - t0:.0f} s ({work})", flush=True)
    sweep = lambda out, n_null: run_sweep(cache, work / out, probes="mlp,logreg", protocols="seed,speaker", jobs=args.jobs, tasks=args.tasks,
                                          all_layers=args.all_layers, device=args.device, n_null=n_null)
    if args.without_nulls:
        t0 = time.perf_counter(); sweep("run_without_nulls", 0); bare_s = time.perf_counter() - t0
        print(f"sweep without nulls: {bare_s:.0f} s", flush=True)
    t1 = time.perf_counter()
    state = sweep("run", args.nulls)
    sweep_s = time.perf_counter() - t1
    if args.without_nulls: print(f"nulls ({args.nulls} permutations per protocol): the sweep takes {sweep_s / bare_s:.2f}x as long ({bare_s:.0f} s -> {sweep_s:.0f} s)")
    null_s = [json.loads((work / "run" / "layers" / f"layer_{l:02d}.json").read_text()).get("null_seconds", 0) for l in range(args.layers)]
    print(f"null runs inside the layer notebooks: {np.mean(null_s):.1f} s per layer on average ({sum(null_s):.0f} s of CPU time in all)")
    t2 = time.perf_counter()
    build_report(work / "run")
    report_s = time.perf_counter() - t2
    per_layer = [r["seconds"] for r in state["layers"].values()]
    print(f"sweep: {sweep_s:.0f} s wall for {args.layers} layers ({np.mean(per_layer):.1f} s per layer notebook, {args.jobs} at a time, "
          f"{os.cpu_count()} CPUs, probes on {args.device}); report: {report_s:.0f} s; total {sweep_s + report_s:.0f} s (aim: under 180 s)")
    profile = {}
    for layer in range(args.layers):
        nb = json.loads((work / "run" / "layers" / f"layer_{layer:02d}.ipynb").read_text())
        cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
        names = ["setup: imports, cache", "probes", "curves", "confusions", "view", "write"]  # the code cells after the parameters
        for name, cell in zip(names, [c for c in cells if "injected-parameters" not in c["metadata"].get("tags", []) and
                                            "parameters" not in c["metadata"].get("tags", [])]):
            profile.setdefault(name, []).append(cell["metadata"].get("papermill", {}).get("duration") or 0)
        profile.setdefault("kernel start and papermill", []).append(state["layers"][str(layer)]["seconds"] -
                                                                    nb["metadata"]["papermill"]["duration"])
    print("where a layer notebook's time goes (mean seconds): " + ", ".join(f"{k} {np.mean(v):.1f}" for k, v in profile.items()))
    if "all_layers" in state: print(f"all-layers notebook: {state['all_layers']['seconds']:.0f} s")
    best = best_layers(pd.read_csv(work / "run" / "results.csv"))
    print(best[["probe", "protocol", "layer", "value", "ci_low", "ci_high", "chance"]].to_string(index=False))

if __name__ == "__main__":
    main()
