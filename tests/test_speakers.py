"Recovered speakers on real people's voices (flite): the clusters match the truth and the speaker protocol scores every class."
import json, shutil
from pathlib import Path
import numpy as np, pandas as pd, pytest
from sklearn.metrics import adjusted_rand_score
from conftest import run_cli

pytestmark = pytest.mark.skipif(shutil.which("flite") is None, reason="needs Debian's flite for real people's voices (apt-get install flite)")

@pytest.fixture(scope="module")
def voices(tmp_path_factory) -> Path:
    "Two classes of two real voices each; the second class's speaker ids stripped"
    from indic_probe.synth import make_voices_corpus
    return make_voices_corpus(tmp_path_factory.mktemp("voices") / "corpus", {"north": ["awb", "rms"], "south": ["slt", "kal16"]},
                              sentences_per_speaker=8, strip=("south",), seed=0)

def test_run_recovers_speakers_and_the_speaker_protocol_scores_every_class(voices, tiny_model, tmp_path):
    run = tmp_path / "run"
    proc = run_cli("run", "--data", voices, "--model", tiny_model, "--out", run, "--layers", "0-1", "--probe", "logreg",
                   "--protocol", "seed,speaker", "--n-boot", "200", "--tasks", "label,speaker_id", timeout=1200)
    assert "speakers:" in proc.stdout and "validation ARI" in proc.stdout
    recovered = pd.read_csv(run / "cache" / "speakers.csv", keep_default_na=False)
    truth = pd.read_csv(voices / "speakers_truth.csv")
    truth["item_id"] = truth.file_name
    merged = recovered.merge(truth[["item_id", "speaker", "label"]], on="item_id", suffixes=("", "_true"))
    south = merged[merged.label == "south"]
    assert set(south.speaker_source) == {"recovered"}
    ari = adjusted_rand_score(south.speaker_true, south.speaker)
    print(f"recovered speakers of the stripped class: ARI {ari:.3f} against the truth ({south.speaker.nunique()} clusters)")
    assert ari == 1.0
    north = merged[merged.label == "north"]
    assert (north.speaker == north.speaker_true).all() and set(north.speaker_source) == {"given"}  # given ids never changed
    summary = json.loads((run / "cache" / "speakers.json").read_text())
    assert summary["validation_ari"]["north"] == 1.0  # the known speakers of 'north', clustered blind
    results = pd.read_csv(run / "results.csv")
    speaker = results[(results.task == "label") & (results.protocol == "speaker")]
    assert (speaker.n_classes == 2).all() and set(speaker.scope) == {"all"}  # both classes scored, nothing left out
    assert set(results.task) == {"label", "speaker_id"}
    page = (run / "report.html").read_text()
    assert "recovered" in page and "adjusted Rand index" in page
