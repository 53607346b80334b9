"""Throughput of extraction at IndicAccentDB's scale: decoding per worker count, end to end on CPU or GPU, and the
original method on a sample, side by side in one run.

    python benchmarks/throughput.py [--family cnn] [--clips 8100] [--workers 1,2] [--extract-clips 0] [--device auto] [--dtype auto]
                                    [--batch-seconds 0] [--original-clips 4] [--corpus DIR] [--compile] [--profile 30]

The corpus is generated to IndicAccentDB's shape: `--clips` clips (8,100 by default) with its spread of durations
(log-normal around 3 s, 1-12 s, about 7 h for 8,100 clips), mixed sample rates (16, 22.05, 44.1, 48 kHz) and formats
(WAV, FLAC, OGG/Vorbis; compressed files need decoding like the corpus's mp3/m4a). The model is the hubert-base
architecture with random weights (saved locally, loaded by path as a hub id loads); `--family` picks another family's
base-size architecture (wav2vec2-large-lv60, w2v-BERT 2.0, whisper-base's encoder) and its own default GPU batch. `--extract-clips 0` extracts
every clip; on a CPU give a subset (say 60) and the whole-corpus time is extrapolated from audio-seconds per second.
The original method (13 full passes per clip, batch 1) is timed on `--original-clips` clips, and the ratio printed.
`--profile N` prints the N functions of extraction's main thread that take the most time (cProfile), to see where
the time goes. Figures measured on a 2-core CPU and on an H100 are in the README ("Throughput").
"""
import argparse, contextlib, cProfile, json, os, pstats, platform, resource, sys, tempfile, threading, time
from pathlib import Path
import numpy as np, pandas as pd, soundfile as sf, torch

RATES, FORMATS = (16000, 22050, 44100, 48000), (("wav", "PCM_16"), ("wav", "PCM_16"), ("flac", "PCM_16"), ("ogg", "VORBIS"))

def write_clip(folder: Path, i: int, label: int, seed: int) -> dict:
    "One generated clip: a voiced tone whose pitch depends on the class, at clip `i`'s rate and format"
    rng = np.random.default_rng([seed, i])
    seconds = float(np.clip(rng.lognormal(np.log(3.0), 0.35), 1.0, 12.0))
    sr, (ext, subtype) = RATES[i % len(RATES)], FORMATS[i % len(FORMATS)]
    t = np.arange(int(seconds * sr)) / sr
    f0 = 110 + 60 * label + 20 * np.sin(2 * np.pi * 0.7 * t + i)
    voiced = sum(np.sin(2 * np.pi * k * np.cumsum(f0) / sr) / k for k in range(1, 6)) * (np.sin(2 * np.pi * 3 * t) > -0.3)
    audio = (0.25 * voiced + 0.01 * rng.standard_normal(len(t))).astype(np.float32)
    name = f"class{label}/clip{i:05d}.{ext}"
    sf.write(folder / name, audio, sr, subtype=subtype)
    return dict(file_name=name, label=f"class{label}", seconds=seconds)

def make_corpus(folder: Path, clips: int, seed: int = 0) -> tuple[Path, float]:
    "An audiofolder shaped like IndicAccentDB (six classes of uneven size), written on every core; returns it and its total seconds"
    from joblib import Parallel, delayed
    if (folder / "metadata.csv").exists():
        meta = pd.read_csv(folder / "metadata.csv")
        if len(meta) == clips: return folder, float(meta.seconds.sum())
    shares = np.array([1500, 300, 1400, 1850, 1500, 1550]) / 8100  # IndicAccentDB's class sizes, roughly
    labels = np.random.default_rng(seed).choice(6, size=clips, p=shares)
    for label in set(labels): (folder / f"class{label}").mkdir(parents=True, exist_ok=True)
    rows = Parallel(n_jobs=-1, batch_size=32)(delayed(write_clip)(folder, i, int(label), seed) for i, label in enumerate(labels))
    pd.DataFrame(rows).to_csv(folder / "metadata.csv", index=False)
    return folder, float(sum(r["seconds"] for r in rows))

def hubert_base(folder: Path) -> str:
    "The hubert-base architecture with random weights, saved like a hub model"
    from transformers import HubertConfig, HubertModel, Wav2Vec2FeatureExtractor
    if not (folder / "config.json").exists():
        torch.manual_seed(0)
        HubertModel(HubertConfig()).save_pretrained(folder)
        Wav2Vec2FeatureExtractor(return_attention_mask=False, do_normalize=False).save_pretrained(folder)
    return str(folder)

def decode_rate(corpus, rows: list[int], workers: int) -> tuple[float, float]:
    "Clips and audio-seconds per second through `decoded_clips` with `workers` processes"
    from indic_probe.extract import decoded_clips
    start, seconds = time.perf_counter(), 0.0
    for _, clip in decoded_clips(corpus, rows, workers=workers):
        if not isinstance(clip, str): seconds += len(clip.audio) / 16000
    wall = time.perf_counter() - start
    return len(rows) / wall, seconds / wall

class Utilisation:
    "Samples GPU utilisation (nvidia-smi via torch, when it can) or this process's CPU use while a block runs"
    def __init__(self, device: str): self.device, self.samples, self.stop = device, [], threading.Event()
    def __enter__(self):
        self.cpu0, self.wall0 = time.process_time(), time.perf_counter()
        if self.device.startswith("cuda"):
            def sample():
                while not self.stop.wait(0.2):
                    try: self.samples.append(torch.cuda.utilization())
                    except Exception: return
            self.thread = threading.Thread(target=sample, daemon=True); self.thread.start()
        return self
    def __exit__(self, *exc):
        self.stop.set()
        self.cpu, self.wall = time.process_time() - self.cpu0, time.perf_counter() - self.wall0
    def describe(self) -> str:
        if self.samples: return f"GPU utilisation {np.mean(self.samples):.0f}% (mean of {len(self.samples)} samples)"
        return f"CPU {self.cpu / self.wall:.2f} cores busy on average in the main process (of {os.cpu_count()})"

def family_model(folder: Path, family: str) -> str:
    "A base-size random model of `family` saved like a hub model: hubert-base (cnn), wav2vec2-large-lv60 (attention-mask), w2v-BERT 2.0 (fbank), whisper-base (whisper)"
    if family == "cnn": return hubert_base(folder / "hubert-base-random")
    from family_memory import base_model
    path = folder / f"{family}-base-random"
    if not (path / "config.json").exists():
        model, feature_extractor = base_model(family)
        model.save_pretrained(path); feature_extractor.save_pretrained(path)
    return str(path)

def original_rate(model_path: str, files: list[str], device: str) -> float:
    "The original method's seconds per audio-second: per layer, per clip, a full pass at batch 1 (feature extractor's defaults)"
    from indic_probe.data import decode_audio
    from indic_probe.extract import load_encoder, one_clip_embedding
    encoder = load_encoder(model_path, device, "fp32")
    clips = [decode_audio(f)[:encoder.sample_rate * 30] for f in files]
    start = time.perf_counter()
    for layer in range(encoder.num_layers):
        for clip in clips: one_clip_embedding(encoder, clip)[layer]
    if device.startswith("cuda"): torch.cuda.synchronize()
    return (time.perf_counter() - start) / (sum(len(c) for c in clips) / 16000)

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=8100, help="clips in the generated corpus (IndicAccentDB: about 8,100)")
    ap.add_argument("--workers", default="1,2", help="decoding worker counts to compare, comma-separated")
    ap.add_argument("--decode-clips", type=int, default=400, help="clips decoded per worker count")
    ap.add_argument("--extract-clips", type=int, default=0, help="clips extracted end to end (0: all)")
    ap.add_argument("--device", default="auto"); ap.add_argument("--dtype", default="auto")
    ap.add_argument("--batch-seconds", type=float, default=0, help="0: 20 on CPU; on a GPU what the family fits on the card")
    ap.add_argument("--family", default="cnn", choices=["cnn", "attention-mask", "fbank", "whisper"],
                    help="base-size architecture: hubert-base, wav2vec2-large-lv60, w2v-BERT 2.0 or whisper-base's encoder")
    ap.add_argument("--decode-workers", type=int, default=0, help="extraction's decoders (0: a process per core up to 16 on GPU, 2 threads on CPU)")
    ap.add_argument("--original-clips", type=int, default=4, help="clips the original method is timed on")
    ap.add_argument("--corpus", default=None, help="folder for the generated corpus (kept between runs)")
    ap.add_argument("--compile", action="store_true", help="torch.compile the model")
    ap.add_argument("--profile", type=int, default=0, help="print this many functions of extraction's main thread by own time (cProfile)")
    args = ap.parse_args()
    from indic_probe.data import load_corpus
    from indic_probe.extract import extract, feeding_defaults, resolve_device
    from indic_probe.cache import read_manifest
    device = str(resolve_device(args.device))
    gpu = device.startswith("cuda")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    print(f"machine: {cpu}, {os.cpu_count()} cores" + (f"; GPU {torch.cuda.get_device_name()}" if gpu else "; no GPU"))
    work = Path(args.corpus) if args.corpus else Path(tempfile.mkdtemp(prefix="throughput_"))
    started = time.perf_counter()
    folder, total_seconds = make_corpus(work / f"corpus_{args.clips}", args.clips)
    print(f"corpus: {args.clips} clips, {total_seconds / 3600:.2f} h of audio, rates {RATES}, wav/flac/ogg "
          f"(generated in {time.perf_counter() - started:.0f} s or reused)")
    corpus = load_corpus(folder)
    rows = list(range(min(args.decode_clips, len(corpus))))
    for w in [int(x) for x in args.workers.split(",")]:
        clips_s, audio_s = decode_rate(corpus, rows, w)
        print(f"decode + resample (the GPU path's DataLoader): {w} worker process(es): {clips_s:.1f} clips/s, {audio_s:.0f} audio-s/s")
    sys.path.insert(0, str(Path(__file__).parent))
    model = family_model(work, args.family)
    n = args.extract_clips or len(corpus)
    _, workers = feeding_defaults(torch.device(device), 1.0, args.decode_workers or None)
    cache = work / f"cache_{n}_{device}"
    if gpu: torch.cuda.reset_peak_memory_stats()
    profiler = cProfile.Profile() if args.profile else contextlib.nullcontext()
    with Utilisation(device) as use, profiler:
        extract(folder, model, cache, limit=n if n < len(corpus) else None, device=device, dtype=args.dtype, batch_seconds=args.batch_seconds or None,
                decode_workers=workers, progress=False, overwrite=True, compile=args.compile)
    if args.profile:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(r"indic_probe|modeling_hubert|dataloader|functional", args.profile)
        stats.sort_stats("tottime").print_stats(args.profile)
    seconds_done = pd.read_csv(cache / "items.csv").pipe(lambda t: t[t.status == "ok"]).frames.sum() * 0.02
    rate = seconds_done / use.wall
    peak = (f"GPU peak {torch.cuda.max_memory_allocated() / 2**30:.1f} GiB, " if gpu else "") + \
           f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.1f} GiB"
    manifest = read_manifest(cache)
    dtype, batch_seconds, layers = manifest["key"]["dtype"], manifest["batch_seconds"], manifest["num_layers"]
    print(f"extract ({args.family}: {model}; {device}, {dtype}, batches of {batch_seconds:.0f} s, {workers} decoding {'processes' if gpu else 'threads'}): {n} clips in {use.wall:.1f} s = "
          f"{n / use.wall:.1f} clips/s, {rate:.1f} audio-s/s ({1 / rate:.2f} s per audio-second); {use.describe()}; {peak}")
    whole = total_seconds / rate
    print(f"whole corpus ({args.clips} clips, {total_seconds / 3600:.2f} h), all {layers} layers: {whole:.0f} s"
          + (" (measured)" if n == len(corpus) else f" (extrapolated from {n} clips)"))
    files = [str(folder / f) for f in pd.read_csv(folder / "metadata.csv").file_name[:args.original_clips]]
    original = original_rate(model, files, device)
    print(f"original method ({layers} passes per clip, batch 1, fp32) on {len(files)} clips: {original:.3f} s per audio-second -> "
          f"whole corpus {original * total_seconds / 3600:.1f} h; indic_probe is {original * rate:.0f}x faster")
