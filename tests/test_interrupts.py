"Ctrl-C and timeouts: prompt stops, nothing left running, one line saying how to resume, and resumes that complete."
import json, os, shutil, signal, subprocess, sys, time
from pathlib import Path
import numpy as np, pandas as pd, psutil, pytest, soundfile as sf
from indic_probe.extract import extract
from indic_probe.cache import read_manifest
from indic_probe.sweep import execute_notebook
from conftest import run_cli

CLI = [sys.executable, "-c", "from indic_probe.cli import main; main()"]

def _default_sigint():
    "In the child: Ctrl-C's default, whatever this test run inherited (a shell's background job starts with SIGINT ignored)"
    signal.signal(signal.SIGINT, signal.SIG_DFL)

def _processes_under(folder: Path) -> list:
    "Processes whose command line or working directory is inside `folder` (papermill, its kernels)"
    found = []
    for p in psutil.process_iter(["cmdline", "cwd"]):
        try:
            if str(folder) in " ".join(p.info["cmdline"] or []) or str(p.info["cwd"] or "").startswith(str(folder)): found.append(p)
        except (psutil.Error, TypeError): continue
    return found

def _wait_for(path: Path, timeout: float = 600):
    deadline = time.time() + timeout
    while time.time() < deadline and not path.exists(): time.sleep(0.1)
    assert path.exists(), f"{path} never appeared"

def test_ctrl_c_stops_a_sweep_promptly_and_a_rerun_completes(speech_corpus, tiny_model, tmp_path):
    cache = extract(speech_corpus, tiny_model, tmp_path / "cache", device="cpu", dtype="fp32", progress=False)
    run = tmp_path / "run"
    args = ["sweep", "--cache", str(cache), "--out", str(run), "--layers", "0-3", "--probe", "logreg", "--protocol", "seed",
            "--n-boot", "50", "--jobs", "1", "--tasks", "label", "--no-all-layers"]
    proc = subprocess.Popen(CLI + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=_default_sigint)
    _wait_for(run / "layers" / "layer_01.params.json")  # written just before layer 1's papermill starts
    time.sleep(2.0)  # layer 1's notebook is running
    interrupted_at = time.time()
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: SIGINT to the foreground process group
    _, stderr = proc.communicate(timeout=60)
    assert time.time() - interrupted_at < 15, "the sweep did not stop promptly"
    assert proc.returncode == 130, stderr
    lines = [l for l in stderr.splitlines() if l.startswith("indic-probe")]
    assert len(lines) == 1 and "re-run the same command to resume" in lines[0] and "Traceback" not in stderr, stderr
    time.sleep(1.0)
    assert not (run / "layers" / "layer_02.ipynb").exists() and not (run / "layers" / "layer_03.ipynb").exists()  # never started
    assert _processes_under(run) == []  # papermill and its kernel are gone
    state = json.loads((run / "sweep.json").read_text())
    statuses = {l: r["status"] for l, r in state["layers"].items()}
    assert statuses["0"] == "done" and statuses["2"] == statuses["3"] == "not started"
    assert statuses["1"] == "interrupted"
    run_cli(*args, timeout=900)
    state = json.loads((run / "sweep.json").read_text())
    assert {l: r["status"] for l, r in state["layers"].items()}["0"] == "reused"
    assert all(r["status"] in ("reused", "done") for r in state["layers"].values())
    assert all((run / "layers" / f"layer_{l:02d}.json").exists() for l in range(4))

def _family(pid: int) -> list:
    "A process and every process under it"
    try: return [psutil.Process(pid)] + psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess: return []

def _alive(processes: list) -> list:
    return [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]

def test_sigterm_stops_a_sweep_like_ctrl_c_and_a_rerun_completes(speech_corpus, tiny_model, tmp_path):
    "SIGTERM to the sweep's own process only (Kubernetes, `kill PID`): the papermill processes and kernels, in sessions of their own, end too"
    cache = extract(speech_corpus, tiny_model, tmp_path / "cache", device="cpu", dtype="fp32", progress=False)
    run = tmp_path / "run"
    args = ["sweep", "--cache", str(cache), "--out", str(run), "--layers", "0-3", "--probe", "logreg", "--protocol", "seed",
            "--n-boot", "50", "--jobs", "1", "--tasks", "label", "--no-all-layers"]
    proc = subprocess.Popen(CLI + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=_default_sigint)
    _wait_for(run / "layers" / "layer_01.params.json")
    time.sleep(2.0)  # layer 1's notebook is running
    family = _family(proc.pid)
    assert len(family) >= 3, family  # the sweep, layer 1's papermill and its kernel
    terminated_at = time.time()
    os.kill(proc.pid, signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert time.time() - terminated_at < 15, "the sweep did not stop promptly"
    assert proc.returncode == 143, (proc.returncode, stderr)
    lines = [l for l in stderr.splitlines() if l.startswith("indic-probe")]
    assert len(lines) == 1 and "sweep terminated (SIGTERM)" in lines[0] and "re-run the same command to resume" in lines[0], stderr
    assert "Traceback" not in stderr, stderr
    time.sleep(1.0)
    assert _alive(family) == [] and _processes_under(run) == []  # no papermill, no kernel left running
    state = json.loads((run / "sweep.json").read_text())
    statuses = {l: r["status"] for l, r in state["layers"].items()}
    assert statuses["0"] == "done" and statuses["1"] == "interrupted" and statuses["2"] == statuses["3"] == "not started"
    assert state["layers"]["1"]["error"] == "terminated (SIGTERM)" and state["interrupted_by"] == "SIGTERM"
    run_cli(*args, timeout=900)
    state = json.loads((run / "sweep.json").read_text())
    assert {l: r["status"] for l, r in state["layers"].items()} == {"0": "reused", "1": "done", "2": "done", "3": "done"}
    assert "interrupted" not in state

    # compare runs its notebook in the foreground: SIGTERM (or Ctrl-C) must end that papermill and its kernel too
    other = tmp_path / "other"; shutil.copytree(run, other)
    out = tmp_path / "compare"
    proc = subprocess.Popen(CLI + ["compare", str(run), str(other), "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, preexec_fn=_default_sigint)
    _wait_for(out / "compare.params.json", timeout=300)  # written just before its papermill starts
    time.sleep(1.0)
    family = _family(proc.pid)
    os.kill(proc.pid, signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    if proc.returncode == 0: pytest.skip("the comparison finished before SIGTERM arrived (machine too fast)")
    assert proc.returncode == 143, (proc.returncode, stderr)
    assert [l for l in stderr.splitlines() if l.startswith("indic-probe")] == [
        "indic-probe compare: terminated (SIGTERM); re-run the same command to resume"] and "Traceback" not in stderr, stderr
    time.sleep(1.0)
    assert _alive(family) == [] and _processes_under(out) == []
    run_cli("compare", run, other, "--out", out, timeout=600)
    assert (out / "compare.html").exists()

def _slow_model(path: Path) -> str:
    "A random HuBERT wide enough in its CNN that extracting a few hundred clips takes seconds, not one"
    import torch
    from transformers import HubertConfig, HubertModel, Wav2Vec2FeatureExtractor
    torch.manual_seed(0)
    HubertModel(HubertConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=2, intermediate_size=128, conv_dim=(256,) * 7,
                             num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4)).save_pretrained(path)
    Wav2Vec2FeatureExtractor(return_attention_mask=False).save_pretrained(path)
    return str(path)

@pytest.mark.parametrize("signum, code, said", [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated (SIGTERM)")])
def test_ctrl_c_or_sigterm_in_extract_prints_one_line_and_resumes(signum, code, said, tmp_path):
    "Ctrl-C, or SIGTERM to the whole process group as `timeout` and SLURM send it: one line, exit 130 / 143, a resume that says what it reuses"
    rng, rows = np.random.default_rng(0), []
    for i in range(300):
        path = tmp_path / "clips" / f"{i}.wav"; path.parent.mkdir(exist_ok=True)
        sf.write(path, (0.1 * rng.standard_normal(16000 * 4)).astype(np.float32), 16000)
        rows.append(dict(path=str(path), label="ab"[i % 2]))
    pd.DataFrame(rows).to_csv(tmp_path / "manifest.csv", index=False)
    cache = tmp_path / "cache"
    args = ["extract", "--data", str(tmp_path / "manifest.csv"), "--model", _slow_model(tmp_path / "model"), "--cache", str(cache),
            "--device", "cpu", "--batch-seconds", "8", "--chunk-size", "8"]
    proc = subprocess.Popen(CLI + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=_default_sigint)
    _wait_for(cache / "chunks" / "chunk_00000.json", timeout=300)  # one chunk recorded: the resume has something to reuse
    os.killpg(proc.pid, signum)
    _, stderr = proc.communicate(timeout=60)
    if proc.returncode == 0: pytest.skip("extraction finished before the interrupt arrived (machine too fast)")
    assert proc.returncode == code, stderr
    lines = [l for l in stderr.splitlines() if l.startswith("indic-probe")]
    assert lines == [f"indic-probe extract: {said}; re-run the same command to resume"] and "Traceback" not in stderr, stderr
    assert not read_manifest(cache)["complete"]
    done = len(list((cache / "chunks").glob("chunk_*.json"))) * 8  # --chunk-size 8
    resumed = run_cli(*args, timeout=900)
    assert f"resuming {cache}: {done} of 300 clips already extracted" in resumed.stdout, resumed.stdout
    assert read_manifest(cache)["complete"] and read_manifest(cache)["counts"]["ok"] == 300

def test_timeout_ends_the_whole_notebook_and_its_kernel(tmp_path):
    import nbformat
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
                                         nbformat.v4.new_code_cell(f"import os, time\nopen({str(tmp_path / 'pid')!r}, 'w').write(str(os.getpid()))"),
                                         nbformat.v4.new_code_cell("time.sleep(3)"), nbformat.v4.new_code_cell("time.sleep(3)"),
                                         nbformat.v4.new_code_cell("time.sleep(3)"), nbformat.v4.new_code_cell("time.sleep(60)")])
    nb.metadata["kernelspec"] = dict(name="python3", display_name="python3", language="python")
    nbformat.write(nb, tmp_path / "slow.ipynb")
    started = time.time()
    error = execute_notebook(tmp_path / "slow.ipynb", tmp_path / "slow_out.ipynb", dict(x=2), timeout=12)
    assert error and "timed out after 12 s" in error
    assert time.time() - started < 30  # cells of 3 s each never hit a per-cell limit: the whole notebook is bounded
    kernel = int((tmp_path / "pid").read_text())
    deadline = time.time() + 5
    while time.time() < deadline and psutil.pid_exists(kernel) and psutil.Process(kernel).status() != psutil.STATUS_ZOMBIE: time.sleep(0.2)
    assert not psutil.pid_exists(kernel) or psutil.Process(kernel).status() == psutil.STATUS_ZOMBIE, "the kernel was left running"
