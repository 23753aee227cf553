# xbuild: see README.md. Targets that build or run containers need root.
GO      ?= go
BIN     ?= ./xbuild
# libcontainer's nsenter is cgo: link statically against glibc so the
# binary runs on any host (osusergo/netgo keep libc's NSS out of it).
TAGS    := osusergo,netgo
LDFLAGS := -s -w -extldflags=-static
export CGO_ENABLED = 1

.PHONY: build deps test demo bench e2e lint clean

build:
	$(GO) build -tags $(TAGS) -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/xbuild

deps:
	./scripts/deps.sh

# The README's test command: set-up, lint, every test (root needed: the
# sandbox, loop devices and QEMU are real).
test: deps build lint
	$(GO) test -count=1 -timeout 40m ./...

demo: deps build
	$(BIN) demo

bench: deps build
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./cache/ ./test/...

# Long proofs: the whole toolchain stage built and verified for real, the
# Xen boot. Hours, not minutes.
e2e: deps build
	$(GO) test -count=1 -tags e2e -timeout 6h -v ./test/...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -f $(BIN)
