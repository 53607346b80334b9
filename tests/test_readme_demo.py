"The README's demo figure and numbers are the demo's: checked against a demo run (CI's `make docs` makes one in demo/)."
import hashlib, json, os, sys
from pathlib import Path
import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "scripts"))
import readme_demo

DEMO = Path(os.environ.get("DEMO_OUT", REPO / "demo"))

def test_readme_quotes_the_numbers_its_figure_records():
    "Always: the README's demo paragraph and docs/demo_report_layers.json were made from the same demo run"
    recorded = json.loads(readme_demo.NUMBERS.read_text())
    assert recorded["source"] == "run/figures/accuracy_per_layer.png" and len(recorded["curves"]) >= 10
    best = max(c["value"] for c in recorded["curves"] if (c["probe"], c["protocol"]) == ("logreg", "speaker"))
    assert readme_demo.readme_numbers()[0] == round(best, 3)  # 'speaker-disjoint logreg 0.104' is the figure's best point
    assert hashlib.sha256(readme_demo.FIGURE.read_bytes()).hexdigest() == recorded["sha256"]  # the PNG is that run's

@pytest.mark.skipif(not (DEMO / "run" / "results.csv").exists() or not (DEMO / "run_mfcc" / "results.csv").exists(),
                    reason="no demo run here (make demo, or make docs, makes one)")
def test_readme_and_its_figure_match_a_fresh_demo():
    "On a demo made by today's code (another CPU in CI: within 2 of 144 clips' accuracy)"
    assert readme_demo.mismatches(DEMO) == []
