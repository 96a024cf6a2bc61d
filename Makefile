# Two commands set everything up on a fresh machine: `make plan STACK=staging` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STACK ?= staging
PLAN_ARGS ?=
PYTEST_ARGS ?=

.PHONY: plan test venv docs clean bin-deps

# The stamp is rebuilt whenever a requirements file changes, so a pulled change to the
# pins installs itself on the next `make` without anyone remembering to.
$(VENV)/.stamp: requirements.txt requirements-dev.txt policies/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -r policies/requirements.txt
	touch $@

venv: $(VENV)/.stamp

plan: $(VENV)/.stamp
	$(PY) -m tools.plan --stack $(STACK) $(PLAN_ARGS)

# Debian binaries the tests run for real (nginx checks and serves the fleet's rendered config).
# Idempotent: does nothing when the binary is already on PATH or in /usr/sbin.
bin-deps:
	@PATH="$$PATH:/usr/sbin" command -v nginx >/dev/null || \
		(apt-get update -qq && apt-get install -y -qq nginx-light)

test: $(VENV)/.stamp bin-deps
	$(PY) -m pytest $(PYTEST_ARGS)

# Regenerate the README's configuration reference from settings/ and the stack files.
docs: $(VENV)/.stamp
	$(PY) -m tools.config_doc

clean:
	rm -rf $(VENV) .pytest_cache
