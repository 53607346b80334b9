"Readings of corpora whose answer is known: pure noise, labels random per speaker, a planted signal. Every verdict must be the true one."
import json
import numpy as np, pandas as pd, pytest
from indic_probe.data import UNKNOWN_SPEAKER
from indic_probe.probe import planted_layer, probe_arrays
from indic_probe.report import collect_results, interpret, load_reading, read_agreement, read_channel, read_erasure, write_reading

FAST = dict(n_boot=200, device="cpu", threads=1)


def write_run(run_dir, layers, y, groups, classes, probes=("logreg",), protocols=("seed", "speaker"), tasks=("label",), nonspeech=None, **kwargs):
    "A run folder in the sweep's format from arrays: each layer probed by `probe_arrays`, as the layer notebook does"
    (run_dir / "layers").mkdir(parents=True)
    for layer, X in enumerate(layers):
        result = probe_arrays(X, y, groups, classes, probes=probes, protocols=protocols, tasks=tasks,
                              nonspeech=None if nonspeech is None else (nonspeech[layer], y, groups), **FAST, **kwargs)
        (run_dir / "layers" / f"layer_{layer:02d}.json").write_text(json.dumps(dict(result, layer=layer, sweep_key="planted")))
    (run_dir / "sweep.json").write_text(json.dumps(dict(sweep_key="planted", layers={}, manifest={}, params={})))
    return write_reading(run_dir, n_boot=300)


def speakers_of(n_items, n_speakers, seed=0):
    "Speaker per item (shuffled), every speaker with about the same number of clips"
    return np.random.default_rng(seed).permutation(np.arange(n_items) % n_speakers)


def voices(speaker, n_features=24, strength=1.5, n_layers=4, seed=0):
    "Layers that carry who is speaking (a per-speaker offset) and nothing else"
    rng = np.random.default_rng(seed)
    means = rng.normal(size=(speaker.max() + 1, n_features))
    return [(rng.normal(size=(len(speaker), n_features)) + strength * means[speaker]).astype(np.float32) for _ in range(n_layers)]


@pytest.fixture(scope="module")
def pure_noise(tmp_path_factory):
    "Labels random per clip; the layers know the speakers (who never predict a label)"
    speaker = speakers_of(360, 24)
    y = np.random.default_rng(1).integers(0, 4, 360)
    groups = np.array([f"s{s:02d}" for s in speaker], dtype=object)
    return write_run(tmp_path_factory.mktemp("noise"), voices(speaker), y, groups, list("abcd"), probes=("mlp", "logreg"))


@pytest.fixture(scope="module")
def speaker_random(tmp_path_factory):
    "Labels random per speaker with unequal speakers per class (2, 3, 5 and 8); the layers know the speakers, not the labels"
    speaker = speakers_of(360, 18)
    speaker_label = np.random.default_rng(2).permutation(np.repeat([0, 1, 2, 3], [2, 3, 5, 8]))
    groups = np.array([f"s{s:02d}" for s in speaker], dtype=object)
    return write_run(tmp_path_factory.mktemp("speaker_random"), voices(speaker), speaker_label[speaker], groups, list("abcd"),
                     probes=("mlp", "logreg"))


@pytest.fixture(scope="module")
def starved(tmp_path_factory):
    "Pure noise with one label per speaker, 6 classes x 2 speakers: speaker-disjoint folds score below 1/C"
    layers = [planted_layer(360, 32, n_classes=6, n_speakers=12, noise_seed=k) for k in range(4)]
    return write_run(tmp_path_factory.mktemp("starved"), [X for X, _, _ in layers], layers[0][1], layers[0][2], list("abcdef"))


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    "Accent at layer 2 only (a per-class shift), speakers known; the other layers are noise"
    layers = [planted_layer(360, 16, n_classes=3, n_speakers=18, class_signal=0.6 if k == 2 else 0.0, noise_seed=k) for k in range(4)]
    return write_run(tmp_path_factory.mktemp("planted"), [X for X, _, _ in layers], layers[0][1], layers[0][2], list("abc"))


def test_pure_noise_reads_no_accent_and_no_leakage(pure_noise):
    for probe in ("mlp", "logreg"):
        entry = pure_noise["label"][probe]
        assert (entry["accent_signal"], entry["speaker_leakage"], entry["best_layers"]) == ("no", "no", []), entry["why"]
        assert entry["numbers"]["leakage"]["null_unit"] == "clip"  # a speaker's clips carry different labels
        text = interpret(pure_noise, probe)
        assert "does not show accent information in any layer" in text and "No speaker leakage:" in text and "Speaker leakage:" not in text


def test_speaker_random_reads_no_accent_but_speaker_leakage(speaker_random):
    for probe in ("mlp", "logreg"):
        entry = speaker_random["label"][probe]
        assert (entry["accent_signal"], entry["speaker_leakage"]) == ("no", "yes"), (probe, entry["why"], entry["numbers"]["leakage"]["leaking"])
        assert entry["numbers"]["leakage"]["leaking"]  # recognising voices gives the labels away at some layer
        text = interpret(speaker_random, probe)
        assert "does not show accent information" in text and "Speaker leakage: each against its own chance level" in text, text


def test_starved_folds_score_below_one_over_c_and_that_is_chance(starved):
    entry = starved["label"]["logreg"]
    assert (entry["accent_signal"], entry["speaker_leakage"], entry["best_layers"]) == ("no", "no", []), entry
    layers = entry["numbers"]["layers"]
    assert all(n["ci_high"] < 1 / 6 for n in layers) and all(n["null_mean"] < 1 / 6 for n in layers), layers  # below 1/C, like the null
    text = interpret(starved, "logreg")
    assert "That, not 1/C, is the chance level here." in text and "does not transfer" not in text and "Speaker leakage:" not in text


def test_planted_layer_is_found_and_named(planted):
    entry = planted["label"]["logreg"]
    assert entry["accent_signal"] == "yes" and entry["numbers"]["significant"] == [2], entry["numbers"]["significant"]
    assert 2 in entry["best_layers"] and entry["speaker_leakage"] == "no"
    text = interpret(planted, "logreg")
    assert "1 of 4 layers score above their null (layer 2;" in text, text


def test_reading_json_is_the_reading(planted, tmp_path_factory):
    run = tmp_path_factory.getbasetemp() / "planted0"
    on_disk = load_reading(run)
    assert on_disk == json.loads(json.dumps(planted)) and on_disk["about"]["n_null"] == 5  # the file is the reading, JSON-clean
    table = collect_results(run, write=False)
    assert {"null_mean", "null_high", "p_value", "selectivity"} <= set(table.columns) and table.null_mean.notna().all()
    row = table.query("probe == 'logreg' and protocol == 'speaker' and metric == 'accuracy' and layer == 2").iloc[0]
    assert abs(row.selectivity - (row.value - row.null_mean)) < 1e-12 and row.p_value < 0.001 < row.null_high < row.value


def test_copies_of_one_layer_are_not_told_apart(tmp_path):
    "Six jittered copies of one informative layer: one verdict, the plausible set, never 'the data single it out'"
    X, y, groups = planted_layer(360, 16, n_classes=3, n_speakers=18, class_signal=0.5)
    rng = np.random.default_rng(5)
    copies = [(X + 0.05 * rng.normal(size=X.shape)).astype(np.float32) for _ in range(6)]
    reading = write_run(tmp_path / "copies", copies, y, groups, list("abc"))
    entry = reading["label"]["logreg"]
    assert entry["accent_signal"] == "yes" and len(entry["best_layers"]) >= 2, entry["best_layers"]
    assert entry["best_layers"] == entry["numbers"]["odds"]["plausible"]  # the odds decide, and the sentence follows them
    text = interpret(reading, "logreg")
    assert "The data do not single out one layer" in text and "is the best layer" not in text, text
    assert text.count("single out") == 1 and "Training variability is not resampled" in text


@pytest.fixture(scope="module")
def speaker_random_erased(tmp_path_factory):
    "Labels random per speaker (the layers know the speakers, not the labels), with the speaker-erasure tasks"
    speaker = speakers_of(360, 18)
    speaker_label = np.random.default_rng(2).permutation(np.repeat([0, 1, 2], 6))
    groups = np.array([f"s{s:02d}" for s in speaker], dtype=object)
    return write_run(tmp_path_factory.mktemp("speaker_random_erased"), voices(speaker, n_features=48, n_layers=3), speaker_label[speaker], groups,
                     list("abc"), tasks=("label", "speaker_id", "erasure"))


@pytest.fixture(scope="module")
def planted_erased(tmp_path_factory):
    "Speakers in every layer; at layer 2 also an accent every speaker of a class shares; with the speaker-erasure tasks"
    layers = [planted_layer(360, 48, n_classes=3, n_speakers=18, class_signal=0.6 if k == 2 else 0.0, speaker_signal=1.0, noise_seed=k)
              for k in range(3)]
    return write_run(tmp_path_factory.mktemp("planted_erased"), [X for X, _, _ in layers], layers[0][1], layers[0][2], list("abc"),
                     tasks=("label", "speaker_id", "erasure"))


def test_speaker_random_reads_no_accent_after_speaker_erasure(speaker_random_erased):
    entry = speaker_random_erased["erasure"]
    assert (entry["accent_after_erasure"], entry["best_layers"]) == ("no", []), entry["why"]
    assert entry["erasure_complete"] == "yes", entry["numbers"]["checks"]["erasure_complete"]["significant"]
    assert entry["speaker_after_accent_erased"] == "yes"  # the voices are not the (random) labels' directions
    assert "no layer reads the accent above its null" in read_erasure(speaker_random_erased)


def test_planted_accent_survives_speaker_erasure_at_its_layer(planted_erased):
    entry = planted_erased["erasure"]
    assert (entry["accent_after_erasure"], entry["numbers"]["significant"]) == ("yes", [2]), entry["numbers"]["layers"]
    assert entry["best_layers"][0] == 2 and entry["erasure_complete"] == "yes"
    top = next(n for n in entry["numbers"]["layers"] if n["layer"] == 2)
    assert top["value"] > top["before_value"] - 0.05, top  # what the accent gave before erasure, it still gives
    assert "not the voices" in read_erasure(planted_erased)
    assert entry["seconds"] > 0 and f"took {entry['seconds']:.0f} s of probe time" in read_erasure(planted_erased)  # what it cost


@pytest.fixture(scope="module")
def monotone(tmp_path_factory):
    "Accent growing with depth (layers 0-4), read by both probes"
    layers = [planted_layer(360, 16, n_classes=3, n_speakers=18, class_signal=0.15 * k, noise_seed=k) for k in range(5)]
    return write_run(tmp_path_factory.mktemp("monotone"), [X for X, _, _ in layers], layers[0][1], layers[0][2], list("abc"), probes=("mlp", "logreg"))


def test_two_probes_on_a_monotone_curve_agree_and_on_noise_their_interval_holds_zero(monotone, pure_noise):
    entry = monotone["agreement"]
    assert entry["probes"] == ["logreg", "mlp"] and entry["protocol"] == "speaker", entry
    assert entry["numbers"]["tau"] > 0.7 and entry["numbers"]["ci_low"] > 0, entry["numbers"]
    assert entry["probe_dependent"] == "no" and 4 in entry["numbers"]["overlap"], entry
    assert "the best-layer claim does not depend on which of the two reads it" in read_agreement(monotone)
    noise = pure_noise["agreement"]["numbers"]
    assert noise["ci_low"] < 0 < noise["ci_high"], noise
    assert "the interval includes 0" in read_agreement(pure_noise) and "no best-layer claim for the probe to change" in read_agreement(pure_noise)
