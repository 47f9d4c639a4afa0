# The two commands a newcomer needs: `make run` and `make test`.
# Everything builds into ./target (override with CARGO_TARGET_DIR).

CARGO ?= cargo
TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),target)
CRM_DATABASE_URL ?= sqlite://./data/crm.db
export CRM_DATABASE_URL

.PHONY: run build test lint openapi check-api-types clean

## Build (release), seed the demo workspace on an empty database, serve on http://127.0.0.1:8080/
run:
	$(CARGO) build --release -p crm-server
	$(TARGET_DIR)/release/crm demo --if-empty
	$(TARGET_DIR)/release/crm serve

build:
	$(CARGO) build --workspace

## Every test on PostgreSQL (CRM_TEST_DATABASE_URL) and SQLite, plus the end-to-end tests of the real binary.
test:
	$(CARGO) build -p crm-server --bin crm
	$(CARGO) test --workspace --no-fail-fast

## Formatting, clippy with -D warnings, and the wire-types boundary (no diesel, builds for wasm32).
lint: check-api-types
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

check-api-types:
	@if $(CARGO) tree -q -p crm-api-types -i diesel >/dev/null 2>&1; then \
		echo "crm-api-types must not depend on diesel"; exit 1; fi
	@if rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown; then \
		$(CARGO) build -q -p crm-api-types --target wasm32-unknown-unknown && echo "crm-api-types builds for wasm32"; \
	else echo "warning: wasm32 target not installed (rustup target add wasm32-unknown-unknown); skipped the wasm build check"; fi

## Regenerate the committed OpenAPI document from the handlers.
openapi:
	$(CARGO) run -q -p crm-server --bin crm -- openapi > openapi/openapi.json

clean:
	$(CARGO) clean
