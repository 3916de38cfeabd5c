# The two commands that matter: `make run` (serve on the embedded defaults) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV  := .venv
PY    := $(VENV)/bin/python
RASA  := $(VENV)/bin/rasa
STAMP := $(VENV)/.installed
MODEL := models/pln123.tar.gz
# What the trained model depends on. Our NLU components (bot/nlu over bot/language and
# bot/places.py) are not trainable: they run at parse time, so their code is not part of
# the model and changing it needs no retraining.
TRAIN_INPUTS := domain.yml config.yml $(shell find data -type f 2>/dev/null)

.PHONY: help venv train run run-scaled system-packages shell test test-clocks lint bench clean ivr-demo demo-data

help:
	@echo "make run    serve simulator + action server + Rasa (REST) on the embedded defaults"
	@echo "make run-scaled  PLN_INSTANCES (default 2) Rasa instances and action servers behind"
	@echo "            HAProxy, conversations in PostgreSQL, locks in Redis (docs/scaling.md)"
	@echo "make shell  talk to the assistant in this terminal"
	@echo "make test   run every test (creates the venv and trains the model when needed),"
	@echo "            then the conversation scripts at fixed stack clocks (make test-clocks)"
	@echo "make test-clocks  the conversation scripts with the stack's clock at each CLOCKS date"
	@echo "make train  train the Rasa model (only when data/, domain.yml or config.yml changed)"
	@echo "make lint   ruff, the complexity limit (radon), the import contracts (import-linter)"
	@echo "            and no import cycle among bot and actions (scripts/check_import_cycles.py)"
	@echo "make bench  run the benchmarks in benchmarks/"
	@echo "make ivr-demo  a whole phone call without a line: TwiML printed, prompts as WAV (espeak-ng)"
	@echo "            with each prompt's seconds and the total"
	@echo "make demo-data  a few hundred synthetic conversations (every channel and outcome, over"
	@echo "            a week) played through the real stack into var/: \`make run\` then shows them"

# The venv is (re)made when missing, when it is not Python 3.10, or when the dependency
# files changed; installs take exactly the versions in requirements.lock.
$(STAMP): pyproject.toml requirements.lock scripts/find-python310.sh
	@set -e; \
	if ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then \
	  python=$$(scripts/find-python310.sh); \
	  echo "creating $(VENV) with $$python"; \
	  rm -rf $(VENV); "$$python" -m venv $(VENV); \
	fi; \
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"; \
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"; \
	touch $(STAMP)

venv: $(STAMP)

# rasa keeps the old file when its own fingerprint finds nothing new: touch it so that
# make does not ask again, with the time training started, so that an input edited while
# it trained is newer than the model (and trains again next time).
$(MODEL): $(STAMP) $(TRAIN_INPUTS)
	@started=$$(date +%s.%N); \
	$(RASA) train --fixed-model-name pln123 --out models && touch -d "@$$started" $(MODEL)

train: $(MODEL)

run: $(MODEL)
	$(PY) -m bot.stack run

# Several Rasa instances behind HAProxy on this machine's PostgreSQL and Redis (bot/launcher/scaled.py);
# `PLN_INSTANCES=N make run` (N > 1) is the same.
run-scaled: $(MODEL) system-packages
	PLN_SCALED=1 PLN_INSTANCES=$${PLN_INSTANCES:-2} $(PY) -m bot.stack run

# haproxy (the scaled stack), chromium (the console's browser tests) and espeak-ng (the
# phone's prompts spoken), when missing
system-packages:
	@scripts/install-system-packages.sh

shell: $(MODEL)
	$(PY) -m bot.stack shell

# The NLU quality and conversation tests need the trained model; pytest exits 5 when it
# collected nothing: that is a failure here, never a pass.
# Then the conversation scripts at the fixed stack clocks (test-clocks): no test depends
# on the day it runs.
test: $(STAMP) $(MODEL) system-packages
	@$(PY) -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi; \
	if [ $$rc -ne 0 ]; then exit $$rc; fi
	@$(MAKE) --no-print-directory test-clocks

# The conversation scripts with the whole stack's clock (PLN_NOW) fixed at a month end, a
# year end late in the evening (WIB), 29 February 2028 and its eve; `make test` runs them
# at the real clock. A script that fixes its own time (metadata.now) must pass at every
# one of them, and one that does not must follow them (its dates are {today+N}).
CLOCKS := 2027-01-31T23:45:00+07:00 2026-12-31T23:30:00+07:00 2028-02-29T10:00:00+07:00 2028-02-28T23:30:00+07:00
test-clocks: $(STAMP) $(MODEL)
	@scripts/test-clocks.sh $(PY) $(CLOCKS)

# ruff; no function in bot/ or actions/ above cyclomatic complexity 25 (radon's figure,
# the worst one printed); what the SOP core and the language reader may import
# (pyproject.toml [tool.importlinter]); no import cycle among bot and actions modules
# (scripts/check_import_cycles.py). Every check runs; any failure fails.
lint: $(STAMP)
	@rc=0; \
	$(VENV)/bin/ruff check bot actions tests benchmarks scripts || rc=1; \
	$(PY) scripts/complexity_gate.py bot actions || rc=1; \
	$(VENV)/bin/lint-imports || rc=1; \
	$(PY) scripts/check_import_cycles.py || rc=1; \
	exit $$rc

# Each benchmark starts what it measures on free loopback ports and stops it again.
bench: $(STAMP) $(MODEL)
	$(PY) benchmarks/normaliser_speed.py
	$(PY) benchmarks/simulator_latency.py
	$(PY) benchmarks/kpi_figures.py
	$(PY) benchmarks/nlu_latency.py
	$(PY) benchmarks/conversation_load.py
	$(PY) benchmarks/fuzz.py
	$(PY) benchmarks/voice_latency.py
	@scripts/install-system-packages.sh haproxy
	$(PY) benchmarks/scale.py

clean:
	rm -rf models var .pytest_cache .ruff_cache .import_linter_cache

# A phone call played through the voice channel, each prompt spoken into var/ivr-demo/ by
# espeak-ng's Indonesian voice (installed when missing), with each prompt's seconds and
# the total; IVR_DEMO_ARGS="--table docs/ivr-call.md" writes the table there too.
ivr-demo: $(STAMP) $(MODEL)
	@scripts/install-system-packages.sh espeak-ng
	$(PY) scripts/ivr_demo.py $(IVR_DEMO_ARGS)

# Synthetic conversations through the whole stack into var/ (the data `make run` serves):
# every channel and outcome over the last week, CSO takes and closes, payments; a summary
# by outcome and channel, and a failure when a conversation did not end as planned.
# DEMO_DATA_ARGS="--conversations 50 --seed 7" changes the mix. Not part of `make test`.
demo-data: $(STAMP) $(MODEL)
	$(PY) scripts/demo_data.py $(DEMO_DATA_ARGS)
