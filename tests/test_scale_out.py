"Scale-out on existing engines: extraction sharded over processes by `accelerate launch` or `torchrun` makes the cache one process makes."
import json, os, shutil, signal, subprocess, sys, time
from pathlib import Path
import numpy as np, pandas as pd, pytest
from indic_probe.cache import read_manifest, layer_file
from conftest import run_cli

BIN = Path(sys.executable).parent

def _extract_args(corpus, model, cache) -> list[str]:
    return ["extract", "--data", str(corpus), "--model", str(model), "--cache", str(cache), "--device", "cpu", "--chunk-size", "4"]

def _same_cache(a: Path, b: Path):
    "Same items in the same order, same errors, same key, same arrays (to float rounding: thread counts may differ)"
    ma, mb = read_manifest(a), read_manifest(b)
    assert ma["complete"] and mb["complete"] and ma["key"] == mb["key"] and ma["counts"] == mb["counts"]
    for name in ("items.csv", "errors.csv"): assert (a / name).read_bytes() == (b / name).read_bytes(), name
    for layer in range(ma["num_layers"]):
        np.testing.assert_allclose(np.load(layer_file(a, layer)), np.load(layer_file(b, layer)), rtol=1e-5, atol=1e-6)

@pytest.fixture(scope="module")
def single(speech_corpus, tiny_model, tmp_path_factory) -> Path:
    cache = tmp_path_factory.mktemp("single") / "cache"
    run_cli(*_extract_args(speech_corpus, tiny_model, cache))
    return cache

def test_accelerate_launch_two_processes_gives_the_single_process_cache(speech_corpus, tiny_model, single, tmp_path):
    if not (BIN / "accelerate").exists(): pytest.skip("accelerate is not installed (pip install accelerate)")
    cache = tmp_path / "cache"
    # `--multi_gpu` is accelerate's multi-process launcher (torchrun underneath): on a machine without GPUs its processes
    # run on the CPU. `--cpu` would make accelerate start a single process (multi-CPU needs its mpirun set-up).
    cmd = [str(BIN / "accelerate"), "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1", "--mixed_precision", "no",
           "--dynamo_backend", "no", "--main_process_port", "29531", "-m", "indic_probe.cli", *_extract_args(speech_corpus, tiny_model, cache)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "(2 processes)" in proc.stdout
    records = [json.loads(p.read_text()) for p in sorted((cache / "chunks").glob("chunk_*.json"))]
    assert len(records) == 7  # 27 items in chunks of 4, shared by the two processes
    _same_cache(single, cache)

def test_torchrun_two_processes_resume_to_the_single_process_cache(speech_corpus, tiny_model, single, tmp_path):
    cache = tmp_path / "cache"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", "29533", "-m", "indic_probe.cli",
           *_extract_args(speech_corpus, tiny_model, cache)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    _same_cache(single, cache)
    manifest = read_manifest(cache); manifest["complete"] = False  # as if interrupted after some chunks: drop three records
    (cache / "manifest.json").write_text(json.dumps(manifest))
    for k in (1, 2, 5): (cache / "chunks" / f"chunk_{k:05d}.json").unlink()
    for layer in range(manifest["num_layers"]):
        array = np.load(layer_file(cache, layer), mmap_mode="r+"); array[4:12] = 0; array.flush()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    _same_cache(single, cache)
