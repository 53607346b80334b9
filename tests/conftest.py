"Shared fixtures: a tiny random HuBERT saved locally and a small synthetic accent corpus (both offline)."
import os, subprocess, sys
from pathlib import Path
import pytest

REPO = Path(__file__).resolve().parents[1]

@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    from indic_probe.synth import make_tiny_model
    return str(make_tiny_model(tmp_path_factory.mktemp("model") / "tiny-hubert"))

@pytest.fixture(scope="session")
def speech_corpus(tmp_path_factory) -> Path:
    "espeak-ng speech: 3 accents x 3 speakers x 3 sentences, written as an audiofolder with metadata.csv"
    from indic_probe.synth import make_accent_corpus
    return make_accent_corpus(tmp_path_factory.mktemp("corpus") / "accents", accents=["en-us", "en-gb-scotland", "en-029"],
                              speakers_per_accent=3, sentences_per_speaker=3, seed=0)

def run_cli(*args, check=True, timeout=600, **kwargs) -> subprocess.CompletedProcess:
    "Run `indic-probe ARGS` in a subprocess, as a user would"
    proc = subprocess.run([sys.executable, "-c", "from indic_probe.cli import main; main()", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and proc.returncode != 0: raise AssertionError(f"indic-probe {' '.join(map(str, args))} -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc
