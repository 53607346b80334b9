"Several models in one command: `indic-probe run --model A,B,C,mfcc` runs three tiny models of three families and the MFCC baseline, then compares them."
import html, re
import pandas as pd, pytest
from indic_probe.synth import make_tiny_model
from conftest import run_cli

@pytest.fixture(scope="module")
def study(speech_corpus, tmp_path_factory):
    "A tiny HuBERT (cnn), w2v-BERT (attention-mask) and Whisper (whisper), 2 hidden states each, and mfcc through one `run` (~2.5 min on 2 cores)"
    folder = tmp_path_factory.mktemp("study")
    models = [str(make_tiny_model(folder / f"tiny-{kind}", num_hidden_layers=1, kind=kind)) for kind in ("hubert", "w2v-bert", "whisper")]
    args = ["run", "--data", speech_corpus, "--model", ",".join(models + ["mfcc"]), "--out", folder / "runs", "--device", "cpu",
            "--probe", "logreg", "--protocol", "speaker", "--tasks", "label", "--no-vad", "--no-all-layers", "--n-boot", "50",
            "--nulls", "2", "--jobs", "2"]
    return folder / "runs", args, run_cli(*args, timeout=900)

def test_one_compare_report_across_models_of_three_families(study):
    out, _, proc = study
    names = ["tiny-hubert", "tiny-w2v-bert", "tiny-whisper", "mfcc"]
    for name in names:
        assert (out / name / "report.html").exists() and (out / name / "cache" / "manifest.json").exists(), name
    table = pd.read_csv(out / "compare" / "compare.csv")
    assert list(dict.fromkeys(table.run)) == names
    assert {n: sorted(set(table[table.run == n].layer)) for n in names} == {**{n: [0, 1] for n in names[:3]}, "mfcc": [0]}
    assert sorted(table[table.run == "tiny-whisper"].relative_depth.unique()) == [0.0, 1.0]
    page = html.unescape((out / "compare" / "compare.html").read_text(encoding="utf-8"))
    for expected in ["Accent information by relative depth", "Each run's best layer", *names]: assert expected in page, expected
    assert "not computed" not in page  # the caches share their items: cross-model CKA and P(best) are computed
    assert f"compare: {out / 'compare' / 'compare.ipynb'}" in proc.stdout

def test_every_family_has_its_own_cache_key(study):
    import json
    out, _, _ = study
    keys = {n: json.loads((out / n / "cache" / "manifest.json").read_text())["key"]["inputs"] for n in ["tiny-hubert", "tiny-w2v-bert", "tiny-whisper", "mfcc"]}
    assert [k["family"] for k in keys.values()] == ["cnn", "attention-mask", "whisper", "handcrafted"]
    assert keys["tiny-w2v-bert"]["input"] == "fbank" and keys["tiny-whisper"]["window_samples"] == 480000

def test_the_same_command_again_resumes_every_model(study):
    "Run again: every cache is complete and every layer done, so nothing is extracted or probed twice"
    out, args, _ = study
    again = run_cli(*args, timeout=600)
    assert again.stdout.count("is complete for this model and corpus: nothing to do") == 4, again.stdout
    assert pd.read_csv(out / "compare" / "compare.csv").run.nunique() == 4

def test_a_model_no_family_runs_is_refused_before_any_work(speech_corpus, tmp_path):
    from transformers import BertConfig, BertModel
    BertModel(BertConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, vocab_size=50)).save_pretrained(tmp_path / "bert")
    proc = run_cli("run", "--data", speech_corpus, "--model", f"mfcc,{tmp_path / 'bert'}", "--out", tmp_path / "runs", check=False)
    assert proc.returncode == 2 and "is not a speech encoder" in proc.stderr and not (tmp_path / "runs" / "mfcc").exists()


def test_random_init_baseline_gets_its_own_cache_and_run_and_the_compare_shows_trained_minus_random(speech_corpus, tmp_path):
    "`run --baseline random-init`: the tiny HuBERT and its architecture with random weights, each into its own cache and run, then compared"
    import json, numpy as np
    model = str(make_tiny_model(tmp_path / "tiny-hubert", num_hidden_layers=1))
    proc = run_cli("run", "--data", speech_corpus, "--model", model, "--baseline", "random-init", "--out", tmp_path / "runs", "--device", "cpu",
                   "--probe", "logreg", "--protocol", "speaker", "--tasks", "label", "--no-vad", "--no-all-layers", "--n-boot", "50",
                   "--nulls", "2", "--jobs", "2", timeout=900)
    out = tmp_path / "runs"
    trained, untrained = (json.loads((out / n / "cache" / "manifest.json").read_text()) for n in ("tiny-hubert", "random-init--tiny-hubert"))
    assert untrained["model"] == f"random-init:{model}" and untrained["key"]["init"].startswith("random (torch seed")
    assert trained["key"]["weights_sha"] != untrained["key"]["weights_sha"] and "init" not in trained["key"]
    assert trained["key"]["config_sha"] == untrained["key"]["config_sha"]  # the same architecture
    layers = [np.load(out / n / "cache" / "layer_01.npy") for n in ("tiny-hubert", "random-init--tiny-hubert")]
    assert layers[0].shape == layers[1].shape and not np.allclose(layers[0], layers[1])
    report_page = html.unescape((out / "random-init--tiny-hubert" / "report.html").read_text(encoding="utf-8"))
    assert "Baseline run:" in report_page and "random weights" in report_page
    assert "Baseline run:" not in html.unescape((out / "tiny-hubert" / "report.html").read_text(encoding="utf-8"))
    page = html.unescape((out / "compare" / "compare.html").read_text(encoding="utf-8"))
    assert "Under the speaker protocol (logreg), training adds most at layer" in page and "paired over the same speakers" in page
    assert "tiny-hubert (random init)" in page
    assert f"compare: {out / 'compare' / 'compare.ipynb'}" in proc.stdout
