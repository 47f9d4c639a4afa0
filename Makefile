# The two commands a newcomer needs: `make run` and `make test`.
# Everything builds into ./target (override with CARGO_TARGET_DIR).

CARGO ?= cargo
TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),target)
CRM_DATABASE_URL ?= sqlite://./data/crm.db
export CRM_DATABASE_URL

.PHONY: run build test lint openapi check-api-types clean frontend test-browser bench

# Must equal the wasm-bindgen version pinned in frontend/Cargo.toml.
WASM_BINDGEN_VERSION := 0.2.130
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
	$(MAKE) test-browser

## The web app in a real Chromium against the real binary (needs `make frontend` and Debian's chromium).
test-browser:
	$(CARGO) build -p crm-server --bin crm
	node frontend/tests/catalog.mjs
	cd frontend && SCREENSHOT_DIR=$(abspath $(TARGET_DIR))/screenshots node tests/spa.mjs $(abspath $(TARGET_DIR))/debug/crm $(abspath $(DIST))

## The web app: release wasm → wasm-bindgen → wasm-opt (npm binaryen) → frontend/dist, rebuilt only when a
## source changed. Offline apart from the registries.
frontend: $(DIST)/.built

FRONTEND_SOURCES := $(shell find frontend/src frontend/locales crates/crm-api-types/src crates/crm-domain/src -type f) \
	frontend/Cargo.toml frontend/Cargo.lock frontend/index.html frontend/style.css frontend/tools/maps.mjs \
	migrations/postgres/2026-11-22-000002_regions_data/up.sql

$(DIST)/.built: $(FRONTEND_SOURCES) frontend/node_modules/.installed
	@wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)" || $(CARGO) install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)
	cd frontend && $(CARGO) build --release --target wasm32-unknown-unknown --target-dir $(FRONTEND_TARGET)
	rm -rf $(DIST) && mkdir -p $(DIST)
	wasm-bindgen --target web --no-typescript --out-dir $(DIST) --out-name frontend $(FRONTEND_TARGET)/wasm32-unknown-unknown/release/frontend.wasm
	frontend/node_modules/.bin/wasm-opt -Oz $(DIST)/frontend_bg.wasm -o $(DIST)/frontend_bg.wasm
	cp frontend/index.html frontend/style.css $(DIST)/
	# The Distribution page's chart library and map outlines, fetched only when that page opens.
	cp frontend/node_modules/echarts/dist/echarts.min.js $(DIST)/
	node frontend/tools/maps.mjs $(DIST)/maps
	gzip -9 -k -f $(DIST)/frontend_bg.wasm $(DIST)/frontend.js $(DIST)/style.css $(DIST)/echarts.min.js $(DIST)/maps/*.json
	@printf 'frontend_bg.wasm: %s bytes, %s bytes gzipped (budget 409600)\n' $$(wc -c < $(DIST)/frontend_bg.wasm) $$(wc -c < $(DIST)/frontend_bg.wasm.gz)
	@test $$(wc -c < $(DIST)/frontend_bg.wasm.gz) -le 409600 || echo "WARNING: the web app is over its 400 KB gzipped budget (see README, Development)"
	touch $@

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

## Formatting and clippy -D warnings for the server and the web app (which also proves that
## crm-api-types builds for wasm32), and the wire-types boundary (no diesel).
lint: check-api-types
	$(CARGO) fmt --all -- --check
	cd frontend && $(CARGO) fmt -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	cd frontend && $(CARGO) clippy --target wasm32-unknown-unknown --target-dir $(FRONTEND_TARGET) -- -D warnings

check-api-types:
	@if $(CARGO) tree -q -p crm-api-types -i diesel >/dev/null 2>&1; then \
		echo "crm-api-types must not depend on diesel"; exit 1; fi

## Regenerate the committed OpenAPI document from the handlers.
# Batch-upsert throughput against psql \copy and sqlite3 .import (not a test).
bench:
	$(CARGO) run --release -p crm-tests --bin bench

openapi:
	$(CARGO) run -q -p crm-server --bin crm -- openapi > openapi/openapi.json

clean:
	$(CARGO) clean
