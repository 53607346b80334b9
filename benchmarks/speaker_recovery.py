"""Cost of recovering speakers at IndicAccentDB's size: d-vector embedding throughput and clustering time.

    python benchmarks/speaker_recovery.py [--clips 40] [--hours 7.0]

Embedding is measured on real people's voices (Debian flite; espeak-ng when flite is missing) and extrapolated to
`--hours` of audio (IndicAccentDB: about 8,100 clips, 5-10 h). Clustering is measured in full at IndicAccentDB's
shape: six classes of 300-1,850 clips, four with known speakers (calibration and validation) and two without
(clustered), on synthetic unit vectors whose within- and between-speaker cosine distances resemble real d-vectors:
threshold calibration, leave-one-class-out validation, the safe cut, `choose_cut` (all of these together, as
`recover_speakers` runs them) and clustering the two unknown classes.
"""
import argparse, platform, shutil, time
import numpy as np
from indic_probe.extract import voice_embedding, speaker_encoder
from indic_probe.speakers import (calibrate_threshold, choose_cut, cluster_voices, safe_threshold, validate_clustering,
                                  voice_tree)

CLASSES = {"andhra_pradesh": (1500, 10, False), "gujrat": (300, 4, True), "jharkhand": (1400, 8, True),
           "karnataka": (1850, 10, True), "kerala": (1500, 8, True), "tamil": (1550, 10, False)}  # clips, speakers, ids known

def embedding_throughput(clips: int) -> tuple[float, float, str]:
    "Seconds of compute per second of audio for `voice_embedding`, measured on `clips` synthetic sentences"
    from indic_probe.synth import SENTENCES, flite_speak, synthesize, FLITE_VOICES
    import soxr
    speaker_encoder()  # load once, outside the clock
    audio, source = [], "flite" if shutil.which("flite") else "espeak-ng"
    for k in range(clips):
        samples, rate = flite_speak(SENTENCES[k % 40], FLITE_VOICES[k % 4]) if source == "flite" else synthesize(SENTENCES[k % 40])
        audio.append(soxr.resample(samples, rate, 16000) if rate != 16000 else samples)
    seconds = sum(len(a) for a in audio) / 16000
    start = time.perf_counter()
    for a in audio: voice_embedding(a)
    return (time.perf_counter() - start) / seconds, seconds, source

def planted_dvectors(clips: int, speakers: int, rng) -> tuple[np.ndarray, np.ndarray]:
    "Unit vectors around random speaker centres: within-speaker cosine distance ~0.15-0.25, between ~0.5-0.7"
    centres = rng.normal(size=(speakers, 256)); truth = rng.integers(0, speakers, clips)
    vectors = centres[truth] / np.sqrt(256) + 0.035 * rng.normal(size=(clips, 256))
    return vectors.astype(np.float32), truth

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=40, help="sentences to time the speaker encoder on")
    ap.add_argument("--hours", type=float, default=7.0, help="audio to extrapolate embedding to (IndicAccentDB: 5-10 h)")
    args = ap.parse_args()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    print(f"CPU: {cpu}")
    per_second, seconds, source = embedding_throughput(args.clips)
    print(f"embedding: {per_second:.4f} s per audio-second on one thread ({args.clips} {source} clips, {seconds:.0f} s of audio); "
          f"{args.hours:.1f} h of audio -> {per_second * args.hours * 3600 / 60:.1f} min on one thread (the decoding threads overlap it)")
    rng = np.random.default_rng(0)
    data = {label: (*planted_dvectors(n, k, rng), known) for label, (n, k, known) in CLASSES.items()}
    start = time.perf_counter()
    known = {label: (v, t, voice_tree(v)) for label, (v, t, is_known) in data.items() if is_known}
    trees = time.perf_counter() - start
    threshold, ari = calibrate_threshold(list(known.values()))
    calibrated = time.perf_counter() - start
    validation, split = validate_clustering(known)
    validated = time.perf_counter() - start
    safe = safe_threshold(list(known.values()), calibrated=threshold)
    safe_done = time.perf_counter() - start
    cut = choose_cut(known)  # what recover_speakers runs before clustering: calibration, validation and (if it fails) the safe cut
    chosen = time.perf_counter() - start
    recovered = {label: cluster_voices(v, cut["threshold"]) for label, (v, t, is_known) in data.items() if not is_known}
    clustered = time.perf_counter() - start
    silhouette = {label: cluster_voices(v) for label, (v, t, is_known) in data.items() if not is_known}
    searched = time.perf_counter() - start
    print(f"clustering {sum(n for n, _, _ in CLASSES.values()):,} clips in 6 classes (2 without speaker ids): dendrograms {trees:.1f} s, "
          f"threshold calibration {calibrated - trees:.1f} s (threshold {threshold:.2f}, ARI {ari:.2f}), leave-one-class-out validation "
          f"{validated - calibrated:.1f} s (mean ARI {np.mean(list(validation.values())):.2f}, worst split rate {max(split.values()):.3f}), "
          f"safe cut {safe_done - validated:.1f} s (threshold {safe:.2f}); choose_cut, all of these at once {chosen - safe_done:.1f} s "
          f"(method {cut['method']}, threshold {cut['threshold']:.2f}, validated {cut['validated']}); clustering the unknown classes "
          f"{clustered - chosen:.1f} s ({', '.join(f'{l}: {len(set(c))} speakers' for l, c in recovered.items())}); "
          f"total as recover_speakers runs it (dendrograms, choose_cut, clustering) {trees + clustered - safe_done:.1f} s. "
          f"Silhouette search instead of a threshold: {searched - clustered:.1f} s.")
