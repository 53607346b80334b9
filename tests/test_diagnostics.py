"Accent, speaker or channel: planted corpora where the answer is known, through the real pipeline."
import json
from pathlib import Path
import numpy as np, pandas as pd, pytest
from indic_probe.extract import extract, load_layer, read_manifest
from indic_probe.probe import run_probe
from conftest import run_cli

def test_labels_carried_only_by_the_background_raise_the_channel_warning(tmp_path):
    """Same accent everywhere, each class recorded over its own background: the non-speech control must flag it (MFCC features:
    the tiny random HuBERT's GroupNorm flattens steady backgrounds away, which would test the model, not the control)"""
    from indic_probe.synth import make_channel_corpus
    corpus = make_channel_corpus(tmp_path / "channel", ("white", "hum"), speakers_per_class=4, sentences_per_speaker=4)
    run = tmp_path / "run"
    run_cli("run", "--data", corpus, "--model", "mfcc", "--out", run, "--probe", "logreg",
            "--protocol", "seed,speaker", "--n-boot", "200", timeout=1200)
    assert read_manifest(run / "cache")["regions"] == ["main", "nonspeech"]  # `run` turns the voice-activity detector on
    results = pd.read_csv(run / "results.csv")
    control = results[(results.task == "nonspeech_label") & (results.protocol == "speaker") & (results.metric == "accuracy")]
    assert len(control) == 1 and (control.ci_low > control.chance).all(), control
    page = (run / "report.html").read_text()
    assert "Channel confound" in page and "non-speech frames alone" in page

def test_mfcc_baseline_shows_accent_and_the_leakage_gap(tmp_path):
    "On the generated accent corpus the MFCC baseline's speaker-disjoint accuracy clears chance, and a random split scores far higher"
    from indic_probe.synth import make_accent_corpus
    corpus = make_accent_corpus(tmp_path / "accents", speakers_per_accent=4, sentences_per_speaker=6, progress=False)
    cache = extract(corpus, "mfcc", tmp_path / "cache", pooling="mean+std", progress=False)
    X, y, groups = load_layer(cache, 0)
    honest = run_probe(X, y, groups, "logreg", "speaker", n_boot=500)["metrics"]["accuracy"]
    random_split = run_probe(X, y, groups, "logreg", "kfold", n_boot=500)["metrics"]["accuracy"]
    print(f"MFCC baseline: speaker-disjoint {honest['value']:.3f} [{honest['ci_low']:.3f}, {honest['ci_high']:.3f}], "
          f"k-fold (random) {random_split['value']:.3f} [{random_split['ci_low']:.3f}, {random_split['ci_high']:.3f}], chance 1/6")
    assert honest["ci_low"] > 1 / 6
    assert random_split["ci_low"] > honest["ci_high"]
