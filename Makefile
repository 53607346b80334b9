# indic_probe: `make demo` runs the offline demo, `make test` runs every test. Both set up .venv first.
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_OUT ?= demo

.PHONY: install export test test-nbs test-py demo docs check-nbs bench clean
install: $(STAMP)
$(STAMP): setup.py settings.ini requirements/pins.txt scripts/install.sh
	bash scripts/install.sh $(VENV)
	touch $@

## Notebooks are the source: clear their outputs, nbdev_clean them, nbdev_export indic_probe/*.py, and copy
## nbs/pipeline/*.ipynb into the package (papermill's `parameters` tags kept). See scripts/notebooks.py.
export: install
	$(BIN)/python scripts/notebooks.py export

test: test-nbs test-py
test-nbs: install
	$(BIN)/nbdev_test --n_workers 2
test-py: install
	$(BIN)/pytest -q tests

demo: install
	$(BIN)/indic-probe demo --out $(DEMO_OUT)

## The documentation site (Sphinx + MyST-NB, offline): the chapter notebooks executed as nbdev_test runs them, an API
## reference from the docments, the README as front page, the demo's report (run first if $(DEMO_OUT) has none).
## Warnings are errors. Output: _docs/site/index.html (git-ignored). See scripts/docs.py.
docs: install
	$(BIN)/python scripts/docs.py --demo $(DEMO_OUT)

## Says what is out of step (unclean notebooks, hand-edited or unexported modules, stale pipeline copies, saved
## outputs), each with its fix; exports into a scratch copy and never changes the working tree or needs a commit.
check-nbs: install
	$(BIN)/python scripts/notebooks.py check

bench: install
	$(BIN)/python benchmarks/extract_speed.py

clean:
	rm -rf $(VENV) $(DEMO_OUT) runs _docs
