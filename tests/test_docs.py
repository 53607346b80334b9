"""The documentation site (scripts/docs.py, `make docs`): the API reference carries the docments, and the site builds with
warnings as errors and renders as a page a person can read (headless Chromium)."""
import sys
from pathlib import Path
import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "scripts"))
import docs  # scripts/docs.py


def test_api_reference_is_made_from_the_docments():
    page = docs.api_page("report", "04_report.ipynb", "indic_probe")
    assert page.startswith("# `indic_probe.report`")
    assert "(indic-probe-report-layer-analysis-figure)=\n## `layer_analysis_figure`" in page  # a labelled heading per name
    assert "| `path` | `str \\| Path \\| None` | `None` | save here at `dpi` (PNG) |" in page  # type, default and docment
    assert "[04_report](../04_report.ipynb)" in page
    from indic_probe import analysis
    fields = docs.field_table(analysis.EmbeddingView)  # a NamedTuple's fields keep their line comments
    assert "| `method` | `str` |  | 'umap', 'tsne' or 'pca': the method used |" in fields


def test_readme_becomes_the_front_page(tmp_path):
    text = docs.front_page("![fig](docs/demo_report_layers.png) see [the notebook](nbs/04_report.ipynb) and [x](https://a.b)\n"
                           "```python\nimport x\n!pip install y\n```\n", "https://github.com/o/r", "main", tmp_path)
    assert (tmp_path / "docs" / "demo_report_layers.png").is_file()  # images travel with the page
    assert "[the notebook](https://github.com/o/r/blob/main/nbs/04_report.ipynb)" in text and "[x](https://a.b)" in text
    assert "```ipython3\nimport x\n!pip install y\n```" in text  # shell escapes are highlighted as IPython


def test_docs_build_with_warnings_as_errors_and_the_index_renders(tmp_path):
    demo = tmp_path / "demo"
    (demo / "run" / "figures").mkdir(parents=True)
    (demo / "run" / "report.html").write_text("<html><body><h1>demo report</h1></body></html>")
    (demo / "run" / "results.tex").write_text("\\toprule\n")
    (demo / "run" / "figures" / "accuracy_per_layer.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    index = docs.build(tmp_path / "site", execute=False, demo=demo, stage_dir=tmp_path / "src", log=lambda *a: None)  # strict
    html = index.read_text()
    for page in ["00_data.html", "04_report.html", "api/report.html", "pipeline/report.html", "demo.html"]:
        assert f'href="{page}"' in html, page
        assert (index.parent / page).is_file(), page
    assert "Which layer of a self-supervised speech model" in html  # the README is the front page
    demo_page = (index.parent / "demo.html").read_text()
    assert 'href="demo/report.html"' in demo_page and (index.parent / "demo" / "report.html").is_file()
    assert (index.parent / "demo" / "run" / "figures" / "accuracy_per_layer.svg").is_file()
    assert "provenance" in (index.parent / "api" / "report.html").read_text()
    from screenshot_report import find_chromium, screenshot
    if find_chromium() is None: pytest.skip("Chromium not installed: the screenshot half of this test needs it")
    from PIL import Image
    import numpy as np
    image = Image.open(screenshot(index, tmp_path / "index.png", width=1200, height=1400)).convert("RGB")
    assert image.size == (1200, 1400)
    grey = np.asarray(image.convert("L"))
    assert len(image.getcolors(1 << 24)) > 100  # text, the sidebar and the README's figure: not a blank or error page
    assert 0.01 < (grey < 128).mean() < 0.5  # dark text on a light page
    assert (grey[:, :250] < 250).any() and (grey[:, 350:] < 128).any()  # the sidebar and the page's body are both drawn


def test_citation_cff_is_valid_and_names_this_version():
    import yaml
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text())
    for key in ("cff-version", "message", "title", "authors", "version", "license", "repository-code"):
        assert cff.get(key), key
    assert cff["cff-version"] == "1.2.0" and cff["version"] == docs.settings()["version"]
    assert all("name" in a or "family-names" in a for a in cff["authors"])
    assert {r["title"] for r in cff["references"]} >= {"IndicAccentDB"}
