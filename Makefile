# The project's entry points. Each installs the Debian packages it needs first.
SWIFT ?= swift
# What building needs: the C libraries behind the system-library targets.
BUILD_PACKAGES := libssl-dev libsqlite3-dev libmicrohttpd-dev libcurl4-openssl-dev
# What the tests need besides: the tools and languages the integration guide's examples run
# with (docs/integration.md), Python for schemathesis, and a headless browser for the payment page.
TEST_PACKAGES := $(BUILD_PACKAGES) curl openssl python3 python3-venv nodejs chromium chromium-driver
# What the benchmark needs besides: a C compiler for the shared load generator, and for the
# callback part Python (its receiver), curl and sqlite3 (to look at what the server did).
BENCH_PACKAGES := $(BUILD_PACKAGES) gcc python3 curl sqlite3
# Options for `make run`, e.g. make run ARGS="--port 9090".
ARGS ?=

.PHONY: build run test bench format lint

build:
	scripts/install-packages $(BUILD_PACKAGES)
	$(SWIFT) build -c release --product elmomento

run: build
	.build/release/elmomento serve --demo $(ARGS)

test: lint
	scripts/install-packages $(TEST_PACKAGES)
	scripts/install-python-tools >/dev/null
	$(SWIFT) build --build-tests
	$(SWIFT) test

# Throughput and memory of the HTTP engine, with the shared load generator; then callback
# delivery to a loopback receiver.
bench: build
	scripts/install-packages $(BENCH_PACKAGES)
	scripts/bench
	scripts/bench-callbacks

format:
	swift-format format --in-place --recursive Package.swift Sources Tests

lint:
	swift-format lint --strict --recursive Package.swift Sources Tests
