"Extraction end to end: every source gives the same items; kill -9 and resume gives the same cache."
import json, os, signal, subprocess, sys, time
from pathlib import Path
import numpy as np, pandas as pd, pytest, soundfile as sf
from indic_probe.data import load_corpus, decode_audio
from indic_probe.extract import extract
from indic_probe.cache import load_layer, read_manifest, layer_file, CacheMismatchError
from conftest import run_cli

def test_audiofolder_manifest_and_dataset_give_the_same_items(speech_corpus, tmp_path):
    datasets = pytest.importorskip("datasets")
    folder = load_corpus(speech_corpus)
    meta = pd.read_csv(speech_corpus / "metadata.csv")
    manifest_csv = tmp_path / "manifest.csv"
    pd.DataFrame(dict(path=[str(speech_corpus / f) for f in meta.file_name], label=meta.label, speaker=meta.speaker)).to_csv(manifest_csv, index=False)
    manifest = load_corpus(manifest_csv)
    try:
        ds = datasets.Dataset.from_dict(dict(audio=[str(speech_corpus / f) for f in meta.file_name], label=list(meta.label),
                                             speaker=list(meta.speaker))).cast_column("audio", datasets.Audio())
    except ImportError as e: pytest.skip(f"datasets cannot build an Audio column here: {e}")
    hub = load_corpus(ds)
    cols = ["label", "label_idx", "speaker"]
    pd.testing.assert_frame_equal(folder.items[cols], manifest.items[cols])
    pd.testing.assert_frame_equal(folder.items[cols], hub.items[cols])
    names = lambda c: [Path(s).name for s in c.items.item_id]
    assert names(folder) == names(manifest) == names(hub)
    assert folder.classes == manifest.classes == hub.classes
    for i in (0, len(hub) // 2, len(hub) - 1):  # the hub path decodes from bytes/path exactly like the file
        np.testing.assert_array_equal(hub.audio(i), folder.audio(i))

def _extract_cmd(corpus, model, cache, chunk_size=4, options=""):
    code = ("import sys; from indic_probe.extract import extract; "
            f"extract({str(corpus)!r}, {str(model)!r}, {str(cache)!r}, device='cpu', dtype='fp32', chunk_size={chunk_size}, "
            f"batch_seconds=4, progress=False{options})")
    return [sys.executable, "-c", code]

def _kill_after_chunks(cmd, cache: Path, chunks: int, timeout=300):
    "Start extraction and SIGKILL it once `chunks` chunks are recorded (each chunk's record is its commit point)"
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        try:
            if len(list((cache / "chunks").glob("chunk_*.json"))) >= chunks: break  # chunks committed so far
        except OSError: pass
        time.sleep(0.02)
    if proc.poll() is None: proc.send_signal(signal.SIGKILL)
    proc.wait()

def test_kill_and_resume_is_bit_identical(speech_corpus, tiny_model, tmp_path):
    reference = tmp_path / "reference"
    subprocess.run(_extract_cmd(speech_corpus, tiny_model, reference), check=True, capture_output=True)
    resumed = tmp_path / "resumed"
    for chunks in (1, 3, 5):  # three kills at different points, resuming each time
        _kill_after_chunks(_extract_cmd(speech_corpus, tiny_model, resumed), resumed, chunks)
        assert not read_manifest(resumed)["complete"]
    subprocess.run(_extract_cmd(speech_corpus, tiny_model, resumed), check=True, capture_output=True)
    ref_manifest, res_manifest = read_manifest(reference), read_manifest(resumed)
    assert res_manifest["complete"] and res_manifest["checksums"] == ref_manifest["checksums"]
    for layer in range(ref_manifest["num_layers"]):
        assert layer_file(resumed, layer).read_bytes() == layer_file(reference, layer).read_bytes()
    for name in ("items.csv", "errors.csv"):
        assert (resumed / name).read_bytes() == (reference / name).read_bytes()

def test_kill_mid_pass_and_resume_keeps_every_consumer_consistent(speech_corpus, tiny_model, tmp_path):
    "Layers, non-speech arrays and d-vectors of one decode pass: killed at three points and resumed, every file equals an uninterrupted run's"
    from indic_probe.cache import load_voices, voices_meta
    every = ", vad=True, voices=True"
    reference, resumed = tmp_path / "reference", tmp_path / "resumed"
    subprocess.run(_extract_cmd(speech_corpus, tiny_model, reference, options=every), check=True, capture_output=True)
    for chunks in (1, 3, 5):
        _kill_after_chunks(_extract_cmd(speech_corpus, tiny_model, resumed, options=every), resumed, chunks)
        assert not read_manifest(resumed)["complete"] and not voices_meta(resumed)["complete"]
    subprocess.run(_extract_cmd(speech_corpus, tiny_model, resumed, options=every), check=True, capture_output=True)
    ref_manifest, res_manifest = read_manifest(reference), read_manifest(resumed)
    assert res_manifest["complete"] and res_manifest["checksums"] == ref_manifest["checksums"]
    for layer in range(ref_manifest["num_layers"]):
        for region in ("main", "nonspeech"):
            assert layer_file(resumed, layer, region).read_bytes() == layer_file(reference, layer, region).read_bytes()
    assert voices_meta(resumed)["checksums"] == voices_meta(reference)["checksums"]  # the d-vectors and their table, byte for byte
    vectors, table = load_voices(resumed)
    assert (table.status == "ok").sum() >= len(table) - 2 and np.abs(np.linalg.norm(vectors[table.status == "ok"], axis=1) - 1).max() < 1e-5
    for name in ("items.csv", "errors.csv"):
        assert (resumed / name).read_bytes() == (reference / name).read_bytes()

def test_cache_refuses_other_model_or_pooling_and_incomplete(speech_corpus, tiny_model, tmp_path):
    from indic_probe.synth import make_tiny_model
    cache = extract(speech_corpus, tiny_model, tmp_path / "cache", device="cpu", dtype="fp32", limit=6, progress=False)
    other = make_tiny_model(tmp_path / "other", seed=1)
    with pytest.raises(CacheMismatchError, match="weights_sha"): extract(speech_corpus, str(other), cache, device="cpu", limit=6, progress=False)
    with pytest.raises(CacheMismatchError, match="pooling"): extract(speech_corpus, tiny_model, cache, device="cpu", limit=6, pooling="mean+std", progress=False)
    extract(speech_corpus, str(other), cache, device="cpu", limit=6, overwrite=True, progress=False)
    assert read_manifest(cache)["key"]["model"] == str(other) and read_manifest(cache)["complete"]
    X, y, groups = load_layer(cache, 1)
    assert X.shape[0] == 6 and len(set(y)) == 3

def test_cli_extract_help_lists_every_option_with_default():
    out = run_cli("extract", "--help").stdout
    for option in ["--data", "--model", "--cache", "--batch-seconds", "--dtype", "--device", "--limit", "--pooling", "--max-seconds", "--overwrite"]:
        assert option in out
    assert "DarshanaS/IndicAccentDb" in out and "facebook/hubert-base-ls960" in out and "(default: 20 on a CPU, fastest there; on a GPU the most, up to 240, that the model's family fits on the card)" in " ".join(out.split())

def test_cli_extract_with_default_options_equals_the_original_method(speech_corpus, tiny_model, tmp_path):
    "`indic-probe extract` with no --dtype on a CPU (even one with native bf16) is exact: <= 1e-3 relative to the original per-layer method"
    from indic_probe.extract import load_encoder, original_method_embedding
    from indic_probe.cache import load_cache_items
    cache = tmp_path / "cache"
    run_cli("extract", "--data", speech_corpus, "--model", tiny_model, "--cache", cache, "--device", "cpu", "--limit", "6")
    assert read_manifest(cache)["key"]["dtype"] == "fp32"
    encoder = load_encoder(tiny_model, "cpu", "fp32")
    items = load_cache_items(cache)
    for row in range(len(items)):
        audio = decode_audio(items.source.iloc[row])
        for layer in range(read_manifest(cache)["num_layers"]):
            ours = np.load(layer_file(cache, layer))[row]
            original = original_method_embedding(encoder.model, encoder.feature_extractor, audio, layer)
            assert np.linalg.norm(ours - original) <= 1e-3 * np.linalg.norm(original), (row, layer)
