"""Memory and speed per encoder family: peak memory of one forward pass per batch size on base-size architectures
(random weights, fp32, CPU), and extraction speed of tiny random models of each family.

    python benchmarks/family_memory.py [--seconds 10,30] [--families cnn,attention-mask,fbank,whisper] [--speed-clips 24]

Each memory point runs in a process of its own (peak resident memory above the loaded, warmed-up model, sampled
every 2 ms during the pass), so the points do not see each other's allocations. The architectures: hubert-base (cnn), wav2vec2-large-lv60
(attention-mask, waveform), w2v-BERT 2.0 (attention-mask, fbank: transformers' default `Wav2Vec2BertConfig`) and
whisper-base's encoder (whisper, one 30-s window per clip). `extract.batch_memory` estimates the same peaks from the
config; the table prints both, and the GPU batch each family gets by default (`extract.feeding_defaults`: the most
audio per batch whose estimate fits in 16 GiB). Figures measured on the project's 2-core CPU are in the README.
"""
import argparse, json, os, subprocess, sys, tempfile, threading, time
from pathlib import Path
import numpy as np

FAMILIES = ("cnn", "attention-mask", "fbank", "whisper")

def base_model(family: str):
    "A base-size random model of `family` and its feature extractor"
    import torch, transformers as tf
    torch.manual_seed(0)
    if family == "cnn": return tf.HubertModel(tf.HubertConfig()), tf.Wav2Vec2FeatureExtractor(return_attention_mask=False, do_normalize=False)
    if family == "attention-mask":  # wav2vec2-large-lv60
        config = tf.Wav2Vec2Config(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16, intermediate_size=4096, feat_extract_norm="layer",
                                   do_stable_layer_norm=True, conv_bias=True)
        return tf.Wav2Vec2Model(config), tf.Wav2Vec2FeatureExtractor(return_attention_mask=True, do_normalize=True)
    if family == "fbank": return tf.Wav2Vec2BertModel(tf.Wav2Vec2BertConfig()), tf.SeamlessM4TFeatureExtractor()  # w2v-BERT 2.0
    if family == "whisper":  # whisper-base
        config = tf.WhisperConfig(d_model=512, encoder_layers=6, encoder_attention_heads=8, encoder_ffn_dim=2048, decoder_layers=1,
                                  decoder_attention_heads=8, decoder_ffn_dim=2048)
        return tf.WhisperModel(config), tf.WhisperFeatureExtractor()
    raise ValueError(family)

def as_encoder(family: str, model, feature_extractor):
    from indic_probe.extract import wrap_encoder
    return wrap_encoder(model, feature_extractor, f"random {family}", "cpu", "fp32", identity={})

def rss() -> int:
    "Resident memory of this process now, bytes"
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")

def measure_point(family: str, seconds: float, clips: int) -> dict:
    "Peak memory above the loaded model of one batch of `clips` clips of `seconds` each (run in a fresh process)"
    import torch
    torch.set_num_threads(2)
    encoder = as_encoder(family, *base_model(family))
    rng = np.random.default_rng(0)
    batch = [encoder.prepare((0.1 * rng.standard_normal(int(seconds * 16000))).astype(np.float32)) for _ in range(clips)]
    encoder.hidden_states([b[:8000] for b in batch[:1]])  # warm up (allocator, kernels) on half a second
    before, peak, done = rss(), [0], threading.Event()
    def sample():
        while not done.is_set(): peak[0] = max(peak[0], rss()); time.sleep(0.002)
    watcher = threading.Thread(target=sample, daemon=True); watcher.start()
    start = time.perf_counter()
    hidden, frames = encoder.hidden_states(batch)
    took = time.perf_counter() - start
    done.set(); watcher.join()
    peak = max(peak[0], rss()) - before
    from indic_probe.extract import batch_memory
    return dict(family=family, seconds=seconds, clips=clips, peak_gib=peak / 2**30, estimate_gib=batch_memory(encoder, [len(b) for b in batch]) / 2**30,
                seconds_per_audio_second=took / (seconds * clips), layers=encoder.num_layers, hidden=encoder.hidden_size)

def gpu_defaults(family: str) -> dict:
    "The batch a 16 GiB card gets for this family, bf16 and fp32"
    import torch
    from indic_probe.extract import gpu_batch_seconds
    encoder = as_encoder(family, *base_model(family))
    return {dtype: gpu_batch_seconds(encoder, dtype, 16 * 2**30) for dtype in ("bf16", "fp32")}

def speed(kinds: list[str], clips: int) -> list[dict]:
    "Audio-seconds per second of `embed_clips` for tiny random models of each family, CPU defaults (20-s batches)"
    import torch
    from indic_probe.extract import load_encoder, embed_clips
    from indic_probe.synth import make_tiny_model, toy_clip
    rng, rows = np.random.default_rng(0), []
    audio = [toy_clip(float(np.clip(rng.lognormal(np.log(3.0), 0.35), 1, 12)), seed=i) for i in range(clips)]
    total = sum(len(a) for a in audio) / 16000
    with tempfile.TemporaryDirectory() as folder:
        for kind in kinds:
            encoder = load_encoder(str(make_tiny_model(Path(folder) / kind, kind=kind)), "cpu", "fp32")
            embed_clips(encoder, audio[:2])
            start = time.perf_counter(); embed_clips(encoder, audio, batch_seconds=20); took = time.perf_counter() - start
            rows.append(dict(kind=kind, family=encoder.family, audio_s=round(total, 1), audio_seconds_per_second=round(total / took, 1)))
    return rows

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", default="10,30", help="audio per batch to measure, comma-separated (one clip per batch, then 4 clips of the first)")
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--speed-clips", type=int, default=24, help="clips (about 3 s each) timed per tiny model")
    ap.add_argument("--no-speed", action="store_true", help="measure memory only")
    ap.add_argument("--point", default=None, help=argparse.SUPPRESS)  # internal: one measurement, in its own process
    args = ap.parse_args()
    if args.point:
        family, seconds, clips = args.point.split(":")
        print(json.dumps(measure_point(family, float(seconds), int(clips)))); return
    families, seconds = args.families.split(","), [float(s) for s in args.seconds.split(",")]
    rows = []
    for family in families:
        for point in [(s, 1) for s in seconds] + [(seconds[0], 4)]:
            out = subprocess.run([sys.executable, __file__, "--point", f"{family}:{point[0]}:{point[1]}"], capture_output=True, text=True)
            if out.returncode: print(out.stderr[-2000:]); continue
            rows.append(json.loads(out.stdout.strip().splitlines()[-1])); print(rows[-1], flush=True)
    for family in families: print(family, "GPU batch seconds on a 16 GiB card:", gpu_defaults(family), flush=True)
    if args.no_speed: return
    for row in speed(["hubert", "wav2vec2-layer", "w2v-bert", "whisper", "data2vec-audio"], args.speed_clips): print(row, flush=True)

if __name__ == "__main__": main()
