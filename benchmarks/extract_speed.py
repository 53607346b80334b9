"""Extraction speed: the original notebook's method against indic_probe, side by side in one run.

The original ran the whole model once per layer per clip (13 passes for hubert-base), batch 1. indic_probe
runs one pass per length-bucketed batch and keeps every layer. Both run on the same clips with the
hubert-base architecture (default HubertConfig, random weights, saved locally and loaded by path the way a
hub id loads), each in its own child process so that peak memory is measured separately. The project is
timed end to end as a user runs it: `extract()` on an audiofolder, which loads the model and the corpus,
decodes, resamples, embeds and writes the cache.

    python benchmarks/extract_speed.py [--clips 24] [--batch-seconds 20] [--device auto]
"""
import argparse, json, multiprocessing as mp, os, platform, resource, shutil, sys, tempfile, time
from pathlib import Path
import numpy as np, soundfile as sf, torch

def make_clips(folder: Path, n: int):
    "Synthetic speech (espeak-ng accents) when indic_probe.synth is there, else a speech-like signal"
    try:
        from indic_probe.synth import make_accent_corpus
        per = max(1, n // 6)
        make_accent_corpus(folder, speakers_per_accent=1, sentences_per_speaker=per, seed=0)
        return "espeak-ng synthetic sentences"
    except Exception as e:  # synth not available: harmonic signal with a wandering pitch, 2-4 s at 22.05 kHz
        rng = np.random.default_rng(0)
        for i in range(n):
            sr, secs = 22050, rng.uniform(2, 4)
            t = np.arange(int(sr * secs)) / sr
            f0 = 120 + 40 * np.sin(2 * np.pi * 0.5 * t + i)
            x = sum(np.sin(2 * np.pi * k * np.cumsum(f0) / sr) / k for k in range(1, 8)) + 0.02 * rng.standard_normal(len(t))
            (folder / f"class{i % 6}").mkdir(parents=True, exist_ok=True)
            sf.write(folder / f"class{i % 6}" / f"clip{i:03d}.wav", (0.3 * x).astype(np.float32), sr)
        return f"generated harmonic signals ({type(e).__name__}: {e})"

def peak_rss_mb() -> float: return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def run_original(model_path: str, files: list, device: str, queue):
    "The notebook's method: for each layer, for each clip, decode + feature extractor + full pass, batch 1"
    from transformers import AutoModel, AutoFeatureExtractor
    from indic_probe.data import decode_audio
    from indic_probe.extract import original_method_embedding
    model = AutoModel.from_pretrained(model_path).to(device).eval()
    fe = AutoFeatureExtractor.from_pretrained(model_path)
    start = time.perf_counter()
    out = np.stack([[original_method_embedding(model, fe, decode_audio(f), layer) for f in files]
                    for layer in range(model.config.num_hidden_layers + 1)])
    if device.startswith("cuda"): torch.cuda.synchronize()
    queue.put(dict(seconds=time.perf_counter() - start, rss_mb=peak_rss_mb(), embeddings=out.tolist(),
                   gpu_mb=torch.cuda.max_memory_allocated() / 2**20 if device.startswith("cuda") else None))

def run_project(model_path: str, folder: str, cache: str, batch_seconds: float, device: str, dtype: str, queue):
    "indic_probe end to end: extract() from the audiofolder into a fresh cache"
    from indic_probe.extract import extract
    from indic_probe.cache import load_layer, read_manifest, load_cache_items
    import datasets, transformers.models.hubert.modeling_hubert  # one-time imports: the original's clock excludes them too
    start = time.perf_counter()
    extract(folder, model_path, cache, batch_seconds=batch_seconds, device=device, dtype=dtype, progress=False)
    seconds = time.perf_counter() - start
    items = load_cache_items(cache)
    layers = read_manifest(cache)["num_layers"]
    out = np.stack([np.load(Path(cache) / f"layer_{l:02d}.npy") for l in range(layers)])
    queue.put(dict(seconds=seconds, rss_mb=peak_rss_mb(), sources=items.source.tolist(), embeddings=out.tolist(),
                   dtype=read_manifest(cache)["key"]["dtype"],
                   gpu_mb=torch.cuda.max_memory_allocated() / 2**20 if device.startswith("cuda") else None))

def in_child(target, *args):
    "Run `target` in a fresh process and return what it reports"
    queue = mp.get_context("spawn").Queue()
    proc = mp.get_context("spawn").Process(target=target, args=(*args, queue))
    proc.start(); result = queue.get(); proc.join()
    return result

def flops_per_audio_second(model_path: str) -> float:
    "Multiply-add FLOPs (2 per MAC) of one pass over one second of 16 kHz audio, counted from the config"
    from transformers import AutoConfig
    c = AutoConfig.from_pretrained(model_path)
    flops, length, channels = 0.0, 16_000, 1
    for dim, kernel, stride in zip(c.conv_dim, c.conv_kernel, c.conv_stride):  # CNN feature encoder
        length = (length - kernel) // stride + 1
        flops += 2 * channels * dim * kernel * length; channels = dim
    D, F, T = c.hidden_size, c.intermediate_size, length
    flops += 2 * channels * D * T  # feature projection
    flops += 2 * D * (D // c.num_conv_pos_embedding_groups) * c.num_conv_pos_embeddings * T  # positional conv
    flops += c.num_hidden_layers * (2 * T * (4 * D * D + 2 * D * F) + 4 * T * T * D)  # attention + feed-forward
    return flops

def cpu_peak_gflops() -> tuple[float, str]:
    "Rough fp32 peak of this process's CPUs: cores x GHz x FLOP/cycle (2 FMA units x vector width)"
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    mhz = [float(l.split(":")[1]) for l in flags.splitlines() if l.startswith("cpu MHz")]
    ghz = (max(mhz) if mhz else 2500.0) / 1000
    family = next((int(l.split(":")[1]) for l in flags.splitlines() if l.startswith("cpu family")), 0)
    zen4_or_older = "AuthenticAMD" in flags and family <= 25  # Zen 4 runs AVX-512 as two 256-bit halves
    per_cycle = 64 if " avx512f" in flags and not zen4_or_older else 32 if " avx2" in flags else 16
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return cores * ghz * per_cycle, f"{cores} cores x {ghz:.2f} GHz x {per_cycle} FLOP/cycle"

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=24, help="clips to embed (default 24, ~70 s of audio)")
    ap.add_argument("--batch-seconds", type=float, default=20.0, help="indic_probe batch size in padded audio seconds")
    ap.add_argument("--device", default="auto", help="cpu, cuda or auto")
    ap.add_argument("--dtype", default="fp32", help="indic_probe dtype: fp32 (the default, exact) or bf16 (the fast option on CPUs with AVX512-BF16/AMX)")
    args = ap.parse_args()
    from transformers import HubertConfig, HubertModel, Wav2Vec2FeatureExtractor
    from indic_probe.extract import resolve_device
    device = str(resolve_device(args.device))
    work = Path(tempfile.mkdtemp(prefix="indic_probe_bench_"))
    try:
        torch.manual_seed(0)
        model_path = str(work / "hubert-base-random")
        HubertModel(HubertConfig()).save_pretrained(model_path)
        Wav2Vec2FeatureExtractor(return_attention_mask=False, do_normalize=False).save_pretrained(model_path)
        corpus = work / "corpus"
        how = make_clips(corpus, args.clips)
        files = sorted(str(p) for p in corpus.rglob("*.wav"))
        audio_seconds = sum(sf.info(f).duration for f in files)
        print(f"{len(files)} clips, {audio_seconds:.1f} s of audio ({how}); hubert-base architecture, random weights; device {device}")
        print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, threads {torch.get_num_threads()}")
        project = in_child(run_project, model_path, str(corpus), str(work / "cache"), args.batch_seconds, device, args.dtype)
        original = in_child(run_original, model_path, [s for s in project["sources"]], device)
        a, b = np.asarray(original["embeddings"]), np.asarray(project["embeddings"])
        flops = flops_per_audio_second(model_path)
        rows = [("original (13 passes/clip, batch 1)", original, 13 * flops), ("indic_probe extract (1 pass, batched)", project, flops)]
        print(f"\n{'method':40s} {'s/audio-s':>10s} {'clips/s':>8s} {'peak RSS MB':>12s} {'GFLOP/s':>8s}")
        for name, r, f in rows:
            spa = r["seconds"] / audio_seconds
            print(f"{name:40s} {spa:10.3f} {len(files)/r['seconds']:8.2f} {r['rss_mb']:12.0f} {f/spa/1e9:8.1f}"
                  + (f"  GPU peak {r['gpu_mb']:.0f} MB" if r["gpu_mb"] else ""))
        print(f"\nspeed-up (original / indic_probe, end to end): {original['seconds'] / project['seconds']:.1f}x")
        print("(original: the per-layer loop after loading the model; indic_probe: extract() from the audiofolder, model and corpus\n"
              " loading, decoding, resampling and cache writes included; Python imports excluded from both)")
        print(f"max |difference| over all layers and clips: {np.abs(a - b).max():.2e} (indic_probe dtype {project['dtype']})")
        print(f"model cost: {flops/1e9:.1f} GFLOP per audio-second per pass")
        if device == "cpu":
            peak, how_peak = cpu_peak_gflops()
            share = flops / (project['seconds'] / audio_seconds) / 1e9 / peak
            print(f"CPU fp32 peak estimate: {peak:.0f} GFLOP/s ({how_peak}); " + (f"indic_probe reaches {share:.0%} of it"
                  if project["dtype"] == "fp32" else f"indic_probe in {project['dtype']} runs at {share:.0%} of the fp32 peak"))
        json.dump(dict(clips=len(files), audio_seconds=audio_seconds, original_seconds=original["seconds"],
                       project_seconds=project["seconds"], ratio=original["seconds"] / project["seconds"],
                       original_rss_mb=original["rss_mb"], project_rss_mb=project["rss_mb"]),
                  open(os.environ.get("BENCH_JSON", os.devnull), "w"))
    finally:
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
