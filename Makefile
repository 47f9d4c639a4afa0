# The two commands a newcomer needs: `make run` and `make test`.
# Everything builds into ./target (override with CARGO_TARGET_DIR).

CARGO ?= cargo
TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),target)
CRM_DATABASE_URL ?= sqlite://./data/crm.db
export CRM_DATABASE_URL

.PHONY: run build test lint audit openapi check-api-types check-app clean frontend test-browser bench test-client test-schemathesis sdk sdk-python sdk-typescript

# Must equal the wasm-bindgen version pinned in frontend/Cargo.toml.
WASM_BINDGEN_VERSION := 0.2.130
# Splits the web app's WASM at Leptos' lazy routes; must understand the format of the
# wasm_split_helpers in frontend/Cargo.lock (0.2.x). Installed from crates.io.
WASM_SPLIT_VERSION := 0.2.4
FRONTEND_TARGET := $(abspath $(TARGET_DIR))/frontend
DIST := frontend/dist

## Build (release), seed the demo workspace on an empty database, serve on http://127.0.0.1:8080/
run: frontend
	$(CARGO) build --release -p crm-server
	$(TARGET_DIR)/release/crm demo --if-empty
	$(TARGET_DIR)/release/crm serve

build:
	$(CARGO) build --workspace

## Every test on PostgreSQL (CRM_TEST_DATABASE_URL) and SQLite, the end-to-end tests of the real binary,
## and the browser tests of the web app in headless Chromium.
test: frontend
	$(CARGO) build -p crm-server --bin crm
	$(CARGO) test --workspace --no-fail-fast
	$(MAKE) test-client
	$(MAKE) test-schemathesis
	$(MAKE) test-browser

## The web app in a real Chromium against the real binary (needs `make frontend` and Debian's chromium).
test-browser:
	$(CARGO) build -p crm-server --bin crm
	node frontend/tests/catalog.mjs
	cd frontend && SCREENSHOT_DIR=$(abspath $(TARGET_DIR))/screenshots node tests/spa.mjs $(abspath $(TARGET_DIR))/debug/crm $(abspath $(DIST))

## A Python client generated from openapi/openapi.json syncs 10,000 customers and their contacts
## with the real binary, on SQLite and on PostgreSQL (CRM_TEST_DATABASE_URL), using only generated code.
test-client: sdk-python
	$(CARGO) build -p crm-server --bin crm
	PYTHONDONTWRITEBYTECODE=1 $(CONTRACT_VENV)/bin/python tests/contract/client_sync.py \
		--binary $(TARGET_DIR)/debug/crm --sdk $(SDK_DIR)/python

## Client libraries for integrators, generated from openapi/openapi.json into target/sdk:
## python/ (package crm_client, openapi-python-client) and typescript/ (types for openapi-fetch).
sdk: sdk-python sdk-typescript

CONTRACT_VENV := $(TARGET_DIR)/contract-venv
SDK_DIR := $(TARGET_DIR)/sdk
SDK_TOOLS := $(TARGET_DIR)/sdk-tools

sdk-python: $(SDK_DIR)/python/.generated

## schemathesis (pinned in tests/contract/requirements.txt) over the served OpenAPI document, against
## the real binary on a fresh SQLite demo, as a sales rep and as an administrator: every check, every
## phase including stateful links, CRM_SCHEMATHESIS_SECONDS per role (default 75).
test-schemathesis: $(CONTRACT_VENV)/.installed
	$(CARGO) build -p crm-server --bin crm
	PYTHONDONTWRITEBYTECODE=1 $(CONTRACT_VENV)/bin/python tests/contract/schemathesis_run.py \
		$(TARGET_DIR)/debug/crm $(TARGET_DIR)/schemathesis

# Fails on any generator warning not reviewed in tests/contract/generate_sdk.py.
$(SDK_DIR)/python/.generated: openapi/openapi.json tests/contract/openapi-python-client.yaml \
		tests/contract/generate_sdk.py $(CONTRACT_VENV)/.installed
	PYTHONDONTWRITEBYTECODE=1 $(CONTRACT_VENV)/bin/python tests/contract/generate_sdk.py openapi/openapi.json $(SDK_DIR)/python
	touch $@

# The contract tests' Python tools (openapi-python-client, schemathesis), pinned with every
# dependency in tests/contract/requirements.txt; rebuilt from PyPI when that file changes.
$(CONTRACT_VENV)/.installed: tests/contract/requirements.txt
	@echo "installing into $(CONTRACT_VENV) from PyPI: $$(grep -v '^#' $< | tr '\n' ' ')"
	rm -rf $(CONTRACT_VENV)
	python3 -m venv $(CONTRACT_VENV)
	$(CONTRACT_VENV)/bin/pip install --quiet --disable-pip-version-check -r $<
	touch $@

sdk-typescript: $(SDK_DIR)/typescript/.generated

# openapi-typescript (pinned in tests/contract/typescript) runs offline; tsc then checks
# example.ts, an integrator's sync written against the types just generated.
# --empty-objects-unknown: `custom_fields` is `{"type": "object"}` (any keys), which
# openapi-typescript otherwise types as an object with no keys at all.
$(SDK_DIR)/typescript/.generated: openapi/openapi.json tests/contract/typescript/example.ts \
		tests/contract/typescript/tsconfig.json $(SDK_TOOLS)/node_modules/.installed
	rm -rf $(SDK_DIR)/typescript $(SDK_TOOLS)/check && mkdir -p $(SDK_DIR)/typescript $(SDK_TOOLS)/check
	$(SDK_TOOLS)/node_modules/.bin/openapi-typescript openapi/openapi.json --empty-objects-unknown \
		-o $(SDK_DIR)/typescript/schema.d.ts
	cp $(SDK_DIR)/typescript/schema.d.ts tests/contract/typescript/example.ts tests/contract/typescript/tsconfig.json $(SDK_TOOLS)/check/
	cd $(SDK_TOOLS)/check && ../node_modules/.bin/tsc -p tsconfig.json
	cp tests/contract/typescript/example.ts $(SDK_DIR)/typescript/
	touch $@

$(SDK_TOOLS)/node_modules/.installed: tests/contract/typescript/package.json tests/contract/typescript/package-lock.json
	@echo "installing the TypeScript SDK generator into $(SDK_TOOLS) from npm (openapi-typescript, openapi-fetch, typescript)"
	mkdir -p $(SDK_TOOLS) && cp $^ $(SDK_TOOLS)/
	cd $(SDK_TOOLS) && npm ci --no-audit --no-fund
	touch $@

## The web app: release wasm → wasm-split → wasm-bindgen → wasm-opt (npm binaryen) → frontend/dist,
## rebuilt only when a source changed. Offline apart from the registries.
frontend: $(DIST)/.built

FRONTEND_SOURCES := $(shell find frontend/src frontend/locales crates/crm-api-types/src crates/crm-domain/src -type f) \
	frontend/Cargo.toml frontend/Cargo.lock frontend/index.html frontend/boot.js frontend/style.css frontend/tools/maps.mjs \
	migrations/postgres/2026-11-22-000002_regions_data/up.sql

$(DIST)/.built: $(FRONTEND_SOURCES) frontend/node_modules/.installed
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || \
		{ echo "installing the Rust target wasm32-unknown-unknown (rustup target add)"; rustup target add wasm32-unknown-unknown; }
	@wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)" || $(CARGO) install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)
	@$(CARGO) install --list | grep -q "^wasm_split_cli_support v$(WASM_SPLIT_VERSION):" || \
		$(CARGO) install --locked wasm_split_cli_support --version $(WASM_SPLIT_VERSION) --features build-binary
	# --emit-relocs (only for the final link, so the dependencies stay cached) lets wasm-split move
	# the code only a lazy route reaches into chunks of its own.
	cd frontend && $(CARGO) rustc --release --target wasm32-unknown-unknown --target-dir $(FRONTEND_TARGET) -- -C link-arg=--emit-relocs
	rm -rf $(DIST) $(FRONTEND_TARGET)/split && mkdir -p $(DIST)
	# The main module goes to the target dir; the chunks (split_*.wasm, chunk_*.wasm) and
	# their loader __wasm_split.js, which frontend.js imports, go to dist.
	wasm-split-cli --target web --out-name frontend $(FRONTEND_TARGET)/wasm32-unknown-unknown/release/frontend.wasm $(DIST)
	mkdir -p $(FRONTEND_TARGET)/split && mv $(DIST)/frontend.wasm $(FRONTEND_TARGET)/split/frontend.wasm
	wasm-bindgen --target web --no-typescript --keep-lld-exports --out-dir $(DIST) --out-name frontend $(FRONTEND_TARGET)/split/frontend.wasm
	for f in $(DIST)/*.wasm; do frontend/node_modules/.bin/wasm-opt -Oz $$f -o $$f || exit 1; done
	# A build id in the chunks' names: a page still running an older build then fails to fetch
	# them (404) rather than instantiating chunks linked against another main module.
	id=$$(cat $(DIST)/*.wasm | sha256sum | cut -c1-10) && cd $(DIST) && \
		for f in split_*.wasm chunk_*.wasm; do mv $$f $${f%.wasm}.$$id.wasm || exit 1; done && \
		sed -i -E "s#\"\./((split|chunk)_[A-Za-z0-9_]+)\.wasm\"#\"./\1.$$id.wasm\"#g" __wasm_split.js
	cp frontend/index.html frontend/boot.js frontend/style.css $(DIST)/
	# The Distribution page's chart library and map outlines, fetched only when that page opens.
	cp frontend/node_modules/echarts/dist/echarts.min.js $(DIST)/
	node frontend/tools/maps.mjs $(DIST)/maps
	gzip -9 -k -f $(DIST)/*.wasm $(DIST)/*.js $(DIST)/style.css $(DIST)/maps/*.json
	@printf 'frontend_bg.wasm: %s bytes, %s bytes gzipped (budget 409600)\n' $$(wc -c < $(DIST)/frontend_bg.wasm) $$(wc -c < $(DIST)/frontend_bg.wasm.gz)
	@printf 'lazily loaded chunks: %s files, %s bytes gzipped\n' $$(ls $(DIST)/split_*.wasm $(DIST)/chunk_*.wasm 2>/dev/null | wc -l) $$(cat $(DIST)/split_*.wasm.gz $(DIST)/chunk_*.wasm.gz 2>/dev/null | wc -c)
	@test $$(wc -c < $(DIST)/frontend_bg.wasm.gz) -le 409600 || echo "WARNING: the web app is over its 400 KB gzipped budget (see README, Development)"
	touch $@

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

## Formatting and clippy -D warnings for the server and the web app (which also proves that
## crm-api-types builds for wasm32), and the wire-types boundary (no diesel).
lint: check-api-types check-app
	$(CARGO) fmt --all -- --check
	cd frontend && $(CARGO) fmt -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	cd frontend && $(CARGO) clippy --target wasm32-unknown-unknown --target-dir $(FRONTEND_TARGET) -- -D warnings

## Supply chain: licenses, duplicate versions and sources of both Cargo workspaces (deny.toml),
## RustSec advisories (cargo deny, cargo audit) and npm audit when those databases can be reached.
## Installs its pinned tools (cargo-deny; cargo-audit only when the advisory database is reachable).
audit:
	CARGO=$(CARGO) bash .ci/audit

check-api-types:
	@if $(CARGO) tree -q -p crm-api-types -i diesel >/dev/null 2>&1; then \
		echo "crm-api-types must not depend on diesel"; exit 1; fi

## The application core knows no HTTP: crm-app must not depend on actix.
check-app:
	@if $(CARGO) tree -q -p crm-app -e normal | grep -q actix; then \
		echo "crm-app must not depend on actix"; exit 1; fi
	@if grep -l actix crates/*/Cargo.toml | grep -v crates/crm-http/; then \
		echo "only crm-http may depend on actix"; exit 1; fi

## Every ratio of docs/PERFORMANCE.md in one run (not a test); installs wrk for the reads part.
bench:
	@command -v wrk >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1 || \
		{ echo "installing wrk (Debian package), the reads part's load generator"; \
		  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } || \
		  echo "could not install wrk: the reads part falls back to ureq client threads"; }
	$(CARGO) build --release -p crm-server --bin crm
	$(CARGO) run --release -p crm-tests --bin bench

## Regenerate the committed OpenAPI document from the handlers.
openapi:
	$(CARGO) run -q -p crm-server --bin crm -- openapi > openapi/openapi.json.tmp
	mv openapi/openapi.json.tmp openapi/openapi.json

clean:
	$(CARGO) clean
