"End to end with real papermill: extract -> sweep (one notebook per layer) -> report, failures isolated, resumable."
import base64, json, os, re, signal, subprocess, sys, time
from pathlib import Path
import numpy as np, pandas as pd, pytest
from indic_probe.extract import extract
from indic_probe.cache import layer_file
from conftest import run_cli

@pytest.fixture(scope="module")
def cache(speech_corpus, tiny_model, tmp_path_factory):
    return extract(speech_corpus, tiny_model, tmp_path_factory.mktemp("cache") / "cache", device="cpu", dtype="fp32", progress=False)

def test_run_end_to_end(speech_corpus, tiny_model, tmp_path):
    run = tmp_path / "run"
    proc = run_cli("run", "--data", speech_corpus, "--model", tiny_model, "--out", run, "--layers", "0-2",
                   "--protocol", "seed,speaker", "--jobs", "2", "--n-boot", "200", "--view-layers", "0", timeout=900)
    assert "report:" in proc.stdout
    for layer in range(3):
        assert (run / "layers" / f"layer_{layer:02d}.ipynb").exists() and (run / "layers" / f"layer_{layer:02d}.json").exists()
    for name in ["cache/manifest.json", "sweep.json", "results.csv", "report.ipynb", "report.html", "layer_analysis.png"]:
        assert (run / name).exists(), name
    threads = [json.loads((run / "layers" / f"layer_{layer:02d}.params.json").read_text())["threads"] for layer in range(3)]
    first = json.loads((run / "all_layers.params.json").read_text())["threads"]  # started first: it reads only the cache and takes longest
    half = max(1, os.cpu_count() // 2)
    assert (first, threads) == (half, [half, half, os.cpu_count()]), (first, threads)  # the last layer has no notebook behind it
    results = pd.read_csv(run / "results.csv")
    label = results[results.task == "label"]
    assert set(label.layer) == {0, 1, 2} and set(label.protocol) == {"seed", "speaker"} and set(label.probe) == {"mlp", "logreg"}
    assert set(results[results.task == "speaker_id"].n_folds) == {3}  # 3 clips per speaker: 3 folds, not 5
    assert results.value.between(0, 1).all() and (results.ci_low <= results.value + 1e-9).all() and (results.value <= results.ci_high + 1e-9).all()
    cells = json.loads((run / "layers" / "layer_00.ipynb").read_text())["cells"]
    view = next(c for c in cells if "".join(c["source"]).startswith("if int(view_items) > 0"))
    assert any("image/png" in o.get("data", {}) for o in view["outputs"]), view["outputs"]  # the embedding view was drawn
    html = (run / "report.html").read_text()
    assert len(re.findall(r"data:image/png;base64,", html)) >= 3  # the figures are in the page itself
    assert "optimistic" in html
    from PIL import Image
    dpi = Image.open(run / "layer_analysis.png").info.get("dpi")
    assert dpi and round(dpi[0]) == 300

def test_failed_layer_is_isolated_and_redone(cache, tmp_path):
    import shutil
    run, backup = tmp_path / "run", tmp_path / "layer_01.npy"
    shutil.copy(layer_file(cache, 1), backup)
    data = bytearray(layer_file(cache, 1).read_bytes()); data[-3] ^= 0xFF; layer_file(cache, 1).write_bytes(bytes(data))
    try:
        proc = run_cli("sweep", "--cache", cache, "--out", run, "--layers", "0-2", "--probe", "logreg", "--n-boot", "100", "--tasks", "label", "--no-all-layers", check=False, timeout=900)
    finally: shutil.copy(backup, layer_file(cache, 1))
    assert proc.returncode == 1, proc.stderr
    state = json.loads((run / "sweep.json").read_text())
    assert {l: r["status"] for l, r in state["layers"].items()} == {"0": "done", "1": "failed", "2": "done"}
    assert "checksum" in state["layers"]["1"]["error"] and "layer 1 failed" in proc.stdout
    took = state["layers"]["0"]["seconds"]
    assert (run / "layers" / "layer_01.ipynb").exists()  # the failed notebook is kept, with its error
    proc = run_cli("sweep", "--cache", cache, "--out", run, "--layers", "0-2", "--probe", "logreg", "--n-boot", "100", "--tasks", "label", "--no-all-layers", timeout=900)
    state = json.loads((run / "sweep.json").read_text())
    assert {l: r["status"] for l, r in state["layers"].items()} == {"0": "reused", "1": "done", "2": "reused"}
    assert state["layers"]["0"]["seconds"] == took > 0  # a reused layer keeps the time it took when it was made, not 0.0

def _metrics(run: Path, layer: int) -> list:
    result = json.loads((run / "layers" / f"layer_{layer:02d}.json").read_text())
    return [(r["probe"], r["protocol"], r["metrics"], r["confusion"]) for r in result["results"]]

def test_sweep_killed_mid_layer_resumes_to_the_same_results(cache, tmp_path):
    args = ["--cache", str(cache), "--layers", "0-2", "--probe", "mlp,logreg", "--protocol", "seed,speaker", "--jobs", "1", "--n-boot", "100", "--tasks", "label", "--no-all-layers"]
    run_cli("sweep", *args, "--out", tmp_path / "reference", timeout=900)
    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-c", "from indic_probe.cli import main; main()", "sweep", *args, "--out", str(killed)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 600
    while time.time() < deadline and not (killed / "layers" / "layer_00.json").exists(): time.sleep(0.2)
    time.sleep(3)  # well into layer 1's notebook
    os.killpg(proc.pid, signal.SIGKILL); proc.wait()
    assert not (killed / "layers" / "layer_02.json").exists()
    run_cli("sweep", *args, "--out", killed, timeout=900)
    state = json.loads((killed / "sweep.json").read_text())
    assert state["layers"]["0"]["status"] == "reused" and state["layers"]["2"]["status"] == "done"
    for layer in range(3): assert _metrics(killed, layer) == _metrics(tmp_path / "reference", layer)

def test_layer_notebook_alone_makes_the_cache_once(speech_corpus, tiny_model, tmp_path):
    "Two layer notebooks started in parallel, each given corpus + model: one extraction, both layers probed"
    from indic_probe.sweep import pipeline_notebook
    procs = [subprocess.Popen([sys.executable, "-m", "papermill", str(pipeline_notebook("layer_probe")), str(tmp_path / f"layer_{l}.ipynb"),
                               "-k", "python3", "-p", "layer", str(l), "-p", "data", str(speech_corpus), "-p", "model", tiny_model,
                               "-p", "cache", str(tmp_path / "cache"), "-p", "out_dir", str(tmp_path / "layers"), "-p", "probes", "logreg",
                               "-p", "n_boot", "50"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for l in (1, 2)]
    outputs = [p.communicate(timeout=900) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    assert (tmp_path / "layers" / "layer_01.json").exists() and (tmp_path / "layers" / "layer_02.json").exists()
    executed = "".join(json.dumps(json.loads((tmp_path / f"layer_{l}.ipynb").read_text())["cells"]) for l in (1, 2))
    assert executed.count("nothing to do") == 1  # the second notebook found the cache the first one made
