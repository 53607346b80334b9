# Sphinx configuration of the documentation site. `make docs` (scripts/docs.py) stages the pages next to a copy of
# this file in _docs/src and builds them into _docs/site with warnings as errors; see scripts/docs.py.
import configparser
from pathlib import Path

_settings = configparser.ConfigParser(delimiters=["="])
_settings.read(Path(__file__).resolve().parent / "settings.ini", encoding="utf-8")  # staged beside this copy
_cfg = _settings["DEFAULT"]

project = _cfg["lib_name"]
author = _cfg["author"]
copyright = _cfg["copyright"]
release = version = _cfg["version"]

extensions = ["myst_nb"]
# The chapter notebooks were executed when they were staged (as nbdev_test executes them); Sphinx only renders them.
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3  # README links such as (#the-real-job) resolve to their headings
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
html_extra_path = ["_extra"]  # the demo's report pages, copied as they are
html_static_path = []
html_theme = "furo"
html_title = f"{project} {version}"
html_show_sourcelink = False
