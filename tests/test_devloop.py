"""The developer loop (edit a notebook -> `make export` -> `make test`; `make check-nbs` says what is out of step).

Every test works on a scratch copy of the project (no git history needed) and runs the copy's Makefile against the
installed virtual environment, with the install stamp marked old-enough (`make -o STAMP`) so nothing is reinstalled.
"""
import hashlib, json, os, shutil, subprocess, sys
from pathlib import Path
import pytest

REPO = Path(__file__).resolve().parents[1]
VENV = Path(sys.prefix)  # the environment running the tests, which `make test` takes from the Makefile's VENV
# requirements/ is left out on purpose: should a target ever try to rebuild the install stamp despite `-o`, it
# stops at the missing requirements/pins.txt instead of reinstalling the shared environment from a scratch copy.
COPIED = ["Makefile", "settings.ini", "setup.py", ".gitignore", "scripts", "nbs", "indic_probe"]
IGNORE = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.egg-info")

pytestmark = pytest.mark.skipif(not (VENV / "bin" / "nbdev_export").exists() or shutil.which("make") is None,
                                reason="needs make and nbdev in the test environment")


def make(project: Path, target: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("IN_TEST", "MAKEFLAGS", "MFLAGS")}
    return subprocess.run(["make", "--no-print-directory", "-C", str(project), "-o", str(VENV / ".installed"),
                           f"VENV={VENV}", target], capture_output=True, text=True, env=env, timeout=120)


def state(project: Path) -> dict[str, tuple[str, int]]:
    "Every file in the copy: content hash and mtime"
    return {p.relative_to(project).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(project.rglob("*")) if p.is_file()}


def check(project: Path) -> subprocess.CompletedProcess:
    "`make check-nbs`, asserting that it changed nothing in the copy"
    before = state(project)
    proc = make(project, "check-nbs")
    assert state(project) == before, "make check-nbs changed the working tree"
    return proc


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    "A copy of the project after `make export` (the real tree may be mid-edit: this puts the copy in step)"
    base = tmp_path_factory.mktemp("devloop") / "base"
    base.mkdir()
    for name in COPIED:
        src = REPO / name
        if src.is_dir(): shutil.copytree(src, base / name, ignore=IGNORE)
        else: shutil.copy2(src, base / name)
    proc = make(base, "export")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return base


@pytest.fixture
def project(exported, tmp_path) -> Path:
    dst = tmp_path / "project"
    shutil.copytree(exported, dst)
    return dst


def edit_nb(path: Path, fn) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    fn(nb)
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def test_clean_tree_passes_and_nothing_changes(project):
    proc = check(project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "check-nbs OK" in proc.stdout
    assert not (project / ".git").exists()  # nothing committed, nothing needed from git


def test_hand_edit_to_module_is_reported_and_kept(project):
    mod = project / "indic_probe" / "data.py"
    edited = mod.read_text(encoding="utf-8") + "\nHAND_EDIT = 1  # made in the .py, not in the notebook\n"
    mod.write_text(edited, encoding="utf-8")
    proc = check(project)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "indic_probe/data.py" in out and "move the edit into nbs/00_data.ipynb" in out, out
    assert "`make export` will overwrite it" in out and "HAND_EDIT" in out, out  # the advice and the diff itself
    assert mod.read_text(encoding="utf-8") == edited  # non-destructive


def test_new_uncommitted_notebook_asks_for_export(project):
    "An untracked notebook that exports a new module: check-nbs says to export, not to commit"
    nb = json.loads((project / "nbs" / "00_data.ipynb").read_text(encoding="utf-8"))
    nb["cells"] = [{"cell_type": "code", "execution_count": None, "id": "a000", "metadata": {}, "outputs": [],
                    "source": ["#| default_exp scratchmod"]},
                   {"cell_type": "code", "execution_count": None, "id": "a001", "metadata": {}, "outputs": [],
                    "source": ["#| export\n", "def f(): return 1"]}]
    (project / "nbs" / "07_scratch.ipynb").write_text(json.dumps(nb, sort_keys=True, indent=1) + "\n", encoding="utf-8")
    proc = check(project)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "indic_probe/scratchmod.py: missing" in out and "make export" in out, out
    assert "commit" not in out.lower(), out
    assert make(project, "export").returncode == 0
    proc = check(project)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_pipeline_outputs_reported_and_never_packaged(project):
    src = project / "nbs" / "pipeline" / "layer_probe.ipynb"
    pkg = project / "indic_probe" / "pipeline" / "layer_probe.ipynb"
    local = "/home/someone/private/runs/layer_09"
    def run_it(nb):  # what executing and saving in JupyterLab leaves behind
        for i, c in enumerate(code_cells(nb), 1):
            c["execution_count"] = i
            c["outputs"] = [{"name": "stdout", "output_type": "stream", "text": [f"cache at {local}\n"]}]
    edit_nb(src, run_it)
    proc = check(project)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "nbs/pipeline/layer_probe.ipynb" in out and "saved outputs" in out and "make export" in out, out

    proc = make(project, "export")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for path in (pkg, src):
        text = path.read_text(encoding="utf-8")
        nb = json.loads(text)
        assert local not in text
        assert all(c["outputs"] == [] and c["execution_count"] is None for c in code_cells(nb)), path
        assert [c for c in code_cells(nb) if "parameters" in c["metadata"].get("tags", [])], f"papermill's parameters tag lost in {path}"
    assert pkg.read_bytes() == src.read_bytes()
    proc = check(project)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_packaged_pipeline_copy_out_of_step(project):
    pkg = project / "indic_probe" / "pipeline" / "report.ipynb"
    edit_nb(pkg, lambda nb: nb["cells"].append({"cell_type": "markdown", "id": "zz01", "metadata": {}, "source": ["edited copy"]}))
    proc = check(project)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "indic_probe/pipeline/report.ipynb" in out and "make export" in out, out


def test_unclean_chapter_notebook_reported(project):
    nb_path = project / "nbs" / "02_probe.ipynb"
    def dirty(nb):
        c = code_cells(nb)[0]
        c["execution_count"] = 7
        c["metadata"]["collapsed"] = True
        nb["metadata"]["language_info"] = {"name": "python", "version": "3.11.2"}
    edit_nb(nb_path, dirty)
    before = nb_path.read_bytes()
    proc = check(project)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "nbs/02_probe.ipynb: not clean" in out and "nbdev_clean" in out and "make export" in out, out
    assert "notebook metadata, execution counts, cell metadata" in out, out  # says what would change
    assert nb_path.read_bytes() == before


def test_chapter_outputs_reported(project):
    edit_nb(project / "nbs" / "03_sweep.ipynb", lambda nb: code_cells(nb)[-1].update(
        outputs=[{"data": {"text/plain": ["'/home/someone/x'"]}, "execution_count": None, "metadata": {}, "output_type": "execute_result"}]))
    proc = check(project)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "nbs/03_sweep.ipynb: 1 cell(s) with saved outputs" in out and "Clear Outputs" in out, out


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_gitignore_covers_venv_dir_and_symlink(tmp_path):
    for kind in ("dir", "symlink"):
        repo = tmp_path / kind
        repo.mkdir()
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        shutil.copy2(REPO / ".gitignore", repo / ".gitignore")
        if kind == "dir": (repo / ".venv" / "bin").mkdir(parents=True)
        else: (repo / ".venv").symlink_to(tmp_path)  # e.g. a venv kept outside the clone
        proc = subprocess.run(["git", "-C", str(repo), "check-ignore", "-q", ".venv"])
        assert proc.returncode == 0, f".gitignore does not cover a .venv {kind}"
