# openelb-ts — every target installs what it needs on a fresh Debian 12 machine (as root).
SHELL := /bin/bash
.DEFAULT_GOAL := help
NPM_STAMP := node_modules/.npm-ci.stamp
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/.tools/bin:$(PATH)

.PHONY: help deps system-deps node-deps tools build typecheck lint check test test-unit test-kube test-contract test-lab test-bgp test-layer2 test-e2e test-deploy lab bench clean

help:
	@echo "make test   - install everything, build, type-check, lint and run every test"
	@echo "make lab    - the seed walkthrough on an embedded lab (ONCE=1 runs it once and exits)"
	@echo "make bench  - benchmarks (see BENCHMARKS.md)"
	@echo "per area:   make test-unit | test-kube | test-contract | test-lab | test-bgp | test-layer2 | test-e2e"

system-deps:
	@bash scripts/install-system-deps.sh

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

node-deps: $(NPM_STAMP)

tools: node-deps
	@bash scripts/install-tools.sh

deps: system-deps node-deps tools

build: node-deps
	npm run build

typecheck: node-deps
	npm run typecheck

lint: node-deps
	npm run lint

check: typecheck lint

test-unit: node-deps
	npm run test:unit

test-kube: deps
	npm run test:kube

test-contract: deps
	npm run test:contract

test-lab: deps
	npm run test:lab

test-bgp: deps
	npm run test:bgp

test-layer2: deps
	npm run test:layer2

test-e2e: deps build
	npm run test:e2e

test-deploy: deps
	npm run test:deploy

test: deps build check test-unit test-kube test-lab test-bgp test-layer2 test-e2e test-deploy
	@echo "make test: all green"

lab: deps build
	@if [ -f test/lab/main.ts ]; then npm run lab -- $(if $(ONCE),--once,); else echo "make lab: the lab arrives with issue 3"; exit 1; fi

bench: deps build
	npm run bench -- $(ARGS)

clean:
	rm -rf dist build .tools
