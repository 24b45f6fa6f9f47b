# gatecrash: fault injection for HTTP gateways.
#   make run    run the builtin example suite (nothing else to install)
#   make test   run every test (nginx and xmllint are used when installed)

GO      ?= go
BIN     := bin/gatecrash
OUT     := out

.PHONY: all build run test bench lint docs clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/gatecrash

run: build
	$(BIN) run --junit $(OUT)/junit.xml --json $(OUT)/report.json scenarios/examples/builtin.yaml scenarios/examples/builtin-*.yaml
	@echo "JUnit report: $(OUT)/junit.xml, JSON report: $(OUT)/report.json"

test:
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 12m ./...

# Benchmarks, each figure printed next to its baseline from the same run.
bench:
	@mkdir -p $(OUT)
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./... | tee $(OUT)/bench.txt
	@awk '/^BenchmarkOriginDirect/ { direct = $$3 } /^BenchmarkOriginThroughProxy/ { proxy = $$3 } \
	  END { if (direct && proxy) printf "\nproxy path: %.0f ns/op against %.0f ns/op direct: %.2fx the time, %.0f%% of direct requests/s\n", proxy, direct, proxy / direct, 100 * direct / proxy }' $(OUT)/bench.txt

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Regenerates the README's fault table from the registry.
docs:
	@mkdir -p $(OUT)
	$(GO) run ./cmd/gatecrash faults --markdown > $(OUT)/faults.md
	awk -v table=$(OUT)/faults.md '/<!-- faults:end -->/ { skip = 0 } !skip { print } /<!-- faults:begin -->/ { while ((getline line < table) > 0) print line; skip = 1 }' README.md > README.md.tmp
	mv README.md.tmp README.md

clean:
	rm -rf bin $(OUT)
