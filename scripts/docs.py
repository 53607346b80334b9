#!/usr/bin/env python3
"""Build the documentation site from the notebooks, offline: Sphinx + MyST-NB with the furo theme (`make docs`).

    python scripts/docs.py [--out _docs/site] [--jobs 2] [--no-execute] [--demo DIR | --demo none] [--strict]

nbdev publishes its notebooks with Quarto (`nbdev_docs`), which cannot be installed here; this does the same job:

1. **Chapters** (`nbs/NN_*.ipynb`): each is executed the way `nbdev_test` executes it (nbdev's own executor,
   execnb, in `nbs/`, with IN_TEST set; cells marked `#| eval: false` or flagged with a `tst_flags` flag from
   settings.ini, `slow` / `gpu`, are not run), `--jobs` notebooks at a time, each in its own process. The outputs
   are kept, and the figures a test cell draws are shown before the cell closes them (`plt.close("all")`).
   nbdev's directives become what nbdev's docs do with them: `#| hide` cells and `#| default_exp` are removed, an
   `#| export` cell shows its code followed by the documentation of what it defines (as nbdev's `show_doc`), and
   each page says how many cells ran and which did not. `--no-execute` renders the sources without outputs.
2. **API reference**: one page per module, from its docments (fastcore.docments): each exported name's signature,
   docstring and a table of its parameters with the comment that documents each one.
3. **The front page** is README.md (links to files of the repository point at the repository; images are copied).
4. **The demo's report**: `--demo DIR` (default `demo`, what `make demo` writes) copies its report pages
   (`run/report.html`, `run_mfcc/report.html`, `compare/compare.html`) and its paper outputs into the site and links
   them; when DIR has no report the demo is run first (`indic-probe demo --out DIR`, about 2 minutes on 2 cores);
   `--demo none` leaves it out and says so.
5. `sphinx-build` with warnings as errors (`-W --keep-going`) into `--out`; nothing is written outside `_docs/`
   (git-ignored) and the demo folder.

Pipeline and Colab notebooks are shown as they are (papermill templates; the demo report is the executed report).
"""
from __future__ import annotations
import argparse, ast, configparser, inspect, json, os, re, shutil, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGE = ROOT / "_docs" / "src"  # the pages Sphinx reads (git-ignored)
SITE = ROOT / "_docs" / "site"  # the built HTML (git-ignored)
DEMO_PAGES = {"run/report.html": "report.html", "run_mfcc/report.html": "report_mfcc.html", "compare/compare.html": "compare.html"}


def settings() -> configparser.SectionProxy:
    cp = configparser.ConfigParser(delimiters=["="])
    cp.read(ROOT / "settings.ini", encoding="utf-8")
    return cp["DEFAULT"]


# ---------------------------------------------------------------------------------------------------------------
# API reference from docments

def _cell(text) -> str:
    "One Markdown table cell: no line breaks, pipes escaped"
    return " ".join(str(text).split()).replace("|", "\\|")


def _annotation(param: inspect.Parameter) -> str:
    anno = param.annotation
    if anno is inspect.Parameter.empty: return ""
    return anno if isinstance(anno, str) else getattr(anno, "__name__", None) or repr(anno).replace("typing.", "")


def _short_repr(value, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def signature_text(name: str, obj) -> str:
    "`name(a: int = 1, ...) -> T`, one parameter per line when long"
    try: sig = inspect.signature(obj)
    except (TypeError, ValueError): return f"{name}(...)"
    parts = []
    for p in sig.parameters.values():
        text = ("*" if p.kind is p.VAR_POSITIONAL else "**" if p.kind is p.VAR_KEYWORD else "") + p.name
        if _annotation(p): text += f": {_annotation(p)}"
        if p.default is not p.empty: text += f"{' = ' if _annotation(p) else '='}{_short_repr(p.default, 60)}"
        parts.append(text)
    ret = sig.return_annotation
    ret = "" if ret is sig.empty else f" -> {ret if isinstance(ret, str) else getattr(ret, '__name__', repr(ret))}"
    one_line = f"{name}({', '.join(parts)}){ret}"
    return one_line if len(one_line) <= 100 else f"{name}(\n" + "".join(f"    {p},\n" for p in parts) + f"){ret}"


def param_table(obj) -> str:
    "Markdown table of parameters with their docments (empty when there are no parameters)"
    from fastcore.docments import docments
    try: sig, docs = inspect.signature(obj), docments(obj, full=True)
    except (TypeError, ValueError, OSError): return ""
    rows = []
    for p in sig.parameters.values():
        if p.name in ("self", "cls"): continue
        default = "" if p.default is p.empty else f"`{_cell(_short_repr(p.default, 60))}`"
        meaning = (docs.get(p.name) or {}).get("docment") or ""
        rows.append(f"| `{p.name}` | {_cell(_annotation(p)) and '`' + _cell(_annotation(p)) + '`'} | {default} | {_cell(meaning)} |")
    returns = (docs.get("return") or {}).get("docment")
    if returns: rows.append(f"| **returns** | | | {_cell(returns)} |")
    if not rows: return ""
    return "| parameter | type | default | meaning |\n|---|---|---|---|\n" + "\n".join(rows) + "\n"


def field_table(cls) -> str:
    "A NamedTuple's or dataclass's fields with the trailing comment on each field's line"
    try: source = inspect.getsource(cls)
    except (OSError, TypeError): return ""
    lines, rows = source.splitlines(), []
    tree = ast.parse(inspect.cleandoc("\n" + source) if source[:1].isspace() else source)
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    for node in body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            line = lines[node.lineno - 1]
            comment = line.split("#", 1)[1].strip() if "#" in line else ""
            default = f"`{_cell(ast.unparse(node.value))}`" if node.value is not None else ""
            rows.append(f"| `{node.target.id}` | `{_cell(ast.unparse(node.annotation))}` | {default} | {_cell(comment)} |")
    if not rows: return ""
    return "| field | type | default | meaning |\n|---|---|---|---|\n" + "\n".join(rows) + "\n"


def doc_markdown(name: str, obj, level: int | None = 3, label: str | None = None) -> str:
    "The documentation of one exported name: heading, signature, docstring, parameters (as nbdev's show_doc)"
    head = (f"({label})=\n" if label else "") + ("#" * level + f" `{name}`\n\n" if level else f"**`{name}`**\n\n")
    doc = inspect.getdoc(obj) if (inspect.isroutine(obj) or inspect.isclass(obj)) else None
    if inspect.isclass(obj):
        fields = field_table(obj) if (hasattr(obj, "_fields") or hasattr(obj, "__dataclass_fields__")) else ""
        kind = "exception" if issubclass(obj, BaseException) else "class"
        text = head + f"```python\n{kind} {name}({', '.join(b.__name__ for b in obj.__bases__)})\n```\n\n"
        text += (doc + "\n\n" if doc else "") + (fields + "\n" if fields else "")
        if not fields and "__init__" in vars(obj):
            text += f"```python\n{signature_text(name, obj)}\n```\n\n" + (param_table(obj.__init__) + "\n")
        for method_name, method in vars(obj).items():
            if method_name.startswith("_") or not inspect.isfunction(method) or fields: continue
            text += f"**`{name}.{method_name}`**\n\n```python\n{signature_text(method_name, method)}\n```\n\n"
            text += (inspect.getdoc(method) + "\n\n" if inspect.getdoc(method) else "") + param_table(method) + "\n"
        return text
    if inspect.isroutine(obj):
        return head + f"```python\n{signature_text(name, obj)}\n```\n\n" + (doc + "\n\n" if doc else "") + param_table(obj) + "\n"
    return head + f"```python\n{name} = {_short_repr(obj, 300)}\n```\n\n"


def module_notebooks(nbs: Path) -> dict[str, str]:
    "Module name -> chapter notebook that exports it (from each notebook's `#| default_exp`)"
    found = {}
    for nb in sorted(nbs.glob("*.ipynb")):
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            match = re.search(r"^#\|\s*default_exp\s+(\S+)", "".join(cell["source"]), re.M)
            if cell["cell_type"] == "code" and match: found[match.group(1)] = nb.name; break
    return found


def api_page(module_name: str, notebook: str | None, lib: str) -> str:
    "The API page of `lib.module_name`: every name in its __all__, in order"
    import importlib
    module = importlib.import_module(f"{lib}.{module_name}")
    title = f"# `{lib}.{module_name}`\n\n"
    summary = (module.__doc__ or "").strip().splitlines()
    text = title + (summary[0] + "\n\n" if summary and not summary[0].startswith("#") else "")
    if notebook: text += f"Written in the chapter [{Path(notebook).stem}](../{notebook}), where each definition is explained and tested.\n\n"
    names = list(getattr(module, "__all__", []))
    text += "\n".join(f"- [`{n}`](#{_anchor(lib, module_name, n)})" for n in names) + "\n\n"
    for n in names:
        text += doc_markdown(n, getattr(module, n), 2, _anchor(lib, module_name, n))
    return text


def _anchor(lib: str, module_name: str, name: str) -> str: return f"{lib}-{module_name}-{name}".lower().replace("_", "-")


# ---------------------------------------------------------------------------------------------------------------
# Chapters: execute as nbdev_test does, then turn nbdev directives into MyST-NB tags

SHOW_THEN_CLOSE = '''
import matplotlib.pyplot as _plt
from IPython.display import display as _display
_close_figures = _plt.close
def _show_then_close(fig=None):
    "plt.close('all') in a test cell: show the figures it drew first (docs build only)"
    if fig == "all":
        for number in _plt.get_fignums(): _display(_plt.figure(number))
    return _close_figures(fig)
_plt.close = _show_then_close
'''


def execute_notebook(src: Path, dst: Path, skip_flags: set[str]) -> dict:
    "Run `src` as nbdev_test does (nbdev's processor and execnb, cwd = its folder) and write it with outputs to `dst`"
    os.environ["IN_TEST"] = "1"
    from nbdev.process import NBProcessor
    from nbdev.frontmatter import FrontmatterProc
    from execnb.shell import CaptureShell
    from fastcore.xtras import working_directory
    nb = NBProcessor(src, procs=FrontmatterProc, process=True).nb
    ran, not_run = [], []

    def no_eval(cell):
        if cell.cell_type != "code": return True
        directives = getattr(cell, "directives_", {}) or {}
        skip = directives.get("eval:", [""])[0].lower() == "false" or bool(skip_flags & directives.keys())
        (not_run if skip else ran).append(cell.idx_)
        return skip

    started = time.perf_counter()
    shell = CaptureShell(src)
    shell.run_cell(SHOW_THEN_CLOSE)
    with working_directory(src.parent):
        shell.run_all(nb, exc_stop=True, preproc=no_eval)
    seconds = time.perf_counter() - started
    cells = [dict(cell_type=c.cell_type, source=c.source, directives=dict(getattr(c, "directives_", {}) or {}),
                  outputs=[dict(o) for o in c.get("outputs", [])], ran=c.idx_ in ran) for c in nb.cells]
    dst.write_text(json.dumps(dict(cells=cells, seconds=seconds, ran=len(ran), not_run=len(not_run)), default=str), encoding="utf-8")
    return dict(seconds=seconds)


def _plain(output: dict) -> dict:
    "An execnb output as an nbformat 4 output"
    kind = output.get("output_type")
    if kind == "stream": return dict(output_type="stream", name=output.get("name", "stdout"), text=output.get("text", ""))
    if kind == "error": return dict(output_type="error", ename=output.get("ename", ""), evalue=output.get("evalue", ""), traceback=output.get("traceback", []))
    out = dict(output_type=kind, data=output.get("data", {}), metadata=output.get("metadata", {}))
    if kind == "execute_result": out["execution_count"] = output.get("execution_count")
    return out


def _defined_names(source: str) -> list[str]:
    "Public top-level functions and classes a code cell defines"
    try: tree = ast.parse(source)
    except SyntaxError: return []
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not n.name.startswith("_")]


def _title_cell(source: str) -> str:
    "nbdev's front matter (made from the `# title` / `> summary` cell) back into that cell's Markdown"
    match = re.match(r"^---\n(.*?)\n---\n?", source, re.S)
    if not match: return source
    import yaml
    meta = yaml.safe_load(match.group(1)) or {}
    head = f"# {meta.get('title', '')}\n\n" + (f"> {' '.join(str(meta['description']).split())}\n\n" if meta.get("description") else "")
    return head + source[match.end():].lstrip("\n")


def chapter_notebook(executed: dict | None, src: Path, module: str | None, lib: str, skip_flags: set[str]) -> dict:
    "The page Sphinx renders: nbdev's directives applied, the export cells followed by their docs, a note on execution"
    import importlib
    if executed is None:  # not executed: the source with nbdev's reading of its directives
        from nbdev.process import NBProcessor
        from nbdev.frontmatter import FrontmatterProc
        nb = NBProcessor(src, procs=FrontmatterProc, process=True).nb
        cells = [dict(cell_type=c.cell_type, source=c.source, directives=dict(getattr(c, "directives_", {}) or {}), outputs=[], ran=False)
                 for c in nb.cells]
        executed = dict(cells=cells, seconds=None, ran=0, not_run=None)
    lib_module = importlib.import_module(f"{lib}.{module}") if module else None
    out, notes = [], []
    for k, cell in enumerate(executed["cells"]):
        directives, source = cell["directives"], cell["source"]
        if cell["cell_type"] != "code":
            out.append(dict(cell_type="markdown", metadata={}, source=_title_cell(source)))
            if k == 0 and executed["seconds"] is not None:  # after the title: how this page was made
                skipped = executed["not_run"]
                out.append(dict(cell_type="markdown", metadata={}, source=(
                    f"*This page is the notebook `nbs/{src.name}`, executed when the docs were built as `nbdev_test` runs it: "
                    f"{executed['ran']} code cells ran in {executed['seconds']:.0f} s"
                    + (f"; {skipped} were not run (`#| eval: false`, or flagged {' / '.join(sorted(skip_flags))}) and show no output" if skipped else "")
                    + ".*")))
            elif k == 0:
                out.append(dict(cell_type="markdown", metadata={}, source=f"*This page is the notebook `nbs/{src.name}`, shown without executing it.*"))
            continue
        if "default_exp" in directives or "hide" in directives or not source.strip(): continue
        tags = []
        if directives.get("echo:", [""])[0].lower() == "false": tags.append("remove-input")
        if directives.get("output:", [""])[0].lower() == "false": tags.append("remove-output")
        source = "\n".join(line for line in source.splitlines() if not line.startswith("#|"))
        out.append(dict(cell_type="code", execution_count=None, metadata=dict(tags=tags) if tags else {},
                        outputs=[_plain(o) for o in cell["outputs"]], source=source))
        if lib_module is not None and ("export" in directives or "exports" in directives):
            docs = [doc_markdown(n, getattr(lib_module, n), None) for n in _defined_names(source) if n in getattr(lib_module, "__all__", [])]
            if docs: out.append(dict(cell_type="markdown", metadata={}, source="\n".join(docs)))
    return dict(cells=out, metadata=dict(kernelspec=dict(name="python3", display_name="Python 3", language="python"),
                                         language_info=dict(name="python")), nbformat=4, nbformat_minor=4)


def pipeline_notebook(src: Path, what: str) -> dict:
    "A papermill (or Colab) notebook as it is, with one line saying what it is"
    nb = json.loads(src.read_text(encoding="utf-8"))
    cells = [dict(cell_type=c["cell_type"], metadata={"tags": c.get("metadata", {}).get("tags", [])} if c.get("metadata", {}).get("tags") else {},
                  source="".join(c["source"]), **({"outputs": [], "execution_count": None} if c["cell_type"] == "code" else {}))
             for c in nb["cells"] if c["cell_type"] in ("code", "markdown")]
    note = dict(cell_type="markdown", metadata={}, source=f"*{what} This page shows `{src.relative_to(ROOT).as_posix()}` without executing it.*")
    first_heading = next((k for k, c in enumerate(cells) if c["cell_type"] == "markdown" and c["source"].lstrip().startswith("# ")), None)
    if first_heading is None: cells.insert(0, dict(cell_type="markdown", metadata={}, source=f"# {src.stem}"))
    cells.insert((first_heading or 0) + 1, note)
    return dict(cells=cells, metadata=dict(kernelspec=dict(name="python3", display_name="Python 3", language="python"),
                                           language_info=dict(name="python")), nbformat=4, nbformat_minor=4)


# ---------------------------------------------------------------------------------------------------------------
# Front page, demo

def front_page(readme: str, git_url: str, branch: str, stage: Path) -> str:
    "README as the front page: images copied beside it, links to repository files pointed at the repository"
    def link(match):
        text, target = match.group(1), match.group(2)
        if re.match(r"^[a-z]+:|^#|^mailto:", target): return match.group(0)
        path = (ROOT / target.split("#")[0])
        if match.group(0).startswith("!") and path.is_file():
            (stage / target).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(path, stage / target)
            return match.group(0)
        return f"{'!' if match.group(0).startswith('!') else ''}[{text}]({git_url}/blob/{branch}/{target})"
    readme = re.sub(r"!?\[((?:[^\]\[]|\[[^\]]*\])*)\]\(([^)\s]+)\)", link, readme)
    # Notebook code with shell escapes (`!pip ...`) is IPython, not Python: highlight it as such
    return re.sub(r"```python\n((?:(?!```).)*?^!.*?)```", lambda m: "```ipython3\n" + m.group(1) + "```", readme, flags=re.S | re.M)


def copy_demo(demo: Path | None, extra: Path) -> list[str]:
    "The demo's report pages and paper outputs into the site's demo/ folder; the names copied"
    if demo is None: return []
    copied, target = [], extra / "demo"
    for src, name in DEMO_PAGES.items():
        if (demo / src).is_file():
            target.mkdir(parents=True, exist_ok=True); shutil.copy2(demo / src, target / name); copied.append(name)
    for run in ("run", "run_mfcc"):
        for item in ["results.tex", "results.md", "results.csv", "reading.json", "layer_analysis.png"]:
            if (demo / run / item).is_file():
                (target / run).mkdir(parents=True, exist_ok=True); shutil.copy2(demo / run / item, target / run / item)
                copied.append(f"{run}/{item}")
        if (demo / run / "figures").is_dir():
            shutil.copytree(demo / run / "figures", target / run / "figures", dirs_exist_ok=True)
            copied += [f"{run}/figures/{p.name}" for p in sorted((demo / run / "figures").iterdir())]
    return copied


def demo_page(copied: list[str], demo: Path | None) -> str:
    text = "# The demo's report\n\n"
    if not any(name in copied for name in DEMO_PAGES.values()):
        return text + ("Not included in this build (`--demo none`, or the demo folder holds no report): run `make demo`, "
                       "then `make docs`.\n")
    text += ("`make demo` runs the whole pipeline offline (synthetic accents from espeak-ng, a tiny random HuBERT and the MFCC "
             "baseline); these are its pages as it wrote them. The random HuBERT's numbers only prove the pipeline, and its "
             "report says so.\n\n")
    labels = {"report.html": "the report (random tiny HuBERT)", "report_mfcc.html": "the MFCC baseline's report",
              "compare.html": "the two compared"}
    items = "".join(f'<li><a href="demo/{name}">{label}</a></li>' for name, label in labels.items() if name in copied)
    text += f"<ul>{items}</ul>\n\n"
    papers = [name for name in copied if "/" in name]
    if papers:
        text += "Paper-ready outputs of the same runs (vector figures, LaTeX and Markdown tables):\n\n<ul>"
        text += "".join(f'<li><a href="demo/{name}">{name}</a></li>' for name in papers) + "</ul>\n"
    return text


def index_page(readme: str, chapters: list[str], pipelines: list[str], api: list[str]) -> str:
    toc = lambda caption, entries: f"\n```{{toctree}}\n:caption: {caption}\n:maxdepth: 1\n\n" + "\n".join(entries) + "\n```\n"
    return (readme.rstrip() + "\n\n## Documentation\n\nThe chapters are the notebooks in `nbs/`, executed when these pages were "
            "built; the API reference is generated from the docments of every exported function.\n"
            + toc("Chapters", chapters) + toc("Pipeline notebooks", pipelines) + toc("API reference", api)
            + toc("Demo", ["demo"]))


# ---------------------------------------------------------------------------------------------------------------

def stage(execute: bool = True, jobs: int = 2, demo: Path | None = ROOT / "demo", stage_dir: Path = STAGE, log=print) -> dict:
    "Write every page Sphinx reads into `stage_dir`; returns timings"
    cfg = settings()
    lib, nbs = cfg["lib_name"], ROOT / cfg.get("nbs_path", "nbs")
    skip_flags = set(cfg.get("tst_flags", "").split())
    if stage_dir.exists(): shutil.rmtree(stage_dir)
    (stage_dir / "api").mkdir(parents=True)
    shutil.copy2(ROOT / "docs" / "conf.py", stage_dir / "conf.py"); shutil.copy2(ROOT / "settings.ini", stage_dir / "settings.ini")
    modules = module_notebooks(nbs)
    by_notebook = {nb: m for m, nb in modules.items()}
    chapters = sorted(p for p in nbs.glob("*.ipynb") if re.match(r"\d\d_", p.name))
    timings, executed = {}, {}
    if execute:
        work = stage_dir / "_executed"; work.mkdir()

        def run(nb: Path):
            started = time.perf_counter()
            proc = subprocess.run([sys.executable, __file__, "_execute", str(nb), str(work / (nb.stem + ".json"))],
                                  capture_output=True, text=True, cwd=ROOT)
            if proc.returncode != 0: raise RuntimeError(f"{nb.name} failed when executed for the docs:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
            log(f"  executed {nb.name} in {time.perf_counter() - started:.0f} s")
            return nb, time.perf_counter() - started

        log(f"executing {len(chapters)} chapter notebooks, {jobs} at a time (as nbdev_test does)")
        slowest_first = sorted(chapters, key=lambda p: -p.stat().st_size)
        with ThreadPoolExecutor(jobs) as pool:
            for nb, seconds in pool.map(run, slowest_first): timings[nb.name] = seconds
        executed = {nb.name: json.loads((work / (nb.stem + ".json")).read_text(encoding="utf-8")) for nb in chapters}
        shutil.rmtree(work)
    for nb in chapters:
        page = chapter_notebook(executed.get(nb.name), nb, by_notebook.get(nb.name), lib, skip_flags)
        (stage_dir / nb.name).write_text(json.dumps(page, indent=1), encoding="utf-8")
    pipelines = []
    for nb in sorted((nbs / "pipeline").glob("*.ipynb")):
        what = "A papermill notebook: `indic-probe sweep` and `report` execute it with their parameters."
        (stage_dir / "pipeline").mkdir(exist_ok=True)
        (stage_dir / "pipeline" / nb.name).write_text(json.dumps(pipeline_notebook(nb, what), indent=1), encoding="utf-8")
        pipelines.append(f"pipeline/{nb.stem}")
    for nb in sorted((nbs / "colab").glob("*.ipynb")):
        (stage_dir / "colab").mkdir(exist_ok=True)
        (stage_dir / "colab" / nb.name).write_text(json.dumps(pipeline_notebook(nb, "The Colab notebook (GPU runtime)."), indent=1), encoding="utf-8")
        pipelines.append(f"colab/{nb.stem}")
    api = []
    for module in sorted(modules):
        (stage_dir / "api" / f"{module}.md").write_text(api_page(module, modules[module], lib), encoding="utf-8")
        api.append(f"api/{module}")
    readme = front_page((ROOT / "README.md").read_text(encoding="utf-8"), cfg["git_url"], cfg.get("branch", "main"), stage_dir)
    (stage_dir / "index.md").write_text(index_page(readme, [p.stem for p in chapters], pipelines, api), encoding="utf-8")
    (stage_dir / "_extra").mkdir()
    copied = copy_demo(demo, stage_dir / "_extra")
    (stage_dir / "demo.md").write_text(demo_page(copied, demo), encoding="utf-8")
    return dict(executed=timings, demo=copied)


def ensure_demo(demo: Path, log=print) -> None:
    "Run the demo into `demo` unless it already holds its report"
    if (demo / "run" / "report.html").is_file(): return
    log(f"{demo}/run/report.html not found: running the demo (indic-probe demo --out {demo})")
    exe = Path(sys.executable).parent / "indic-probe"
    subprocess.run([str(exe) if exe.exists() else "indic-probe", "demo", "--out", str(demo)], check=True, cwd=ROOT)


def sphinx(stage_dir: Path, out: Path, strict: bool = True, jobs: int = 2) -> None:
    "sphinx-build -b html (warnings as errors when strict)"
    if out.exists(): shutil.rmtree(out)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-j", str(jobs), *(["-W", "--keep-going"] if strict else []),
           str(stage_dir), str(out)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    sys.stdout.write(proc.stdout); sys.stderr.write(proc.stderr)
    if proc.returncode != 0: raise SystemExit(f"docs: sphinx-build failed (exit {proc.returncode}){' with warnings as errors' if strict else ''}")


def build(out: Path = SITE, execute: bool = True, jobs: int = 2, demo: Path | None = ROOT / "demo", strict: bool = True,
          stage_dir: Path = STAGE, log=print) -> Path:
    "Stage and build the site; returns its index.html"
    started = time.perf_counter()
    if demo is not None:
        demo = demo if demo.is_absolute() else ROOT / demo
        ensure_demo(demo, log)
    staged = stage(execute, jobs, demo, stage_dir, log)
    log(f"staged in {time.perf_counter() - started:.0f} s; building with Sphinx")
    sphinx(stage_dir, out, strict, jobs)
    log(f"docs built in {time.perf_counter() - started:.0f} s: {out / 'index.html'}")
    return out / "index.html"


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_execute":  # one notebook, in its own process (see `stage`)
        execute_notebook(Path(sys.argv[2]).resolve(), Path(sys.argv[3]), set(settings().get("tst_flags", "").split()))
        sys.exit(0)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(SITE), help="folder for the HTML site (default: _docs/site)")
    ap.add_argument("--jobs", type=int, default=2, help="chapter notebooks executed at a time, and Sphinx's processes")
    ap.add_argument("--no-execute", action="store_true", help="render the chapters without executing them")
    ap.add_argument("--demo", default="demo", help="demo folder to include (run first if it holds no report); 'none' to leave it out")
    ap.add_argument("--no-strict", action="store_true", help="do not treat Sphinx warnings as errors")
    args = ap.parse_args()
    build(Path(args.out).resolve(), not args.no_execute, args.jobs, None if args.demo == "none" else Path(args.demo), not args.no_strict)
