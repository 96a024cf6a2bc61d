# Two commands set everything up on a fresh machine: `make plan STACK=staging` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STACK ?= staging
PLAN_ARGS ?=
PYTEST_ARGS ?=

.PHONY: plan test venv docs clean bin-deps node-deps check lint typecheck workflows diagram site new-stack plan-consumer cms-venv cms-local bench-site

# The stamp is rebuilt whenever a requirements file changes, so a pulled change to the
# pins installs itself on the next `make` without anyone remembering to.
$(VENV)/.stamp: requirements.txt requirements-dev.txt policies/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -r policies/requirements.txt
	touch $@

# The policy pack's own virtualenv: PulumiPolicy.yaml's `virtualenv: venv`, which the Pulumi CLI
# joins onto the pack's folder (sdk/python/toolchain/pip.go resolveVirtualEnvironmentPath) and runs
# the pack with, and which nothing but `pulumi install` in policies/ (or this) ever creates: the
# engine installs nothing for a local --policy-pack. tests/test_cli_runtime.py resolves both
# virtualenvs as the CLI does and imports each one's runtime.
POLICY_VENV := policies/venv
$(POLICY_VENV)/.stamp: policies/requirements.txt
	test -x $(POLICY_VENV)/bin/python || $(PYTHON) -m venv $(POLICY_VENV)
	$(POLICY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(POLICY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r policies/requirements.txt
	touch $@

venv: $(VENV)/.stamp $(POLICY_VENV)/.stamp

# The gate's own tools, on top of the test requirements: a fresh clone's `make check` installs them.
$(VENV)/.check-stamp: $(VENV)/.stamp requirements-check.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-check.txt
	touch $@

# Make's own status is 2 for any failed recipe (GNU make: 0, 1 only with -q, 2); the tool's code is
# in make's "Error N" line and in the tool's last line (1 = blocked by a mandatory policy, 2 = a
# configuration, policy-config or program error). Scripts that branch on it call the tool itself.
plan: site $(POLICY_VENV)/.stamp
	$(PY) -m tools.plan --stack $(STACK) $(PLAN_ARGS)

# A new stack in one command: `make new-stack NAME=qa ARGS="--region eu-west-1 --primary core-qa-db ..."`
# (asks for what ARGS leave out at a terminal; python -m tools.new_stack --help lists the flags).
NAME ?=
ARGS ?=
new-stack: $(VENV)/.stamp
	@test -n "$(NAME)" || (echo 'usage: make new-stack NAME=<stack> ARGS="--region ... --primary ..."' >&2; exit 2)
	$(PY) -m tools.new_stack $(NAME) $(ARGS)

# The example consumer (another team's program) planned offline: its StackReference to
# acme/spikeproof/$(STACK) is answered by that stack's own offline plan.
plan-consumer: site $(POLICY_VENV)/.stamp
	$(PY) -m tools.plan --stack $(STACK) --program-dir examples/consumer $(PLAN_ARGS)

# The static site the stack publishes (spikeproof:site.directory, build/site): Hugo builds site/
# with the stack's values, and the CMS admin from node_modules (docs/site.md); with
# spikeproof:site.cms.api the campaign pages are pulled from the API CMS first. TURNSTILE_SITE_KEY
# is the stack's turnstile_site_key output (deploy.yml reads it). SITE_BUILD replaces the command.
SITE_BUILD ?=
TURNSTILE_SITE_KEY ?=
site: $(VENV)/.stamp node_modules/.stamp
	$(or $(SITE_BUILD),$(PY) -m tools.site_build --stack $(STACK) --out build/site $(if $(TURNSTILE_SITE_KEY),--turnstile-sitekey '$(TURNSTILE_SITE_KEY)'))

# The API CMS proven by the tests (cms/wagtail: Wagtail, SQLite, gunicorn) in its own virtualenv:
# Django is not the program's dependency. `make cms-local` runs it on this machine.
CMS_VENV := .venv-cms
$(CMS_VENV)/.stamp: cms/wagtail/requirements.txt
	test -x $(CMS_VENV)/bin/python || $(PYTHON) -m venv $(CMS_VENV)
	$(CMS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(CMS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r cms/wagtail/requirements.txt
	touch $@

cms-venv: $(CMS_VENV)/.stamp

# Marketing's local preview of the git CMS: the admin at http://localhost:8080/admin/ writing to
# this checkout's site/content through decap-server (docs/site.md, "Preview").
cms-local: $(VENV)/.stamp node_modules/.stamp
	$(PY) -m tools.cms_local

# Debian binaries the tests run for real: nginx checks and serves the fleet's rendered config;
# Chromium and its ChromeDriver open the sample landing page (tests/test_forms_browser.py);
# systemd-analyze verifies the fleet's units (tests/test_webserver.py).
# Idempotent: installs only what is missing from PATH and /usr/sbin.
BIN_PACKAGES = nginx:nginx-light chromium:chromium chromedriver:chromium-driver systemd-analyze:systemd
bin-deps:
	@missing=""; for pair in $(BIN_PACKAGES); do \
		PATH="$$PATH:/usr/sbin" command -v $${pair%%:*} >/dev/null || missing="$$missing $${pair#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# npm tools the tests run (wrangler: Cloudflare's workerd serving the static site), pinned in
# package.json and package-lock.json; rebuilt whenever the lock file changes.
node_modules/.stamp: package.json package-lock.json
	@node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' 2>/dev/null || \
		(echo "Node.js 20.19 or newer is needed for wrangler and html-validate (package.json); Debian 12's nodejs is 18: install Node 20 from nodejs.org or NodeSource" >&2; exit 1)
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

node-deps: node_modules/.stamp

test: $(VENV)/.stamp $(POLICY_VENV)/.stamp $(CMS_VENV)/.stamp bin-deps node_modules/.stamp site
	$(PY) -m pytest $(PYTEST_ARGS)

# Regenerate the README's configuration reference from settings/ and the stack files.
docs: $(VENV)/.stamp
	$(PY) -m tools.config_doc

# Type-checked: every package, then the pack as the pack imports itself (its modules are top-level
# there, while tools/cost.py imports policies.costing: one run would map the file to both names),
# then the program itself (policies/ has a __main__ module too).
TYPED_DIRS := model settings forecast components tools contracts functions
WORKFLOWS := $(wildcard .github/workflows/*.yml)
ISSUE_FORMS := $(wildcard .github/ISSUE_TEMPLATE/*.yml)

# The quality gate: everything CI checks before a preview, in the order that fails fastest.
check: lint typecheck workflows test

lint: $(VENV)/.check-stamp
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.check-stamp
	$(VENV)/bin/mypy $(TYPED_DIRS)
	$(VENV)/bin/mypy policies
	$(VENV)/bin/mypy __main__.py

# Schema-valid against check-jsonschema's vendored GitHub workflow schema, and clean under zizmor
# (offline: no GitHub API calls, so it runs the same on a laptop and in CI).
workflows: $(VENV)/.check-stamp
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows $(WORKFLOWS)
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-issue-forms $(ISSUE_FORMS)
	$(VENV)/bin/zizmor --offline .github/workflows

# Regenerate the architecture diagram in docs/architecture.md from the offline plan of prod.
diagram: $(VENV)/.stamp
	$(PY) -m tools.diagram

clean:
	rm -rf $(VENV) $(POLICY_VENV) $(CMS_VENV) .pytest_cache node_modules build

# A 1,000-page site built by Hugo and checked (html-validate, the link check), against Hugo's bare
# build of the same content, and the publish's upload and plan figures (docs/benchmarks.md).
bench-site: $(VENV)/.stamp node_modules/.stamp
	$(PY) -m tools.bench_site
