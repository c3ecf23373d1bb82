# ringwire's build. `make test` is what CI runs (.ci/run); `make bench` is the
# main job: the side-by-side benchmarks, written into BENCHMARKS.md.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

GO          ?= go
FUZZTIME    ?= 3s
STATICCHECK_VERSION := v0.8.2
BIN         := $(CURDIR)/.bin
STATICCHECK := $(BIN)/staticcheck-$(STATICCHECK_VERSION)

# The root module and every sub-module that exists (bench/, fuzz/, interop/).
MODULES := . $(patsubst %/go.mod,%,$(wildcard bench/go.mod fuzz/go.mod interop/go.mod))

.PHONY: all test lint fmt-check vet cross staticcheck importcheck race allocs debug fuzz-smoke fuzz bench bench-all cover clean

all: test

test: lint race allocs debug fuzz-smoke

lint: fmt-check vet cross staticcheck importcheck

fmt-check:
	@out=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	@for m in $(MODULES); do (cd $$m && $(GO) vet ./...) || exit 1; done
	$(GO) vet -tags ringwire_debug ./buffer/...
	cd bench && $(GO) vet -tags iouringgo ./echo/...

# The core module builds off Linux and on 32-bit platforms (the Linux-only
# parts are in _linux.go files); bench/ is Linux amd64 only (its peers are).
cross:
	GOOS=darwin $(GO) build ./...
	GOARCH=386 $(GO) vet ./...
	cd fuzz && GOARCH=386 $(GO) vet ./...

$(STATICCHECK):
	@mkdir -p $(BIN)
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	mv $(BIN)/staticcheck $@

staticcheck: $(STATICCHECK)
	@for m in $(MODULES); do (cd $$m && $(STATICCHECK) ./...) || exit 1; done
	$(STATICCHECK) -tags ringwire_debug ./buffer/...
	cd bench && $(STATICCHECK) -tags iouringgo ./echo/...

importcheck:
	$(GO) run ./internal/tools/importcheck
	$(GO) run ./internal/tools/genwalk -dir codec -check

race:
	@for m in $(MODULES); do (cd $$m && $(GO) test -race -count=1 ./...) || exit 1; done

# The zero-allocation tests (AllocsPerRun) of paths that take their state
# from sync.Pools: the race detector empties pools at random, so they are
# built !race and run here without it.
allocs:
	$(GO) test -count=1 -run 'Alloc' ./...

# The buffer's extra checks: poisoned memory, use-after-close and double-release
# panics (build tag ringwire_debug), with and without the race detector.
debug:
	$(GO) test -count=1 -tags ringwire_debug ./buffer/...
	$(GO) test -race -count=1 -tags ringwire_debug ./buffer/...

# Every native fuzz target, FUZZTIME each: a smoke run in `make test`, a
# campaign in `make fuzz`.
fuzz-smoke:
	@scripts/fuzz-all $(FUZZTIME)

fuzz:
	@scripts/fuzz-all $(if $(filter command line environment,$(origin FUZZTIME)),$(FUZZTIME),60s)

bench:
	cd bench && $(GO) run ./cmd/benchtab -o ../BENCHMARKS.md

# Every suite: buffer, poller and conn (about 9 minutes).
bench-all:
	cd bench && $(GO) run ./cmd/benchtab -suite all -o ../BENCHMARKS.md

cover:
	$(GO) test -count=1 -coverprofile=cover.out ./...
	$(GO) tool cover -func=cover.out | tail -n 1
	$(GO) tool cover -html=cover.out -o cover.html
	@echo "cover.html written"

clean:
	rm -rf $(BIN) cover.out cover.html
