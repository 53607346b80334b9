"Model comparison end to end: two real runs (the tiny model and the MFCC baseline) -> compare.ipynb, compare.html, compare.csv."
import html, json, re
from pathlib import Path
import pandas as pd, pytest
from indic_probe.cli import run_pipeline
from indic_probe.compare import build_compare, CompareError

REPO = Path(__file__).resolve().parents[1]
SOURCE_NOTEBOOK = REPO / "nbs" / "pipeline" / "compare.ipynb"  # the source, not the copy `make export` puts in the package

@pytest.fixture(scope="module")
def runs(tiny_model, tmp_path_factory) -> list[Path]:
    "The tiny random HuBERT (5 hidden states) and the MFCC baseline (one layer), each run through the pipeline on one small corpus"
    from indic_probe.synth import make_accent_corpus
    folder = tmp_path_factory.mktemp("compare")
    corpus = make_accent_corpus(folder / "corpus", accents=["en-us", "en-gb-scotland", "en-029"], speakers_per_accent=4,
                                sentences_per_speaker=3, seed=0, progress=False)
    common = dict(data=str(corpus), probes="logreg", protocols="seed,speaker", n_boot=200, tasks="label", vad=False, jobs=2, all_layers=False,
                  timeout=300, device="cpu", dtype="fp32", progress=False)
    run_pipeline(model=tiny_model, out=folder / "tiny", **common)
    run_pipeline(model="mfcc", out=folder / "mfcc", pooling="mean+std", **common)
    return [folder / "tiny", folder / "mfcc"]

@pytest.fixture(scope="module")
def compared(runs, tmp_path_factory):
    out = tmp_path_factory.mktemp("compare_out") / "comparison"
    return out, build_compare(runs, out, timeout=300, notebook=SOURCE_NOTEBOOK)

def test_compare_writes_a_report_with_both_runs(runs, compared):
    out, notebook = compared
    assert notebook == out / "compare.ipynb"
    for name in ["compare.ipynb", "compare.html", "compare.csv"]: assert (out / name).stat().st_size > 0, name
    assert not (out / "compare.params.json").exists()
    table = pd.read_csv(out / "compare.csv")
    assert set(table.run) == {"tiny-hubert", "mfcc"}
    assert set(table[table.run == "tiny-hubert"].layer) == {0, 1, 2, 3, 4} and set(table[table.run == "mfcc"].layer) == {0}
    assert set(table.protocol) == {"seed", "speaker"} and set(table.probe) == {"logreg"}
    assert sorted(table[table.run == "tiny-hubert"].relative_depth.round(3)) == sorted([0, 0.25, 0.5, 0.75, 1.0] * 2)
    page = (out / "compare.html").read_text(encoding="utf-8")
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) >= 4 and all(len(i) > 5000 for i in images)  # curves by layer and by depth, P(best), CKA
    assert not re.search(r'<img[^>]+src="(?!data:)', page)  # self-contained
    text = html.unescape(page)
    for expected in ["tiny-hubert", "mfcc", "Accent information by layer", "Accent information by relative depth",
                     "Each run's best layer", "What the numbers say", "Provenance", "reaches the highest accuracy",
                     "from its only layer (a one-layer baseline)", "paired resamples of 12 speakers",
                     "were extracted from the same corpus", str(runs[0].resolve()), str(runs[1].resolve())]:
        assert expected in text, expected
    assert "Example only" not in text and "not computed" not in text  # both caches are here: CKA computed, P(best) computed

def test_compare_notebook_ran_without_errors(runs, compared):
    _, notebook = compared
    cells = json.loads(notebook.read_text())["cells"]
    injected = [c for c in cells if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1 and all(str(r.resolve()) in "".join(injected[0]["source"]) for r in runs)
    assert not [o for c in cells if c["cell_type"] == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]

def test_cross_model_cka_uses_the_shared_items(runs):
    from indic_probe.compare import runs_cka
    matrix = runs_cka(*runs)
    assert matrix.shape == (5, 1) and matrix.attrs["n_items"] == 36
    assert matrix.notna().all().all() and ((matrix >= -0.1) & (matrix <= 1 + 1e-9)).all().all()  # debiased: small negatives are chance

def test_compare_refuses_runs_of_other_classes(runs, tmp_path):
    import shutil
    other = tmp_path / "other"
    shutil.copytree(runs[1], other, ignore=shutil.ignore_patterns("cache"))
    state = json.loads((other / "sweep.json").read_text())
    state["manifest"]["classes"] = ["en-us", "en-gb-scotland", "hi-in"]
    (other / "sweep.json").write_text(json.dumps(state))
    with pytest.raises(ValueError, match="different accent classes"): build_compare([runs[0], other], tmp_path / "out")
    assert not (tmp_path / "out").exists()

def test_compare_notebook_runs_on_its_defaults(tmp_path):
    "With no runs the notebook compares two synthetic runs, labelled as such"
    import papermill
    out = tmp_path / "example.ipynb"
    papermill.execute_notebook(str(SOURCE_NOTEBOOK), str(out), kernel_name="python3", progress_bar=False, cwd=str(tmp_path),
                               execution_timeout=120)
    text = out.read_text()
    assert "Example only" in text and "hubert-tiny" in text and "not computed" in text  # fake runs: no caches, no predictions

def test_a_failing_compare_notebook_is_reported_and_still_rendered(runs, tmp_path):
    import nbformat
    broken = tmp_path / "broken.ipynb"
    parameters = nbformat.v4.new_code_cell('runs = ""\nmetric = "accuracy"'); parameters.metadata["tags"] = ["parameters"]
    nbformat.write(nbformat.v4.new_notebook(cells=[parameters, nbformat.v4.new_code_cell('raise ValueError("no such run: 99")')],
                                              metadata=dict(kernelspec=dict(name="python3", language="python", display_name="python3"))), broken)
    with pytest.raises(CompareError, match="no such run: 99"): build_compare(runs, tmp_path / "out", timeout=60, notebook=broken)
    assert "no such run: 99" in (tmp_path / "out" / "compare.html").read_text(encoding="utf-8")
    assert (tmp_path / "out" / "compare.csv").exists()
