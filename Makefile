# gatecrash: fault injection for HTTP gateways.
#   make run    run the builtin example suite (nothing else to install)
#   make test   run every test (nginx and xmllint are used when installed)

GO      ?= go
BIN     := bin/gatecrash
OUT     := out
GOFILES := $(shell git ls-files '*.go' 2>/dev/null)

.PHONY: all build run test bench lint clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/gatecrash

run: build
	$(BIN) run --junit $(OUT)/junit.xml scenarios/examples/builtin.yaml
	@echo "JUnit report: $(OUT)/junit.xml"

test:
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 12m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...

lint:
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin $(OUT)
