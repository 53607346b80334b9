"The README's demo, as a user runs it: `indic-probe demo` offline, then the report checked as a person sees it."
import re, shutil, subprocess, sys
from pathlib import Path
import pytest
from conftest import run_cli, REPO

def test_demo_runs_offline_and_the_report_renders(tmp_path):
    out = tmp_path / "demo"
    proc = run_cli("demo", "--out", out, "--speakers", "2", "--sentences", "3", timeout=1200)
    assert "RANDOM weights" in proc.stdout and "indic-probe run" in proc.stdout
    html = out / "run" / "report.html"
    assert html.exists() and (out / "run" / "layer_analysis.png").exists()
    assert len(re.findall(r"data:image/png;base64,", html.read_text())) >= 4
    sys.path.insert(0, str(REPO / "scripts"))
    from screenshot_report import find_chromium, screenshot
    if find_chromium() is None: pytest.skip("Chromium not installed: the screenshot half of this test needs it")
    from screenshot_report import page_height
    png = screenshot(html, tmp_path / "report.png")  # the whole page, not a fixed crop
    from PIL import Image
    import numpy as np
    image = Image.open(png).convert("L")
    assert image.size == (1200, page_height(html)) and image.size[1] > 3600  # longer than the old fixed 3,600 px cut
    assert len(image.getcolors(1 << 24)) > 50  # a rendered page with figures, not a blank or error page
    bottom = np.asarray(image)[-image.size[1] // 10:]
    assert (bottom < 200).any()  # the end of the report is in the picture (text there), not cut off

def test_every_help_names_its_options_and_defaults():
    for command, options in {"": ["extract", "sweep", "report", "run", "demo"],
                             "sweep": ["--cache", "--out", "--layers", "--probe", "--protocol", "--seeds", "--jobs", "--timeout", "(default: 2)"],
                             "run": ["--data", "--model", "--out", "--layers", "--probe", "--protocol", "(default: DarshanaS/IndicAccentDb)",
                                     "(default: facebook/hubert-base-ls960)", "(default: runs/indic_accent)"],
                             "demo": ["--out", "--speakers", "--sentences", "--jobs", "(default: demo)"],
                             "report": ["RUN"]}.items():
        text = " ".join(run_cli(*([command] if command else []), "--help").stdout.split())  # help wraps to the terminal
        for option in options: assert option in text, (command, option)
