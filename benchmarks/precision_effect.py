"""Precision effect: how much a bf16 cache moves probe accuracy compared with an fp32 cache.

Synthesises an accent corpus with espeak-ng (`indic_probe.synth.make_accent_corpus`, 6 accents), saves a
hubert-base-architecture model (transformers' default HubertConfig: 12 layers, 768 dims; random weights, seeded)
with `save_pretrained`, and extracts the same corpus twice with `indic_probe.extract.extract` on the CPU: once with
dtype="fp32" and once with dtype="bf16" (autocast). dtype is always passed explicitly, so the result does not
depend on what `--dtype auto` resolves to. It then reports

- per layer, how far the bf16 embeddings are from the fp32 ones (relative L2 over the whole layer, max abs
  difference, lowest per-clip cosine similarity), and how different the layers are from each other (cosine of each
  layer's embeddings to layer 0 and to the previous layer, fp32);
- per probed layer (default 0, 4, 8, 12; --layers all for 13) x probe (logreg, mlp) x protocol (seed, speaker), `indic_probe.probe.run_probe` on both caches:
  accuracy fp32, accuracy bf16, their difference, whether the bf16 value lies inside fp32's 95% CI, and the fraction
  of test items whose predicted class changed;
- a final line: max and mean |delta accuracy| over all rows.

Random weights: the probes measure what a random hubert-base keeps of the synthetic accents, not what a trained one
learns; the point is the precision effect on the same pipeline. With the default initialiser range (0.02) the
layers already differ (cosine to layer 0 falls with depth, printed), so no rescaling is needed; `--init-range`
changes it.

    python benchmarks/precision_effect.py                              # 6 accents x 8 speakers x 6 sentences = 288 clips
    python benchmarks/precision_effect.py --speakers 4 --sentences 4 --layers 0,6,12   # a quick look
"""
import argparse, os, platform, shutil, sys, tempfile, time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing


def cpu_model() -> str:
    "CPU model name, logical CPUs usable here, and its bf16 capability, from /proc/cpuinfo"
    try: info = Path("/proc/cpuinfo").read_text()
    except OSError: return platform.processor() or platform.machine()
    name = next((l.split(":", 1)[1].strip() for l in info.splitlines() if l.startswith("model name")), "unknown CPU")
    family = next((l.split(":", 1)[1].strip() for l in info.splitlines() if l.startswith("cpu family")), "?")
    model = next((l.split(":", 1)[1].strip() for l in info.splitlines() if l.startswith("model\t")), "?")
    flags = next((l.split(":", 1)[1].split() for l in info.splitlines() if l.startswith("flags")), [])
    bf16 = [f for f in ("avx512_bf16", "amx_bf16", "avx512f", "avx2") if f in flags]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{name} (family {family}, model {model}), {cores} CPUs usable, flags: {' '.join(bf16) or 'none of avx2/avx512f/avx512_bf16/amx_bf16'}"


def save_model(path: Path, init_range: float, seed: int) -> Path:
    "hubert-base architecture (default HubertConfig), random weights from `seed`, saved like a hub model"
    import torch
    from transformers import HubertConfig, HubertModel, Wav2Vec2FeatureExtractor
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        HubertModel(HubertConfig(initializer_range=init_range)).eval().save_pretrained(path)
    Wav2Vec2FeatureExtractor(return_attention_mask=False, do_normalize=False).save_pretrained(path)
    return path


def run_extract(corpus: Path, model: Path, cache: Path, dtype: str, batch_seconds: float) -> tuple[float, bool]:
    "Extract into `cache` with an explicit dtype on the CPU; returns (seconds, reused an existing complete cache)"
    from indic_probe.extract import extract
    from indic_probe.cache import read_manifest
    reused = (cache / "manifest.json").exists() and read_manifest(cache).get("complete", False)
    start = time.perf_counter()
    extract(str(corpus), str(model), cache, batch_seconds=batch_seconds, dtype=dtype, device="cpu", progress=False)
    seconds = time.perf_counter() - start
    got = read_manifest(cache)["key"]["dtype"]
    if got != dtype: raise RuntimeError(f"{cache}: extracted as {got}, asked for {dtype}")
    return seconds, reused


def record_predictions(module):
    "Wrap indic_probe.probe._fit_folds so each run_probe call leaves its (test indices, predictions) behind"
    original, seen = module._fit_folds, []
    def wrapped(*args, **kwargs):
        out = original(*args, **kwargs)
        seen.append((out[0].copy(), out[1].copy()))  # pooled test indices [N_test], predictions [seeds, N_test]
        return out
    module._fit_folds = wrapped
    return seen, lambda: setattr(module, "_fit_folds", original)


def layer_differences(cache32: Path, cache16: Path, layers: int) -> list[dict]:
    "Per layer: bf16 vs fp32 error, and how different the fp32 layers are from one another"
    from indic_probe.cache import load_layer
    rows, first, previous = [], None, None
    for layer in range(layers):
        a, b = load_layer(cache32, layer)[0].astype(np.float64), load_layer(cache16, layer)[0].astype(np.float64)
        cos = lambda u, v: np.sum(u * v, 1) / (np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1) + 1e-30)
        first = a if first is None else first
        rows.append(dict(layer=layer, rel_l2=np.linalg.norm(a - b) / np.linalg.norm(a), max_abs=np.abs(a - b).max(),
                         mean_abs=np.abs(a).mean(), min_cos=cos(a, b).min(), to_layer0=cos(a, first).mean(),
                         to_previous=np.nan if previous is None else cos(a, previous).mean()))
        previous = a
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--speakers", type=int, default=8, help="synthetic speakers per accent (default 8)")
    ap.add_argument("--sentences", type=int, default=6, help="sentences per speaker (default 6; 6 accents x 8 x 6 = 288 clips)")
    ap.add_argument("--out", default=None, help="keep corpus, model and both caches in this folder (default: a temp folder, removed; "
                    "an existing complete cache there is reused, and its extraction time is then not measured)")
    ap.add_argument("--layers", default="0,4,8,12", help="layers to probe: a comma list, or 'all' (default 0,4,8,12; the embedding "
                    "differences are reported for every layer regardless; all 13 roughly triples the probe time)")
    ap.add_argument("--probes", default="logreg,mlp")
    ap.add_argument("--protocols", default="seed,speaker")
    ap.add_argument("--batch-seconds", type=float, default=20.0, help="padded audio per forward pass (extract's default)")
    ap.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples for the 95%% CIs (run_probe's default)")
    ap.add_argument("--init-range", type=float, default=0.02, help="HubertConfig initializer_range (default 0.02, the config's own)")
    ap.add_argument("--seed", type=int, default=0, help="seeds the corpus's speakers/sentences and the model's weights")
    args = ap.parse_args()

    t_all = time.perf_counter()
    import torch, soundfile as sf
    import indic_probe.probe as probe_module
    from indic_probe.synth import make_accent_corpus
    from indic_probe.cache import load_layer, read_manifest
    print(f"CPU: {cpu_model()}")
    print(f"torch {torch.__version__} (threads {torch.get_num_threads()}, cpu capability {torch.backends.cpu.get_cpu_capability()}), "
          f"python {platform.python_version()}")

    work = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="indic_probe_precision_"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        t = time.perf_counter()
        corpus = make_accent_corpus(work / "corpus", speakers_per_accent=args.speakers, sentences_per_speaker=args.sentences,
                                    seed=args.seed, progress=False)
        wavs = sorted(corpus.rglob("*.wav"))
        audio_seconds = sum(sf.info(str(f)).duration for f in wavs)
        print(f"corpus: {len(wavs)} clips = 6 accents x {args.speakers} speakers x {args.sentences} sentences, "
              f"{audio_seconds:.0f} s of audio (espeak-ng), synthesised in {time.perf_counter() - t:.1f} s")
        model = save_model(work / "hubert-base-random", args.init_range, args.seed)
        print(f"model: hubert-base architecture (HubertConfig(): 12 layers, 768 dims), random weights "
              f"(initializer_range {args.init_range}, seed {args.seed})")

        caches, timings = {}, {}
        for dtype in ("fp32", "bf16"):
            caches[dtype] = work / f"cache_{dtype}"
            seconds, reused = run_extract(corpus, model, caches[dtype], dtype, args.batch_seconds)
            timings[dtype] = seconds
            print(f"extract dtype={dtype}, device=cpu: " + ("reused the complete cache in --out (not timed)" if reused else
                  f"{seconds:.1f} s = {seconds / audio_seconds:.3f} s per audio-second (model load, decode, resample, cache write included)"))
        manifest = read_manifest(caches["fp32"])
        n_layers, classes = manifest["num_layers"], list(manifest["classes"])
        n_ok = manifest["counts"]["ok"]
        print(f"cache: {n_ok} clips embedded, {n_layers} layers x {manifest['dim']} dims, {len(classes)} classes")

        print("\nembedding differences, bf16 cache vs fp32 cache (relative L2 = ||bf16 - fp32|| / ||fp32|| over the layer;"
              "\nlayer similarity columns, fp32 only: mean per-clip cosine to layer 0 and to the previous layer)")
        print(f"{'layer':>5} {'rel L2':>9} {'max |diff|':>10} {'mean |x|':>9} {'min cos':>9}   {'cos to L0':>9} {'cos to prev':>11}")
        diffs = layer_differences(caches["fp32"], caches["bf16"], n_layers)
        for d in diffs:
            print(f"{d['layer']:5d} {d['rel_l2']:9.2e} {d['max_abs']:10.2e} {d['mean_abs']:9.3f} {d['min_cos']:9.6f}   "
                  f"{d['to_layer0']:9.3f} {d['to_previous']:11.3f}")

        layers = list(range(n_layers)) if args.layers == "all" else [int(l) for l in args.layers.split(",")]
        probes, protocols = args.probes.split(","), args.protocols.split(",")
        print(f"\nprobes on both caches: layers {layers}, probes {probes}, protocols {protocols} "
              f"(run_probe defaults; {args.n_boot} bootstrap resamples; CI unit: item for seed, speaker for speaker)")
        print(f"{'layer':>5} {'probe':>6} {'protocol':>8} {'n_test':>6} {'acc fp32':>8} {'95% CI fp32':>15} {'acc bf16':>8} "
              f"{'delta':>7} {'in CI':>5} {'pred changed':>12} {'s':>5}")
        seen, restore = record_predictions(probe_module)
        rows, t_probe = [], time.perf_counter()
        try:
            for layer in layers:
                data = {dtype: load_layer(caches[dtype], layer) for dtype in caches}
                if not (np.array_equal(data["fp32"][1], data["bf16"][1]) and np.array_equal(data["fp32"][2], data["bf16"][2])):
                    raise RuntimeError("the two caches hold different items")
                for probe in probes:
                    for protocol in protocols:
                        t = time.perf_counter()
                        result, predicted = {}, {}
                        for dtype, (X, y, groups) in data.items():
                            result[dtype] = probe_module.run_probe(X, y, groups, probe, protocol, classes=classes, n_boot=args.n_boot,
                                                                   device="cpu")
                            predicted[dtype] = seen.pop()
                        (test32, pred32), (test16, pred16) = predicted["fp32"], predicted["bf16"]
                        if not np.array_equal(test32, test16): raise RuntimeError("different test items for the two caches")
                        acc32, acc16 = (result[d]["metrics"]["accuracy"] for d in ("fp32", "bf16"))
                        row = dict(layer=layer, probe=probe, protocol=protocol, n_test=len(test32), acc_fp32=acc32["value"],
                                   ci_low=acc32["ci_low"], ci_high=acc32["ci_high"], acc_bf16=acc16["value"],
                                   delta=acc16["value"] - acc32["value"], changed=float(np.mean(pred32 != pred16)),
                                   in_ci=acc32["ci_low"] <= acc16["value"] <= acc32["ci_high"], seconds=time.perf_counter() - t)
                        rows.append(row)
                        print(f"{layer:5d} {probe:>6} {protocol:>8} {row['n_test']:6d} {row['acc_fp32']:8.4f} "
                              f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}] {row['acc_bf16']:8.4f} {row['delta']:+7.4f} "
                              f"{'yes' if row['in_ci'] else 'NO':>5} {row['changed']:12.2%} {row['seconds']:5.1f}", flush=True)
        finally: restore()
        t_probe = time.perf_counter() - t_probe

        import pandas as pd
        table = pd.DataFrame(rows)
        if args.out: table.to_csv(work / "precision_effect.csv", index=False)
        delta = table.delta.abs()
        print("\nmean |delta accuracy| by probe x protocol:")
        print(table.assign(abs_delta=delta).groupby(["probe", "protocol"]).agg(
            mean_abs_delta=("abs_delta", "mean"), max_abs_delta=("abs_delta", "max"), mean_changed=("changed", "mean"),
            mean_acc_fp32=("acc_fp32", "mean")).round(4).to_string())
        print(f"\ntimings: extract fp32 {timings['fp32']:.1f} s, bf16 {timings['bf16']:.1f} s; probes {t_probe:.1f} s "
              f"({len(rows)} rows x 2 caches); total {time.perf_counter() - t_all:.1f} s")
        print(f"SUMMARY: {n_ok} clips ({audio_seconds:.0f} s audio), {len(rows)} layer x probe x protocol rows: "
              f"max |delta accuracy| {delta.max():.4f} ({100 * delta.max():.2f} points), mean |delta| {delta.mean():.4f} "
              f"({100 * delta.mean():.2f} points); bf16 inside fp32's 95% CI in {int(table.in_ci.sum())}/{len(rows)} rows; "
              f"test predictions changed: mean {table.changed.mean():.2%}, max {table.changed.max():.2%}; "
              f"embeddings rel L2 {min(d['rel_l2'] for d in diffs):.2e}-{max(d['rel_l2'] for d in diffs):.2e}")
    finally:
        if not args.out: shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
