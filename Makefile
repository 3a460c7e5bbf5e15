# Quick start: `make synth`, then `make test`. Each target bootstraps what it needs.
SHELL := /bin/bash
.DEFAULT_GOAL := synth
export NODE_OPTIONS := --experimental-vm-modules --no-warnings=ExperimentalWarning

NODE_STAMP := node_modules/.install-stamp

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

.PHONY: synth test typecheck unit tools bench clean
## Render and validate every environment into dist/ (atomic: a failure leaves dist/ as it was).
synth: $(NODE_STAMP)
	npx tsx main.ts

## Build the pinned upstream binaries the tests run (cached outside git; quick when warm).
tools: $(NODE_STAMP)
	npx tsx tools/build.ts

typecheck: $(NODE_STAMP)
	npx tsc --noEmit

## Everything CI runs.
test: $(NODE_STAMP) tools typecheck
	npx jest --ci

## Median cold synth of all environments.
bench: $(NODE_STAMP)
	npx tsx bench/synth.ts

clean:
	rm -rf node_modules dist.tmp-* dist.old-*
