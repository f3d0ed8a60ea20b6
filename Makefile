# The same commands on a laptop and in CI. `make help` lists them.
PY ?= .venv/bin/python
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(CURDIR)/.venv/bin:$(PATH)

.PHONY: help install run generate lint format test bench models

help:
	@echo "install   create .venv with Vigil and the test tools (buf from npm)"
	@echo "run       start the platform (Envoy + every gRPC service, SQLite in ./data)"
	@echo "generate  regenerate gen/ and envoy/descriptor.pb from proto/"
	@echo "lint      buf lint + buf format, ruff, mypy, generated code current, tsc (console)"
	@echo "format    buf format -w, ruff format"
	@echo "test      every test, on SQLite and PostgreSQL (scripts/test.sh)"
	@echo "bench     every benchmark: edge, inference, upload, classify, catalog, analysis, events, motion, engine_analysis, recognition, search, plates (minutes)"

install:
	scripts/bootstrap.sh test

run:
	scripts/run.sh

generate:
	$(PY) scripts/generate.py

lint:
	buf lint
	buf format -d --exit-code
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy services scripts tests benchmarks
	$(PY) scripts/generate.py --check
	console/node_modules/.bin/tsc --noEmit -p console

format:
	buf format -w
	$(PY) -m ruff format .

test:
	scripts/test.sh

models:
	$(PY) scripts/fetch_models.py

bench:
	$(PY) -m benchmarks.edge
	$(PY) -m benchmarks.inference
	$(PY) -m benchmarks.upload
	$(PY) -m benchmarks.classify
	$(PY) -m benchmarks.catalog
	$(PY) -m benchmarks.analysis
	$(PY) -m benchmarks.events
	$(PY) -m benchmarks.motion
	$(PY) -m benchmarks.engine_analysis
	$(PY) -m benchmarks.recognition
	$(PY) -m benchmarks.search
	$(PY) -m benchmarks.plates
