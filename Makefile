# gatecrash: fault injection for HTTP gateways.
#   make run    run the builtin example suite (nothing else to install)
#   make test   run every test (nginx and xmllint are used when installed)

GO      ?= go
BIN     := bin/gatecrash
OUT     := out

.PHONY: all build run test bench lint docs fuzz soak clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/gatecrash

run: build
	$(BIN) run --junit $(OUT)/junit.xml --json $(OUT)/report.json --markdown $(OUT)/summary.md --html $(OUT)/report.html \
		scenarios/examples/builtin.yaml scenarios/examples/builtin-*.yaml
	@echo "Reports: $(OUT)/junit.xml, $(OUT)/report.json, $(OUT)/summary.md, $(OUT)/report.html"

test:
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 14m ./...

# Benchmarks: each reports its figures next to the baseline it measured in
# the same run (the origin reached directly, the request without the fault,
# the 10ms budget), as ratios that hold on a busy machine.
bench:
	$(GO) test -run '^$$' -bench 'UpDown|ProxyPath' -benchtime 2s -benchmem -count=1 ./harness/
	$(GO) test -run '^$$' -bench 'InjectedDelay' -benchtime 100x -count=1 ./harness/
	$(GO) test -run '^$$' -bench 'ParallelSuite|ThousandScenarios' -benchtime 1x -count=1 ./cmd/gatecrash/

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Fuzzes the suite loader and the client's reading of answers, briefly;
# findings land in testdata/fuzz and then run with every go test.
FUZZTIME ?= 15s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./scenarios/
	$(GO) test -run '^$$' -fuzz FuzzClientAnswer -fuzztime $(FUZZTIME) ./harness/

# Runs the example suites again and again with a busy core and prints runs
# and flakes per scenario: make soak SOAK_MINUTES=20.
soak:
	SOAK_MINUTES=$(or $(SOAK_MINUTES),10) SOAK_RUNS=$(or $(SOAK_RUNS),1000) bash .ci/soak

# Regenerates the README's fault table from the registry.
docs:
	@mkdir -p $(OUT)
	$(GO) run ./cmd/gatecrash faults --markdown > $(OUT)/faults.md
	awk -v table=$(OUT)/faults.md '/<!-- faults:end -->/ { skip = 0 } !skip { print } /<!-- faults:begin -->/ { while ((getline line < table) > 0) print line; skip = 1 }' README.md > README.md.tmp
	mv README.md.tmp README.md

clean:
	rm -rf bin $(OUT)
