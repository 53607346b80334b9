"Small and awkward corpora: a quick `--limit` gives a report on the folds the items allow; too few items is refused up front."
import json, time
import pandas as pd
from conftest import run_cli

def test_limit_of_two_per_class_gives_a_report(speech_corpus, tiny_model, tmp_path):
    "3 classes x 2 items: every default task and protocol runs or is skipped with a reason; the folds used are recorded"
    run = tmp_path / "run"
    done = run_cli("run", "--data", speech_corpus, "--model", tiny_model, "--out", run, "--limit", 6, "--layers", "0-1",
                   "--n-boot", 50, "--device", "cpu", timeout=900)
    assert (run / "report.html").exists(), done.stdout + done.stderr
    table = pd.read_csv(run / "results.csv")
    label = table[(table.task == "label") & (table.metric == "accuracy")]
    assert set(label.protocol) == {"seed", "speaker"} and set(label.probe) == {"mlp", "logreg"}
    assert set(label[label.protocol == "seed"].n_folds) == {1} and set(label.n_splits) == {5}
    assert set(label[label.protocol == "speaker"].n_folds) == {2}  # no class has more than 2 items: 2 folds, not 5
    assert label.null_mean.notna().all()  # every protocol still has its null
    layer = json.loads((run / "layers" / "layer_00.json").read_text())
    notes = [n for r in layer["results"] for n in r["notes"]]
    assert "2 folds, not 5: no class has more than 2 items" in notes and "hold-out of 3 items (50%, not 20%): one per class" in notes
    for skipped in layer["skipped"]: assert skipped["reason"] and "Traceback" not in skipped["reason"]
    html = (run / "report.html").read_text()
    assert "2 (5 asked)" in html and "2 folds, not 5" in html

def test_limit_below_two_per_class_is_refused_up_front(speech_corpus, tiny_model, tmp_path):
    started = time.perf_counter()
    refused = run_cli("run", "--data", speech_corpus, "--model", tiny_model, "--out", tmp_path / "run", "--limit", 2, check=False)
    message = [l for l in refused.stderr.splitlines() if l.startswith("indic-probe")]
    assert refused.returncode == 2 and len(message) == 1, refused.stderr
    assert "needs at least two classes with 2 or more items" in message[0] and "en-us: 1" in message[0] and "--limit 6 keeps 2 per class" in message[0]
    assert not (tmp_path / "run" / "cache").exists() and time.perf_counter() - started < 60  # before any extraction
