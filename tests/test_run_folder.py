"A run folder holds one sweep's numbers: merge, refuse, overwrite; the by-hand papermill flow ends in a full report."
import json, subprocess, sys
from pathlib import Path
import pandas as pd, pytest
from indic_probe.extract import extract
from indic_probe.sweep import pipeline_notebook
from conftest import run_cli

FAST = ["--probe", "logreg", "--protocol", "seed", "--n-boot", "50", "--jobs", "2", "--tasks", "label", "--no-all-layers"]

@pytest.fixture(scope="module")
def two_caches(speech_corpus, tiny_model, tmp_path_factory):
    "The same corpus embedded by two different tiny models"
    from indic_probe.synth import make_tiny_model
    root = tmp_path_factory.mktemp("caches")
    other = make_tiny_model(root / "other-hubert", seed=7)
    return [extract(speech_corpus, model, root / name, device="cpu", dtype="fp32", progress=False)
            for model, name in [(tiny_model, "cache_a"), (str(other), "cache_b")]]

def _layers(run: Path) -> set:
    return set(pd.read_csv(run / "results.csv").layer)

def test_second_sweep_with_another_model_is_refused_then_overwritten(two_caches, tmp_path):
    cache_a, cache_b = two_caches
    run = tmp_path / "run"
    run_cli("sweep", "--cache", cache_a, "--out", run, "--layers", "0-3", *FAST, timeout=900)
    run_cli("report", run, timeout=600)
    assert _layers(run) == {0, 1, 2, 3}
    refused = run_cli("sweep", "--cache", cache_b, "--out", run, "--layers", "0-1", *FAST, check=False)
    message = [l for l in refused.stderr.splitlines() if l.startswith("indic-probe")]
    assert refused.returncode == 2 and len(message) == 1 and "holds a sweep made differently" in message[0] and "weights_sha" in message[0]
    assert "--overwrite" in message[0] and "Traceback" not in refused.stderr
    run_cli("sweep", "--cache", cache_b, "--out", run, "--layers", "0-1", *FAST, "--overwrite", timeout=900)
    report = run_cli("report", run, timeout=600)
    assert _layers(run) == {0, 1}  # the old model's layers 2-3 are gone from the numbers
    assert "report.html" in report.stdout
    state = json.loads((run / "sweep.json").read_text())
    assert state["manifest"]["key"]["model"].endswith("other-hubert") and set(state["layers"]) == {"0", "1"}

def test_compatible_sweeps_merge_and_keep_earlier_records(two_caches, tmp_path):
    cache_a, _ = two_caches
    run = tmp_path / "run"
    run_cli("sweep", "--cache", cache_a, "--out", run, "--layers", "0-1", *FAST, timeout=900)
    state = json.loads((run / "sweep.json").read_text())
    state["layers"]["3"] = dict(status="failed", error="RuntimeError: an earlier failure", notebook="layers/layer_03.ipynb", json=None)
    (run / "sweep.json").write_text(json.dumps(state))
    proc = run_cli("sweep", "--cache", cache_a, "--out", run, "--layers", "1-2", *FAST, check=False, timeout=900)
    state = json.loads((run / "sweep.json").read_text())
    assert {l: r["status"] for l, r in state["layers"].items()} == {"0": "done", "1": "reused", "2": "done", "3": "failed"}
    assert proc.returncode == 1 and "1 layer probed, 1 already done (reused)" in proc.stdout  # this sweep's layers
    assert "earlier failure on record: layer 3" in proc.stdout  # the earlier failure still counts, and is still named
    run_cli("report", run, check=False, timeout=600)
    assert _layers(run) == {0, 1, 2}
    other_protocols = run_cli("sweep", "--cache", cache_a, "--out", run, "--layers", "0", "--probe", "logreg", "--protocol", "kfold",
                              "--n-boot", "50", "--tasks", "label", "--no-all-layers", check=False)
    assert other_protocols.returncode == 2 and "protocols: ['seed'] -> ['kfold']" in other_protocols.stderr

def test_by_hand_papermill_flow_gives_a_full_report(two_caches, tmp_path):
    "The README's by-hand flow: papermill per layer into RUN/layers, then `indic-probe report RUN`"
    cache_a, _ = two_caches
    run = tmp_path / "run"
    (run / "layers").mkdir(parents=True)  # papermill writes its output notebook there before the notebook runs
    for layer in (1, 2):
        subprocess.run([sys.executable, "-m", "papermill", str(pipeline_notebook("layer_probe")), str(run / "layers" / f"layer_{layer:02d}.ipynb"),
                        "-k", "python3", "-p", "layer", str(layer), "-p", "cache", str(cache_a), "-p", "out_dir", str(run / "layers"),
                        "-p", "probes", "logreg", "-p", "protocols", "seed", "-p", "n_boot", "50"], check=True, capture_output=True, timeout=600)
    run_cli("report", run, timeout=600)
    assert _layers(run) == {1, 2}
    from indic_probe.report import provenance
    info = provenance(run)
    assert info["model"] != "unknown" and info["layers done / failed"] == "2 / 0" and "by hand" in info["layers run by"]
    assert info["corpus fingerprint"] == json.loads((cache_a / "manifest.json").read_text())["key"]["corpus_fingerprint"]
    page = (run / "report.html").read_text(encoding="utf-8")  # what this flow did not do that `run` does, first thing, with its command
    assert "Left out of this run" in page and "voice-activity detector did not run" in page and "2 of 5 layers were probed (1, 2)" in page
    assert "all-layers notebook" in page and "were not asked" not in page  # the layer notebook asks run's tasks by default

def test_papermill_lists_every_layer_notebook_parameter():
    import papermill
    params = papermill.inspect_notebook(str(pipeline_notebook("layer_probe")))
    expected = {"cache", "layer", "probes", "protocols", "seeds", "out_dir", "data", "model", "device", "n_boot", "n_null", "threads", "tasks", "view_items"}
    assert set(params) == expected
    assert all(params[name]["help"] for name in expected)
    help_text = subprocess.run([sys.executable, "-m", "papermill", "--help-notebook", str(pipeline_notebook("layer_probe"))],
                               capture_output=True, text=True).stdout
    assert all(f"  {name}:" in help_text for name in expected)
