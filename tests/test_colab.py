"The Colab notebook (nbs/colab/indic_probe_colab.ipynb), run end to end with papermill on the offline demo inputs."
import json
from pathlib import Path
import pandas as pd
import papermill as pm
from conftest import run_cli

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "nbs" / "colab" / "indic_probe_colab.ipynb"

def _cell(nb: dict, marker: str) -> dict:
    "The one code cell whose source contains `marker`"
    found = [c for c in nb["cells"] if c["cell_type"] == "code" and marker in "".join(c["source"])]
    assert len(found) == 1, f"{len(found)} cells contain {marker!r}"
    return found[0]

def _text(cell: dict) -> str:
    "Everything a cell printed, as text"
    return "".join("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", "")) for o in cell["outputs"])

def test_notebook_is_clean_with_documented_parameters():
    "No outputs saved, short stable ids, nothing exported into the package, every parameter listed with its help"
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert [c["id"] for c in nb["cells"]] == [f"c{i:03d}" for i in range(len(nb["cells"]))]
    for c in nb["cells"]:
        if c["cell_type"] == "code": assert c["outputs"] == [] and c["execution_count"] is None, c["id"]
        assert "#| export" not in "".join(c["source"]) and "#|export" not in "".join(c["source"])
    tagged = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1
    params = pm.inspect_notebook(str(NOTEBOOK))
    expected = {"install", "package", "data", "model", "out", "layers", "probes", "protocols", "tasks", "vad", "recover_speakers",
                "all_layers", "jobs", "limit", "batch_seconds", "n_boot", "n_null", "save_to_drive", "drive_folder", "overwrite"}
    assert set(params) == expected and all(p["help"] for p in params.values()), params

def test_colab_notebook_end_to_end(speech_corpus, tiny_model, tmp_path):
    "The Colab notebook does `indic-probe run`'s job: the same results.csv from the same inputs, and nothing left out"
    out, executed = tmp_path / "run", tmp_path / "colab_executed.ipynb"
    pm.execute_notebook(str(NOTEBOOK), str(executed), kernel_name="python3", progress_bar=False, cwd=str(tmp_path),
                        execution_timeout=600,
                        parameters=dict(install=False, data=str(speech_corpus), model=tiny_model, out=str(out),
                                        layers="0-1", probes="logreg", n_boot=50))
    for layer in (0, 1):
        assert (out / "layers" / f"layer_{layer:02d}.json").exists() and (out / "layers" / f"layer_{layer:02d}.ipynb").exists()
    assert not (out / "layers" / "layer_02.json").exists()
    for name in ["cache/manifest.json", "sweep.json", "results.csv", "layer_analysis.png", "report.ipynb", "report.html"]:
        assert (out / name).exists(), name
    state = json.loads((out / "sweep.json").read_text())
    assert {l: s["status"] for l, s in state["layers"].items()} == {"0": "done", "1": "done"}
    assert state["all_layers"]["status"] == "done" and (out / "all_layers.json").exists()  # the all-layers notebook, as run
    manifest = json.loads((out / "cache" / "manifest.json").read_text())
    assert manifest["key"]["vad"], "the Colab cache must have the voice-activity detector, as run's"
    colab_results = pd.read_csv(out / "results.csv")
    assert state["params"]["tasks"] == "label,speaker_id,nonspeech_label" and "nonspeech_label" in set(colab_results.task)  # every task, as run
    # (speaker identification is asked and skipped with its reason: 3 clips per speaker, fewer than its 5 folds)

    by_cli = tmp_path / "cli_run"  # the same inputs through the CLI: the same numbers
    run_cli("run", "--data", speech_corpus, "--model", tiny_model, "--out", by_cli, "--layers", "0-1", "--probe", "logreg",
            "--n-boot", 50, "--batch-seconds", 20)
    cli_results = pd.read_csv(by_cli / "results.csv")
    keys = ["task", "layer", "probe", "protocol", "scope", "metric"]
    pd.testing.assert_frame_equal(colab_results.sort_values(keys).reset_index(drop=True), cli_results.sort_values(keys).reset_index(drop=True))

    nb = json.loads(executed.read_text(encoding="utf-8"))
    printed = "".join(_text(c) + "".join("".join(o.get("traceback", [])) for o in c["outputs"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert "without encryption" not in printed and "KeyboardInterrupt" not in printed  # the layer kernels' noise stays in their own processes
    assert "install is False" in _text(_cell(nb, "%pip install"))
    gpu = _text(_cell(nb, "torch.cuda.is_available()"))
    assert "torch.cuda.is_available(): False" in gpu and "GPU checks skipped" in gpu
    report = _cell(nb, "build_report(")
    kinds = [kind for o in report["outputs"] for kind in o.get("data", {})]
    assert "image/png" in kinds  # the main figure, inline
    html = "".join("".join(o["data"]["text/html"]) for o in report["outputs"] if "text/html" in o.get("data", {}))
    assert html.startswith("<div><iframe srcdoc=") and "optimistic" in html and "data:image/png;base64," in html  # the whole report, inline
    assert "save_to_drive is False" in _text(_cell(nb, "drive.mount("))  # Drive left alone
    assert html.count("Left out of this run") == 1 and "2 of 5 layers were probed (0, 1)" in html  # the layers it was asked to skip, only
