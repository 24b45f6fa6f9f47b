# gatecrash: fault injection for HTTP gateways.
#   make run    run the builtin example suite (nothing else to install)
#   make test   run every test (nginx and xmllint are used when installed)
#   make atlas  probe every example gateway installed, regenerate docs/atlas.md

GO      ?= go
BIN     := bin/gatecrash
OUT     := out

.PHONY: all build run test bench lint docs fuzz soak clean atlas atlas-docs

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
	$(GO) test -run '^$$' -bench 'Load' -benchtime 5x -benchmem -count=1 ./harness/
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

# The gateway atlas: probes the builtin gateway and each example gateway
# that is installed (skipping, and saying so, those that are not) over the
# whole catalog, keeps each probe with the gateway's version in
# docs/atlas/GATEWAY.json, then writes docs/atlas.md and docs/atlas.html
# from every docs/atlas/*.json. A gateway not installed keeps its last entry.
ATLAS := docs/atlas

# atlas_probe DIR,NAME,COMMAND,VERSION-COMMAND,MORE: probe the example
# suite in scenarios/examples/DIR into docs/atlas/DIR.json, the gateway
# named NAME, or say it is skipped when COMMAND is not installed. MORE is
# the faults the example suite cannot host, each list probed on another
# suite of DIR that can: FILE=FAULTS,... (several origin instances, the
# origin's h2c endpoint, a WebSocket or an event stream, a gRPC call). A
# fault in several probes is taken from the first.
define atlas_probe
	@if command -v $(3) >/dev/null 2>&1; then \
		echo "atlas: probing $(2) ($$($(4)))"; \
		$(BIN) probe --suite scenarios/examples/$(1)/suite.yaml --json > $(OUT)/atlas/$(1).probe.json || exit 1; \
		probes=$(OUT)/atlas/$(1).probe.json; \
		for more in $(5); do \
			file=$${more%%=*}; \
			$(BIN) probe --suite scenarios/examples/$(1)/$$file --faults $${more#*=} --json > $(OUT)/atlas/$(1).$$file.probe.json || exit 1; \
			probes="$$probes $(OUT)/atlas/$(1).$$file.probe.json"; \
		done; \
		$(BIN) atlas --entry $(ATLAS)/$(1).json --gateway $(2) --gateway-version "$$($(4))" $$probes || exit 1; \
	else \
		echo "atlas: skipping $(2): $(3) is not installed"; \
	fi
endef

# The catalog's faults by what they need of a suite: several origin
# instances; the origin's h2c endpoint; a gRPC call; a WebSocket or an
# event stream; and the desync faults, probed on a gateway that pools its
# connections to the origin.
ATLAS_INSTANCE_FAULTS := one_origin_down
ATLAS_H2C_FAULTS := h2_rst_before_headers,h2_rst_after_headers,h2_rst_mid_data,h2_goaway,h2_max_concurrent_streams_zero,h2_http1_answer,h2_invalid_headers,h2_data_beyond_content_length,h2_flow_control_stall
ATLAS_GRPC_FAULTS := grpc_status,grpc_trailers_only,grpc_trailers_missing,grpc_message_cut,grpc_no_answer
ATLAS_STREAM_FAULTS := ws_upgrade_refused,ws_no_switch,ws_drop_mid_message,ws_stall,sse_cut_mid_event,sse_stall
ATLAS_DESYNC_FAULTS := desync_extra_answer,desync_content_length_short,desync_cl_te,desync_interim,desync_switch_without_upgrade

atlas: build
	@mkdir -p $(OUT)/atlas $(ATLAS)
	@echo "atlas: probing builtin"
	$(BIN) probe --suite scenarios/examples/builtin-desync.yaml --faults $(ATLAS_DESYNC_FAULTS) --json > $(OUT)/atlas/builtin.desync.probe.json
	$(BIN) probe --json > $(OUT)/atlas/builtin.probe.json
	$(BIN) probe --suite scenarios/examples/builtin-instances.yaml --faults $(ATLAS_INSTANCE_FAULTS) --json > $(OUT)/atlas/builtin.instances.probe.json
	$(BIN) probe --suite scenarios/examples/builtin-h2c.yaml --faults $(ATLAS_H2C_FAULTS) --json > $(OUT)/atlas/builtin.h2c.probe.json
	$(BIN) probe --suite scenarios/examples/builtin-grpc.yaml --faults $(ATLAS_GRPC_FAULTS) --json > $(OUT)/atlas/builtin.grpc.probe.json
	$(BIN) probe --suite scenarios/examples/builtin-streams.yaml --faults $(ATLAS_STREAM_FAULTS) --json > $(OUT)/atlas/builtin.streams.probe.json
	$(BIN) atlas --entry $(ATLAS)/builtin.json --gateway builtin --gateway-version "httputil.ReverseProxy, $$($(GO) env GOVERSION)" \
		$(OUT)/atlas/builtin.desync.probe.json $(OUT)/atlas/builtin.probe.json $(OUT)/atlas/builtin.instances.probe.json \
		$(OUT)/atlas/builtin.h2c.probe.json $(OUT)/atlas/builtin.grpc.probe.json $(OUT)/atlas/builtin.streams.probe.json
	$(call atlas_probe,nginx,nginx,nginx,nginx -v 2>&1,instances.yaml=$(ATLAS_INSTANCE_FAULTS) grpc.yaml=$(ATLAS_GRPC_FAULTS) streams.yaml=$(ATLAS_STREAM_FAULTS))
	$(call atlas_probe,haproxy,HAProxy,haproxy,haproxy -v 2>&1 | head -n1,instances.yaml=$(ATLAS_INSTANCE_FAULTS) h2.yaml=$(ATLAS_H2C_FAULTS))
	$(call atlas_probe,caddy,Caddy,caddy,caddy version 2>&1 | head -n1,instances.yaml=$(ATLAS_INSTANCE_FAULTS) h2.yaml=$(ATLAS_H2C_FAULTS))
	$(call atlas_probe,apache,Apache,apache2,apache2 -v 2>/dev/null | head -n1,h2.yaml=$(ATLAS_H2C_FAULTS) streams.yaml=$(ATLAS_STREAM_FAULTS))
	$(BIN) atlas --out docs $(ATLAS)/*.json

# Regenerates docs/atlas.md and docs/atlas.html from docs/atlas/*.json
# alone, probing nothing.
atlas-docs: build
	$(BIN) atlas --out docs $(ATLAS)/*.json

clean:
	rm -rf bin $(OUT)
