"The report stage with real papermill and nbconvert, on a synthetic run folder in the contract's format."
import html, json, re
from pathlib import Path
import pandas as pd, pytest
from PIL import Image
from indic_probe.report import build_report, collect_results, fake_run, interpret, load_reading, read_run
from indic_probe.sweep import pipeline_notebook

REPO = Path(__file__).resolve().parents[1]
SOURCE_NOTEBOOK = REPO / "nbs" / "pipeline" / "report.ipynb"  # the source, not the copy `make export` puts in the package

@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    "A leaky fake run (layer 4 failed) reported end to end"
    run = fake_run(tmp_path_factory.mktemp("report") / "run", n_layers=6, peak=3, leakage=True, failed=[4])
    return run, build_report(run, timeout=120, notebook=SOURCE_NOTEBOOK)

def test_build_report_writes_every_output(reported):
    run, notebook = reported
    assert notebook == run / "report.ipynb"
    for name in ["results.csv", "report.ipynb", "report.html", "layer_analysis.png"]:
        assert (run / name).stat().st_size > 0, name
    results = pd.read_csv(run / "results.csv")
    assert set(results.layer) == {0, 1, 2, 3, 5} and set(results.protocol) == {"seed", "speaker"}
    assert len(results) == 5 * 2 * 3 * 3  # layers x probes x (seed, speaker, seed on the speaker protocol's items) x metrics
    image = Image.open(run / "layer_analysis.png")
    assert round(image.info["dpi"][0]) == 300 and image.size == (2400, 1350)

def test_html_is_self_contained_and_says_what_it_found(reported):
    run, _ = reported
    page = (run / "report.html").read_text(encoding="utf-8")
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) >= 4 and all(len(i) > 5000 for i in images)  # main figure, heatmap, confusion, balanced accuracy
    assert not re.search(r'<img[^>]+src="(?!data:)', page)  # no image refers to a file beside the page
    text = html.unescape(page)
    assert "seed (optimistic)" in text and "Example only" not in text
    reading = load_reading(run)  # written by the report notebook: the page says what the file holds
    verdicts = lambda r: {k: v for k, v in r.items() if k not in ("about", "agreement")}  # agreement resamples predictions, beyond the table
    assert verdicts(reading) == verdicts(json.loads(json.dumps(read_run(collect_results(run, write=False)))))  # the file is the table's reading
    assert reading["agreement"]["probe_dependent"] == "unclear" and "predictions" in reading["agreement"]["why"]  # the fake run keeps none
    assert (reading["label"]["mlp"]["accent_signal"], reading["label"]["mlp"]["speaker_leakage"]) == ("yes", "yes")
    for sentence in re.split(r"(?<=\.) ", interpret(reading, "mlp")):
        assert sentence in text, sentence
    assert "Speaker leakage: each against its own chance level" in text and "The highest is layer 3" in text
    assert "layer 4: ValueError: layer_04.npy: checksum mismatch" in text  # failed layers listed
    assert "Protocols explained" in text and "arXiv 2306.06524" in text

def test_report_notebook_ran_with_the_run_folder(reported):
    run, notebook = reported
    cells = json.loads(notebook.read_text())["cells"]
    injected = [c for c in cells if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1 and str(run) in "".join(injected[0]["source"])
    assert not [o for c in cells if c["cell_type"] == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]

def test_report_notebook_runs_on_its_defaults(tmp_path):
    "With no run_dir the notebook reports a synthetic example, labelled as such"
    import papermill
    out = tmp_path / "example.ipynb"
    papermill.execute_notebook(str(SOURCE_NOTEBOOK), str(out), kernel_name="python3", progress_bar=False, cwd=str(tmp_path),
                               execution_timeout=120)
    assert "Example only" in out.read_text()

def test_pipeline_notebook_is_found():
    assert pipeline_notebook("report").name == "report.ipynb"
    assert pipeline_notebook("layer_probe").name == "layer_probe.ipynb"

def test_a_failing_report_notebook_is_reported_and_still_rendered(tmp_path):
    "A broken report notebook raises ReportError naming the error, and report.html shows it"
    import nbformat
    from indic_probe.report import ReportError
    broken = tmp_path / "broken.ipynb"
    parameters = nbformat.v4.new_code_cell('run_dir = ""'); parameters.metadata["tags"] = ["parameters"]
    nbformat.write(nbformat.v4.new_notebook(cells=[parameters, nbformat.v4.new_code_cell('raise ValueError("no such layer: 99")')],
                                              metadata=dict(kernelspec=dict(name="python3", language="python", display_name="python3"))), broken)
    run = fake_run(tmp_path / "run", n_layers=3, peak=1)
    with pytest.raises(ReportError, match="no such layer: 99"): build_report(run, timeout=60, notebook=broken)
    assert "no such layer: 99" in (run / "report.html").read_text(encoding="utf-8")
    assert (run / "results.csv").exists() and (run / "layer_analysis.png").exists()

def test_paper_outputs_vector_figures_tables_and_trace(reported):
    "Every report figure as PNG, PDF and SVG in RUN/figures; results.tex (booktabs) and results.md; the header traces the run"
    import xml.etree.ElementTree as ET
    from indic_probe.report import cache_key_id
    run, _ = reported
    figures = run / "figures"
    names = sorted({p.stem for p in figures.iterdir()})
    for name in ["layer_analysis", "accuracy_per_layer", "balanced_accuracy_per_layer", "recall_per_class", "confusion_layer_03"]:
        assert name in names, (name, names)
    for name in names:
        assert {p.suffix for p in figures.glob(f"{name}.*")} == {".png", ".pdf", ".svg"}, name
        assert (figures / f"{name}.pdf").read_bytes().startswith(b"%PDF-"), name
        assert ET.parse(figures / f"{name}.svg").getroot().tag == "{http://www.w3.org/2000/svg}svg", name
        assert Image.open(figures / f"{name}.png").format == "PNG", name
    figures_in_page = len(re.findall(r'src="data:image/png;base64,', (run / "report.html").read_text(encoding="utf-8")))
    assert len(names) - 1 == figures_in_page  # each figure the report shows, saved once (layer_analysis is saved by build_report)
    latex = (run / "results.tex").read_text()
    assert latex.index("\\toprule") < latex.index("\\midrule") < latex.index("\\bottomrule") and "\\begin{tabular}" in latex
    lines = [l for l in (run / "results.md").read_text().splitlines() if l.startswith("|")]
    assert [l.split("|")[1].strip() for l in lines[2:]] == ["0", "1", "2", "3", "4", "5"]  # one row per layer; 4 failed
    assert "failed" in lines[2 + 4] and "mlp, speaker" in lines[0]
    text = html.unescape((run / "report.html").read_text(encoding="utf-8"))
    assert "Traced to:" in text and cache_key_id(run) in text and "training seeds 42" in text
    import torch, sklearn
    assert f"torch {torch.__version__}" in text and f"scikit-learn {sklearn.__version__}" in text
