# Two commands a newcomer needs: `make demo` and `make test`. Both create .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# torch is pinned to 2.13.0 (the CPU wheel). To take it from another package index (e.g. a CPU-only wheel index,
# or a CUDA one on a GPU machine) run `make test TORCH_INDEX=URL`; or install your torch into .venv first.
TORCH_INDEX ?=
PIP := $(BIN)/pip install -q --disable-pip-version-check -c constraints.txt

.PHONY: demo test clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(PIP) $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX)) torch==2.13.0
	$(PIP) -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/nlpdive tour --quick --out runs/tour
	@echo "Open runs/tour/report.html in a browser."

test: $(STAMP)
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) runs build src/*.egg-info
