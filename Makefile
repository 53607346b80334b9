# indic_probe: `make demo` runs the offline demo, `make test` runs every test. Both set up .venv first.
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_OUT ?= demo

.PHONY: install export test test-nbs test-py demo check-nbs bench clean
install: $(STAMP)
$(STAMP): setup.py settings.ini requirements/pins.txt scripts/install.sh
	bash scripts/install.sh $(VENV)
	touch $@

## Notebooks are the source: export them into the package (papermill notebooks are copied in as package data).
export: install
	$(BIN)/nbdev_export
	mkdir -p indic_probe/pipeline && cp nbs/pipeline/*.ipynb indic_probe/pipeline/

test: test-nbs test-py
test-nbs: install
	$(BIN)/nbdev_test --n_workers 2
test-py: install
	$(BIN)/pytest -q tests

demo: install
	$(BIN)/indic-probe demo --out $(DEMO_OUT)

## Notebooks clean (nbdev_clean) and package in step with them: fails on any diff.
check-nbs: install
	$(BIN)/nbdev_clean
	$(MAKE) export
	@git diff --exit-code --stat -- nbs indic_probe || { echo "notebooks not clean or package not exported: run 'make export' after 'nbdev_clean' and commit"; exit 1; }
	@test -z "$$(git status --porcelain --untracked-files=all -- nbs indic_probe)" || { git status --short -- nbs indic_probe; echo "untracked or changed files under nbs/ or indic_probe/"; exit 1; }

bench: install
	$(BIN)/python benchmarks/extract_speed.py

clean:
	rm -rf $(VENV) $(DEMO_OUT) runs
