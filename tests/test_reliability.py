"Bad input never kills a run or gets lost; caches never lie; the CLI refuses bad input in one line."
import json, os, shutil, subprocess, time
from pathlib import Path
import numpy as np, pandas as pd, pytest, soundfile as sf
from hypothesis import given, settings, strategies as st, HealthCheck
from indic_probe.data import decode_audio, AudioDecodeError, load_corpus
from indic_probe.extract import extract
from indic_probe.cache import load_layer, read_manifest, layer_file, load_cache_items, CacheMismatchError
from conftest import run_cli

def tone(seconds, sr, channels=1, seed=0):
    t = np.arange(int(seconds * sr)) / sr
    x = 0.4 * np.sin(2 * np.pi * 180 * t) + 0.02 * np.random.default_rng(seed).standard_normal(len(t))
    return np.stack([x, 0.5 * x], 1) if channels == 2 else x

def build_catalogue(folder: Path) -> tuple[Path, dict]:
    "A CSV manifest of good and bad clips; returns it and the expected outcome per file (ok / error reason)"
    folder.mkdir(parents=True)
    expect, rows = {}, []
    def add(name, label, outcome, write=None):
        if write: write(folder / name)
        rows.append(dict(path=name, label=label, speaker="")); expect[name] = outcome
    labels = ["alpha", "beta"]
    add("zero bytes.wav", "alpha", "empty file", lambda p: p.write_bytes(b""))
    sf.write(folder / "_full.wav", tone(1, 16000), 16000)
    add("truncated header.wav", "beta", "unreadable audio", lambda p: p.write_bytes((folder / "_full.wav").read_bytes()[:30]))
    add("text named.wav", "alpha", "unreadable audio", lambda p: p.write_text("hello, I am not audio"))
    add("silence.wav", "beta", "ok", lambda p: sf.write(p, np.zeros(16000), 16000))
    add("too short.wav", "alpha", "receptive field", lambda p: sf.write(p, tone(0.01, 16000), 16000))
    add("nan samples.wav", "beta", "NaN or infinite", lambda p: sf.write(p, np.r_[tone(0.5, 16000), np.nan, np.inf].astype(np.float32), 16000, subtype="FLOAT"))
    add("stereo.wav", "alpha", "ok", lambda p: sf.write(p, tone(1, 16000, channels=2), 16000))
    add("eight bit.wav", "beta", "ok", lambda p: sf.write(p, tone(1, 16000), 16000, subtype="PCM_U8"))
    for i, sr in enumerate([8000, 22050, 44100, 48000]):
        add(f"rate {sr}.wav", labels[i % 2], "ok", lambda p, sr=sr: sf.write(p, tone(1, sr), sr))
    add("clip.flac", "alpha", "ok", lambda p: sf.write(p, tone(1, 16000), 16000, format="FLAC"))
    add("clip.ogg", "beta", "ok", lambda p: sf.write(p, tone(1, 16000), 16000, format="OGG", subtype="VORBIS"))
    add("clip.mp3", "alpha", "ok", lambda p: sf.write(p, tone(1, 16000), 16000, format="MP3", subtype="MPEG_LAYER_III"))
    if shutil.which("ffmpeg"):
        add("clip.m4a", "beta", "ok", lambda p: subprocess.run(["ffmpeg", "-v", "error", "-i", str(folder / "_full.wav"), "-c:a", "aac", str(p)], check=True))
    add("ten minutes.wav", "beta", "ok", lambda p: sf.write(p, tone(600, 16000).astype(np.float32), 16000))
    add("no label.wav", "", "missing label", lambda p: sf.write(p, tone(1, 16000), 16000))
    add("missing file.wav", "alpha", "file not found")
    add("Kerala_speaker_05 (ñame) ü.wav", "alpha", "ok", lambda p: sf.write(p, tone(1, 16000), 16000))
    add("spaces and (parens).wav", "beta", "ok", lambda p: sf.write(p, tone(1, 16000), 16000))
    manifest = folder / "manifest.csv"
    pd.DataFrame(rows).to_csv(manifest, index=False)
    return manifest, expect

def test_bad_input_catalogue(tiny_model, tmp_path, capsys):
    manifest, expect = build_catalogue(tmp_path / "catalogue")
    cache = extract(manifest, tiny_model, tmp_path / "cache", device="cpu", dtype="fp32", chunk_size=8)
    summary = capsys.readouterr().out
    items = load_cache_items(cache).assign(name=lambda d: d.source.map(lambda s: Path(s).name))
    errors = pd.read_csv(cache / "errors.csv", keep_default_na=False).assign(name=lambda d: d.path.map(lambda s: Path(s).name))
    for name, outcome in expect.items():
        if outcome == "ok":
            assert items.set_index("name").status[name] == "ok", name
        else:
            reasons = errors[errors.name == name].reason.tolist()
            assert len(reasons) == 1 and outcome in reasons[0], (name, reasons)
    tried, ok, recorded = len(expect), int((items.status == "ok").sum()), len(errors)
    assert ok == sum(v == "ok" for v in expect.values())
    assert tried - ok - recorded == 0  # lost: none
    assert f"extracted {ok} of {tried} items, {recorded} recorded" in summary
    X, y, _ = load_layer(cache, 2)
    assert X.shape[0] == ok and np.isfinite(X).all()
    print(f"catalogue: tried {tried}, decoded and extracted {ok}, recorded as errors {recorded}, lost {tried - ok - recorded}")

def test_decoder_resamples_every_rate_to_16k(tmp_path):
    for sr in (8000, 22050, 44100, 48000):
        sf.write(tmp_path / "x.wav", tone(1, sr), sr)
        assert abs(len(decode_audio(tmp_path / "x.wav")) - 16000) <= 1

@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_fuzz_random_bytes_never_crash_the_decoder(blob):
    try: audio = decode_audio(blob)
    except AudioDecodeError as e: assert "<bytes>" in str(e)
    else: assert audio.dtype == np.float32 and np.isfinite(audio).all()

@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), max_size=64),
       st.sampled_from([8000, 11025, 16000, 44100]), st.sampled_from(["FLOAT", "PCM_16"]))
def test_fuzz_random_short_arrays(samples, sr, subtype):
    import io
    buffer = io.BytesIO()
    try: sf.write(buffer, np.asarray(samples, dtype=np.float32), sr, format="WAV", subtype=subtype)
    except Exception: return  # soundfile itself refuses to write it
    try: audio = decode_audio(buffer.getvalue())
    except AudioDecodeError: return
    assert audio.dtype == np.float32 and np.isfinite(audio).all()

@pytest.fixture()
def small_cache(speech_corpus, tiny_model, tmp_path):
    return extract(speech_corpus, tiny_model, tmp_path / "cache", device="cpu", dtype="fp32", limit=9, progress=False)

def test_edited_or_truncated_layer_file_is_refused(small_cache):
    path = layer_file(small_cache, 1)
    data = bytearray(path.read_bytes()); data[-5] ^= 0xFF; path.write_bytes(bytes(data))
    with pytest.raises(CacheMismatchError, match="checksum"): load_layer(small_cache, 1)
    path2 = layer_file(small_cache, 2); path2.write_bytes(path2.read_bytes()[:-64])
    with pytest.raises(CacheMismatchError, match="checksum"): load_layer(small_cache, 2)
    load_layer(small_cache, 0)  # untouched layers still load

def test_incomplete_cache_is_refused(small_cache):
    manifest = read_manifest(small_cache); manifest["complete"] = False
    (small_cache / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CacheMismatchError, match="incomplete"): load_layer(small_cache, 0)

def test_unwritable_cache_folder_gives_a_clear_error(speech_corpus, tiny_model, tmp_path):
    (tmp_path / "file").write_text("x")
    proc = run_cli("extract", "--data", speech_corpus, "--model", tiny_model, "--cache", tmp_path / "file" / "cache", "--limit", "6", check=False)
    assert proc.returncode == 1 and "cannot write the cache" in proc.stderr and "Traceback" not in proc.stderr

CASES = ["unknown model", "mistyped model path", "mistyped data path", "offline hub dataset", "offline hub model", "one class",
         "no labels", "layers out of range", "layers backwards", "empty corpus", "unknown protocol", "max-seconds 0", "n-boot 0",
         "seeds a", "limit -4", "jobs 0"]

@pytest.mark.parametrize("case", CASES)
def test_cli_input_validation(case, speech_corpus, tiny_model, small_cache, tmp_path):
    "Every bad input: one line naming the problem, exit 2, no traceback, before any work"
    one_class = tmp_path / "one"; (one_class / "only").mkdir(parents=True)
    sf.write(one_class / "only" / "a.wav", tone(1, 16000), 16000)
    no_labels = tmp_path / "nolabels.csv"; pd.DataFrame(dict(path=["a.wav"])).to_csv(no_labels, index=False)
    empty = tmp_path / "empty"; empty.mkdir()
    (tmp_path / "ux").mkdir()
    extract_with = lambda *extra: ["extract", "--data", speech_corpus, "--model", tiny_model, "--cache", tmp_path / "c", *extra]
    sweep_with = lambda *extra: ["sweep", "--cache", small_cache, "--out", tmp_path / "run", *extra]
    args = {"unknown model": ["extract", "--data", speech_corpus, "--model", tmp_path / "no-such-model", "--cache", tmp_path / "c"],
            "mistyped model path": ["extract", "--data", speech_corpus, "--model", "/path/tiny-hubret", "--cache", tmp_path / "c"],
            "mistyped data path": ["extract", "--data", "ux/corpsu", "--model", tiny_model, "--cache", tmp_path / "c"],
            "offline hub dataset": ["extract", "--data", "someone/no-such-corpus", "--model", tiny_model, "--cache", tmp_path / "c"],
            "offline hub model": ["extract", "--data", speech_corpus, "--model", "someone/no-such-model", "--cache", tmp_path / "c"],
            "one class": ["extract", "--data", one_class, "--model", tiny_model, "--cache", tmp_path / "c"],
            "no labels": ["extract", "--data", no_labels, "--model", tiny_model, "--cache", tmp_path / "c"],
            "layers out of range": sweep_with("--layers", "0-40"), "layers backwards": sweep_with("--layers", "3-1"),
            "empty corpus": ["extract", "--data", empty, "--model", tiny_model, "--cache", tmp_path / "c"],
            "unknown protocol": sweep_with("--protocol", "random"), "max-seconds 0": extract_with("--max-seconds", "0"),
            "n-boot 0": sweep_with("--n-boot", "0"), "seeds a": sweep_with("--seeds", "a"), "limit -4": extract_with("--limit", "-4"),
            "jobs 0": sweep_with("--jobs", "0")}[case]
    started = time.time()
    proc = run_cli(*args, check=False, cwd=tmp_path, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    message = [l for l in proc.stderr.strip().splitlines() if l.startswith("indic-probe")]
    assert proc.returncode == 2, proc.stderr
    assert len(message) == 1 and "Traceback" not in proc.stderr, proc.stderr
    hint = {"unknown model": "no-such-model: no such folder or file", "mistyped model path": "/path/tiny-hubret: no such folder or file",
            "mistyped data path": "ux/corpsu: no such folder or file", "offline hub dataset": "cannot download dataset 'someone/no-such-corpus'",
            "offline hub model": "cannot load model 'someone/no-such-model'", "one class": "at least two classes",
            "no labels": "missing ['label']", "layers out of range": "out of range", "layers backwards": "run backwards: write 1-3",
            "empty corpus": "no labelled audio", "unknown protocol": "unknown protocol random",
            "max-seconds 0": "'0' is not a positive number of seconds", "n-boot 0": "'0' is not a positive whole number",
            "seeds a": "seeds must be whole numbers", "limit -4": "'-4' is not a positive whole number",
            "jobs 0": "'0' is not a positive whole number"}[case]
    assert hint in message[0], message[0]
    assert not (tmp_path / "c" / "manifest.json").exists() and not (tmp_path / "run" / "sweep.json").exists()  # refused before any work
    if case.startswith("mistyped"): assert time.time() - started < 20  # no wait for a hub
