"""The whole job, stage by stage: `indic-probe run` with its defaults on a corpus shaped like IndicAccentDB, and the
original method's extraction timed beside it.

    python benchmarks/run_end_to_end.py [--clips 8100] [--corpus DIR] [--device auto] [--original-clips 4] [--jobs 2]

The corpus is `throughput.py`'s (six classes of IndicAccentDB's uneven sizes, log-normal 1-12 s clips, mixed rates and
formats), with speaker ids for four classes and none for two, as IndicAccentDB has: so `run` recovers speakers, and
computes the d-vectors in the extraction's decode pass. The model is the hubert-base architecture with random weights
(saved locally, loaded by path as a hub id loads). `indic-probe run` runs as a user runs it, in a process of its own,
with only --data, --model and --out given (`--jobs` and `--device` only when passed here); the stages are read from
what it leaves: the time each of its stage lines appears on stdout, the manifest's `stage_seconds` (decode, VAD and
the speaker encoder's front end in worker-seconds; encoder and d-vectors in main-thread seconds), speakers.json,
sweep.json's seconds per notebook. Printed: one table of seconds per stage, the CPU or GPU utilisation sampled over
the run, the peak resident memory of the largest process, how many times each clip was decoded, and the original
method's time for the same extraction (13 passes per clip at batch 1, timed on `--original-clips` clips and scaled by
audio-seconds) with the ratio. On a CPU give `--clips 600`.
"""
import argparse, json, os, platform, resource, shutil, subprocess, sys, tempfile, threading, time
from pathlib import Path
import numpy as np, pandas as pd, psutil

sys.path.insert(0, str(Path(__file__).parent))
from throughput import make_corpus, hubert_base, original_rate

STAGE_LINES = (("extract", "extracted "), ("speakers", "speakers: "), ("sweep", "sweep: "))  # what `run` prints as each stage ends

def with_speakers(folder: Path, known: int = 4, per_class: int = 8) -> Path:
    "Give the first `known` classes speaker ids (`per_class` speakers each) in metadata.csv; the other classes have none"
    meta = pd.read_csv(folder / "metadata.csv")
    classes = sorted(meta.label.unique())
    position = meta.groupby("label").cumcount()
    meta["speaker"] = [f"{label}_s{p % per_class}" if label in classes[:known] else "" for label, p in zip(meta.label, position)]
    meta.to_csv(folder / "metadata.csv", index=False)
    return folder

class Sampler:
    "Samples system-wide CPU use and, when there is one, GPU utilisation and memory while the run goes on"
    def __init__(self): self.cpu, self.gpu, self.gpu_memory, self.stop = [], [], [], threading.Event()
    def __enter__(self):
        try:
            import pynvml
            pynvml.nvmlInit(); self.handle = pynvml.nvmlDeviceGetHandleByIndex(0); self.nvml = pynvml
        except Exception: self.nvml = None
        psutil.cpu_percent()
        self.thread = threading.Thread(target=self.sample, daemon=True); self.thread.start()
        return self
    def sample(self):
        while not self.stop.wait(0.5):
            self.cpu.append(psutil.cpu_percent())
            if self.nvml:
                self.gpu.append(self.nvml.nvmlDeviceGetUtilizationRates(self.handle).gpu)
                self.gpu_memory.append(self.nvml.nvmlDeviceGetMemoryInfo(self.handle).used)
    def __exit__(self, *exc): self.stop.set(); self.thread.join()
    def describe(self) -> str:
        line = f"CPU {np.mean(self.cpu or [0]):.0f}% of {os.cpu_count()} cores on average"
        if self.gpu: line += f"; GPU utilisation {np.mean(self.gpu):.0f}% on average, memory peak {max(self.gpu_memory) / 2**30:.1f} GiB"
        return line

def run_and_time(command: list[str], env: dict) -> tuple[dict, float, int]:
    "Run `indic-probe run`, noting when each stage line appears; returns {stage: seconds since start}, total seconds, return code"
    started, seen = time.perf_counter(), {}
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    for line in proc.stdout:
        print("  | " + line.rstrip())
        for stage, prefix in STAGE_LINES:
            if line.startswith(prefix) and stage not in seen: seen[stage] = time.perf_counter() - started
    proc.wait()
    return seen, time.perf_counter() - started, proc.returncode

def stage_table(out: Path, ends: dict, total: float, corpus_seconds: float) -> list[tuple[str, str, str]]:
    "(stage, seconds, how it was measured) rows from the run folder and the stage lines' times"
    manifest = json.loads((out / "cache" / "manifest.json").read_text())
    parts, sweep = manifest.get("stage_seconds", {}), json.loads((out / "sweep.json").read_text())
    speakers = json.loads((out / "cache" / "speakers.json").read_text()) if (out / "cache" / "speakers.json").exists() else {}
    layers = {int(l): r.get("seconds") for l, r in sweep["layers"].items()}
    rows = [("corpus load (listing, headers, content hashes)", f"{corpus_seconds:.1f}", "in this process, before the run (the run loads it once more)"),
            ("extraction, wall (model load, decode, encoder, VAD, d-vectors)", f"{ends.get('extract', float('nan')):.1f}", "until its line"),
            ("  decode + resample", f"{parts.get('decode', 0):.1f}", "worker-seconds (decoders run in parallel with the model)"),
            ("  voice-activity detector", f"{parts.get('vad', 0):.1f}", "worker-seconds"),
            ("  speaker encoder front end (trim, mel)", f"{parts.get('voice_input', 0):.1f}", "worker-seconds"),
            ("  encoder (all layers, and the non-speech pass)", f"{parts.get('encoder', 0):.1f}", "main thread"),
            ("  speaker d-vectors (LSTM, batched)", f"{parts.get('voices', 0):.1f}", "main thread")]
    if "speakers" in ends:
        rows.append(("speaker clustering", f"{ends['speakers'] - ends.get('extract', 0):.1f}", f"between the lines (speakers.json: {speakers.get('seconds', 0):.1f} s of clustering)"))
    sweep_start = ends.get("speakers", ends.get("extract", 0))
    rows.append(("sweep, wall (layer notebooks and all-layers)", f"{ends.get('sweep', float('nan')) - sweep_start:.1f}", "between the lines"))
    for layer in sorted(layers): rows.append((f"  layer {layer} notebook", f"{layers[layer] or 0:.1f}", "sweep.json"))
    rows.append(("  all-layers notebook (weighting, CKA)", f"{(sweep.get('all_layers') or {}).get('seconds') or 0:.1f}", "sweep.json"))
    rows.append(("report (notebook, HTML, figures)", f"{total - ends.get('sweep', total):.1f}", "after the sweep's line"))
    rows.append(("total, `indic-probe run`", f"{total:.1f}", "wall"))
    return rows

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=8100, help="clips in the generated corpus (IndicAccentDB: about 8,100; on a CPU: 600)")
    ap.add_argument("--corpus", default=None, help="folder for the generated corpus and the model (kept between runs)")
    ap.add_argument("--device", default=None, help="passed to run as --device and --probe-device (default: run's own, auto)")
    ap.add_argument("--jobs", type=int, default=None, help="passed to run as --jobs (default: run's own)")
    ap.add_argument("--original-clips", type=int, default=4, help="clips the original method is timed on")
    args = ap.parse_args()
    import torch
    from indic_probe.data import load_corpus
    from indic_probe.extract import resolve_device
    device = str(resolve_device(args.device or "auto"))
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    print(f"machine: {cpu}, {os.cpu_count()} cores" + (f"; GPU {torch.cuda.get_device_name()}" if device.startswith("cuda") else "; no GPU"))
    work = Path(args.corpus) if args.corpus else Path(tempfile.mkdtemp(prefix="end_to_end_"))
    folder, audio_seconds = make_corpus(work / f"corpus_{args.clips}", args.clips)
    with_speakers(folder)
    model = hubert_base(work / "hubert-base-random")
    started = time.perf_counter()
    corpus = load_corpus(folder); corpus.fingerprint
    corpus_seconds = time.perf_counter() - started
    print(f"corpus: {len(corpus)} clips, {audio_seconds / 3600:.2f} h of audio, {(corpus.items.speaker_source == 'unknown').sum()} "
          f"without a speaker id; loaded and hashed in {corpus_seconds:.1f} s")
    out = work / f"run_{args.clips}_{device.replace(':', '')}"
    shutil.rmtree(out, ignore_errors=True)  # a fresh run folder and cache: nothing reused
    command = [sys.executable, "-c", "from indic_probe.cli import main; main()", "run", "--data", str(folder), "--model", model, "--out", str(out)]
    if args.device: command += ["--device", args.device, "--probe-device", args.device]
    if args.jobs: command += ["--jobs", str(args.jobs)]
    print("running: indic-probe " + " ".join(command[3:]))
    with Sampler() as use:
        ends, total, code = run_and_time(command, dict(os.environ, PYTHONUNBUFFERED="1"))
    if code != 0: sys.exit(f"indic-probe run failed with exit code {code}")
    peak_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20  # KiB on Linux -> GiB
    print(f"\n| stage | seconds | measured |\n|---|---|---|")
    for stage, seconds, how in stage_table(out, ends, total, corpus_seconds): print(f"| {stage} | {seconds} | {how} |")
    voices = json.loads((out / "cache" / "speaker_embeddings.json").read_text())
    manifest = json.loads((out / "cache" / "manifest.json").read_text())
    print(f"\n{use.describe()}; peak resident memory of the largest process {peak_rss:.1f} GiB")
    print(f"decodes per clip: 1 (the d-vectors came from the extraction's pass: manifest voices={manifest.get('voices')}, "
          f"speaker_embeddings.json complete={voices.get('complete')}; `indic-probe speakers` had nothing to embed)")
    files = [str(folder / f) for f in pd.read_csv(folder / "metadata.csv").file_name[:args.original_clips]]
    rate = original_rate(model, files, device)
    ours = ends.get("extract", float("nan"))
    print(f"original method (13 passes per clip, batch 1, fp32) on {len(files)} clips: {rate:.3f} s per audio-second, "
          f"{rate * audio_seconds:.0f} s for this corpus's extraction against {ours:.0f} s here (model and corpus load, VAD and "
          f"d-vectors included): {rate * audio_seconds / ours:.1f}x")
