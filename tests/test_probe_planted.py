"Planted-signal checks of indic_probe.probe: the probes find what was planted, under every protocol, and only that."
import json
import numpy as np, pandas as pd, pytest, soundfile as sf
from indic_probe.probe import PROBES, PROTOCOLS, planted_layer, probe_layer, run_probe

PLANTED, N_LAYERS = 7, 13
FAST = dict(n_boot=200, device="cpu", threads=1)


def _layers(class_signal, speaker_signal=0.0, n_items=480, n_features=16, n_speakers=24):
    "13 layers over the same items; only layer PLANTED carries class information"
    return [planted_layer(n_items, n_features, n_classes=4, n_speakers=n_speakers, n_unknown_speakers=2,
                          class_signal=class_signal if layer == PLANTED else 0.0, speaker_signal=speaker_signal,
                          noise_seed=layer) for layer in range(N_LAYERS)]


@pytest.fixture(scope="module")
def planted_results():
    "Every probe x protocol on every layer of a class-only planted problem"
    layers = _layers(class_signal=0.5)
    return {(probe, protocol): [run_probe(X, y, groups, probe, protocol, **FAST) for X, y, groups in layers]
            for probe in PROBES for protocol in PROTOCOLS}


def _values(results, metric="accuracy"):
    return np.array([r["metrics"][metric]["value"] for r in results])


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("probe", PROBES)
def test_planted_layer_scores_best(planted_results, probe, protocol):
    results = planted_results[probe, protocol]
    for metric in ("accuracy", "macro_f1", "balanced_accuracy"):
        values = _values(results, metric)
        assert int(np.argmax(values)) == PLANTED, (metric, values.round(2))
        # clearly best: the planted layer's interval lies above every other layer's value
        assert results[PLANTED]["metrics"][metric]["ci_low"] > np.delete(values, PLANTED).max(), (metric, values.round(2))
    for r in results:
        for m in r["metrics"].values(): assert m["ci_low"] <= m["value"] <= m["ci_high"], m
        assert r["optimistic"] == (protocol == "seed")
        json.dumps(r)
    noise = np.delete(_values(results, "balanced_accuracy"), PLANTED)
    assert abs(noise.mean() - 0.25) < 0.08, noise.round(2)  # label-free layers sit near chance (1/C)


def test_speaker_protocol_excludes_unknown_speakers(planted_results):
    for r in planted_results["mlp", "speaker"] + planted_results["logreg", "speaker"]:
        assert r["excluded"] == {"unknown_speaker": 40, "classes": [], "few_items": []}
        assert r["n_test"] == 480 - 40 and r["n_speakers"] == 22 and r["ci"]["unit"] == "speaker"
    for r in planted_results["mlp", "kfold"]:
        assert r["excluded"] == {"unknown_speaker": 0, "classes": [], "few_items": []} and r["n_test"] == 480


def test_seed_protocol_is_optimistic_on_noise(planted_results):
    "Picking the epoch on the test split inflates accuracy on label-free layers; picking it inside train does not"
    seed = np.delete(_values(planted_results["mlp", "seed"]), PLANTED)
    holdout = np.delete(_values(planted_results["mlp", "holdout"]), PLANTED)
    chance = planted_results["mlp", "seed"][0]["chance"]["accuracy"]
    assert seed.mean() - holdout.mean() > 0.015, (seed.round(2), holdout.round(2))
    assert seed.mean() > chance + 0.02
    for r in planted_results["mlp", "seed"]:  # the reported value is the best epoch's test accuracy
        assert r["metrics"]["accuracy"]["value"] == pytest.approx(max(c["val_accuracy"] for c in r["curves"]))


def test_speaker_leakage_looks_flat_under_seed_and_vanishes_under_speaker():
    "Speakers everywhere, accent only in one layer: random splits score high on every layer; speaker folds find the layer"
    layers = _layers(class_signal=0.5, speaker_signal=1.0, n_items=640, n_features=64, n_speakers=32)
    for probe in PROBES:
        leaky = np.array([run_probe(X, y, g, probe, "seed", **FAST)["metrics"]["accuracy"]["value"] for X, y, g in layers])
        honest = [run_probe(X, y, g, probe, "speaker", **FAST) for X, y, g in layers]
        honest_values = _values(honest)
        assert leaky.min() > 0.75, (probe, leaky.round(2))  # the flat, high curve of a leaky split
        assert int(np.argmax(honest_values)) == PLANTED, (probe, honest_values.round(2))
        assert np.delete(honest_values, PLANTED).mean() < 0.25 + 0.08, (probe, honest_values.round(2))
        assert honest[PLANTED]["metrics"]["accuracy"]["ci_low"] > np.delete(honest_values, PLANTED).max()


def test_seeds_average_and_bootstrap_jointly():
    X, y, groups = planted_layer(300, 16, n_classes=3, n_speakers=15, class_signal=0.3, speaker_signal=0.5)
    one, two = (run_probe(X, y, groups, "mlp", "speaker", seeds=(s,), **FAST) for s in (1, 2))
    both = run_probe(X, y, groups, "mlp", "speaker", seeds=(1, 2), **FAST)
    for metric in ("accuracy", "macro_f1", "balanced_accuracy"):
        expected = (one["metrics"][metric]["value"] + two["metrics"][metric]["value"]) / 2
        assert both["metrics"][metric]["value"] == pytest.approx(expected)
    assert np.array_equal(np.array(both["confusion"]), np.array(one["confusion"]) + np.array(two["confusion"]))
    assert both["selected"][:5] == one["selected"] and both["selected"][5:] == two["selected"]


def _tiny_hubert(path):
    "A tiny random HuBERT saved like a hub model (no download)"
    import torch
    from transformers import HubertConfig, HubertModel, Wav2Vec2FeatureExtractor
    torch.manual_seed(0)
    config = HubertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                          conv_dim=(16,) * 7, num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4)
    HubertModel(config).save_pretrained(path)
    Wav2Vec2FeatureExtractor(return_attention_mask=False, do_normalize=False).save_pretrained(path)
    return str(path)


def _three_accent_cache(tmp_path):
    "A real (tiny) cache made by indic_probe.extract: three accents, 'west' without speaker ids"
    from indic_probe.extract import extract
    rng, rows = np.random.default_rng(0), []
    for label_idx, label in enumerate(["north", "south", "west"]):
        for item in range(12):
            speaker = f"{label}_{item % 3}" if label != "west" else ""  # 'west' has no speaker ids
            t = np.arange(8000) / 16000
            audio = 0.3 * np.sin(2 * np.pi * (120 + 80 * label_idx + 5 * (item % 3)) * t) + 0.05 * rng.standard_normal(8000)
            path = tmp_path / f"{label}_{item}.wav"
            sf.write(path, audio.astype(np.float32), 16000)
            rows.append(dict(path=str(path), label=label, speaker=speaker))
    pd.DataFrame(rows).to_csv(tmp_path / "manifest.csv", index=False)
    return extract(tmp_path / "manifest.csv", _tiny_hubert(tmp_path / "tiny"), tmp_path / "cache", device="cpu",
                   dtype="fp32", progress=False)


def test_probe_layer_reads_an_extracted_cache(tmp_path):
    "probe_layer on a real (tiny) cache made by indic_probe.extract: classes from the manifest, unknown speakers excluded"
    out = probe_layer(_three_accent_cache(tmp_path), 2, n_boot=100, device="cpu", threads=1)
    assert set(out) >= {"layer", "n_items", "classes", "results"}
    assert (out["layer"], out["n_items"], out["classes"], out["skipped"]) == (2, 36, ["north", "south", "west"], [])
    # every protocol on all items, then the other protocols again on exactly the items 'speaker' scores (like for like)
    assert [(r["probe"], r["protocol"], r["scope"]) for r in out["results"]] == [
        ("mlp", "seed", "all"), ("mlp", "speaker", "known_speakers"), ("mlp", "seed", "known_speakers"),
        ("logreg", "seed", "all"), ("logreg", "speaker", "known_speakers"), ("logreg", "seed", "known_speakers")]
    for r in out["results"]:
        if r["scope"] == "known_speakers":
            assert r["excluded"] == {"unknown_speaker": 12, "classes": ["west"], "few_items": []} and r["classes"] == ["north", "south"]
        else: assert r["classes"] == ["north", "south", "west"] and r["n_test"] == 8
    json.dumps(out)


def test_probe_layer_with_threads_runs_logreg_beside_the_mlp(tmp_path):
    "threads=2: the logistic regressions run in a thread beside the MLP, and every number and its order are those of threads=1"
    cache = _three_accent_cache(tmp_path)
    runs = [probe_layer(cache, 2, n_boot=100, device="cpu", threads=threads, tasks=("label", "speaker_id")) for threads in (1, 2)]
    untimed = lambda block: {k: v for k, v in block.items() if k != "seconds"} if isinstance(block, dict) else block
    timeless = lambda out: [{k: untimed(v) for k, v in r.items() if k != "seconds"} for r in out["results"]]  # nulls carry their time too
    assert timeless(runs[0]) == timeless(runs[1]) and runs[0]["skipped"] == runs[1]["skipped"]
    assert [(r["task"], r["probe"]) for r in runs[1]["results"]][:4] == [("label", "mlp")] * 3 + [("label", "logreg")]


def test_probe_layer_skips_a_protocol_that_cannot_run(tmp_path):
    "No speaker ids at all: 'speaker' is skipped with its reason, 'seed' still runs (it used to fail the whole layer)"
    from indic_probe.extract import extract
    rng, rows = np.random.default_rng(1), []
    for label_idx, label in enumerate(["north", "south"]):
        for item in range(8):
            audio = 0.3 * np.sin(2 * np.pi * (150 + 90 * label_idx) * np.arange(6000) / 16000) + 0.05 * rng.standard_normal(6000)
            sf.write(tmp_path / f"{label}_{item}.wav", audio.astype(np.float32), 16000)
            rows.append(dict(path=f"{label}_{item}.wav", label=label))
    pd.DataFrame(rows).to_csv(tmp_path / "manifest.csv", index=False)
    cache = extract(tmp_path / "manifest.csv", _tiny_hubert(tmp_path / "tiny"), tmp_path / "cache", device="cpu", dtype="fp32", progress=False)
    out = probe_layer(cache, 1, probes=["logreg"], protocols=["seed", "speaker"], n_boot=50, threads=1)
    assert [(r["protocol"], r["scope"]) for r in out["results"]] == [("seed", "all")]
    assert len(out["skipped"]) == 1 and out["skipped"][0]["protocol"] == "speaker" and "at least 2 classes" in out["skipped"][0]["reason"]
