# doorsync — `make help` lists the targets.
MODULE  := github.com/doorsync/doorsync
BIN     := doorsync
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X $(MODULE)/internal/build.Version=$(VERSION) \
           -X $(MODULE)/internal/build.Commit=$(COMMIT) -X $(MODULE)/internal/build.Date=$(DATE)
GO_BUILD = CGO_ENABLED=0 go build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/doorsync
BENCH   ?= .
COUNT   ?= 5

.DEFAULT_GOAL := help

.PHONY: help
help: ## show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## build ./doorsync for this machine (CGO off, version stamped)
	$(GO_BUILD)

.PHONY: test
test: lint ## everything CI runs: gofmt, go vet, and all tests (with -race, fuzz seed corpora included)
	go test -race -count=1 -timeout 8m ./...

# Instants `make test-dates` runs the end-to-end suites at (DOORSYNC_TEST_NOW,
# RFC 3339; internal/clock/clocktest.Awkward names the same ones): a minute
# before each DST change in Europe/Ljubljana, a leap day, a minute before a
# new year, and 2037, the last year a terminal holds.
TEST_DATES := 2026-03-29T01:59:00+01:00 2026-10-25T02:59:00+02:00 2028-02-29T12:00:00+01:00 2026-12-31T23:59:00+01:00 2037-06-15T12:00:00+02:00
DATE_PKGS  := ./internal/cli/ ./internal/apply/ ./internal/engine/ ./internal/emulator/... ./internal/target/...

.PHONY: test-dates
test-dates: ## run the end-to-end suites with the tests' clock at each of TEST_DATES (no -race)
	@failed=""; for d in $(TEST_DATES); do \
	  echo "== DOORSYNC_TEST_NOW=$$d"; \
	  DOORSYNC_TEST_NOW=$$d go test -count=1 -timeout 10m $(DATE_PKGS) || failed="$$failed $$d"; \
	done; \
	if [ -n "$$failed" ]; then echo "test-dates failed at:$$failed"; exit 1; fi

# Packages with golden files (testdata/**/*.golden written by charmbracelet/x/exp/golden).
GOLDEN_PKGS := ./tui/ ./internal/cli/

.PHONY: golden
golden: ## rewrite the golden files of the console screens ($(GOLDEN_PKGS)); review the diff
	go test -count=1 -run '^TestGolden' $(GOLDEN_PKGS) -update

.PHONY: lint
lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	go vet ./...

.PHONY: bench
bench: ## run the Go benchmarks (BENCH=regexp COUNT=n); compare runs with benchstat
	go test -run '^$$' -bench '$(BENCH)' -benchmem -count $(COUNT) -timeout 30m ./...

.PHONY: fuzz
fuzz: ## fuzz every parser for FUZZTIME each (default 30s); local only, CI runs the seed corpora
	@for p in $$(go list ./...); do \
	  for f in $$(go test -list '^Fuzz' $$p 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$p $$f"; go test -run '^$$' -fuzz "^$$f$$" -fuzztime $${FUZZTIME:-30s} $$p || exit 1; \
	  done; \
	done

.PHONY: demo
demo: ## start the built-in emulators and show doorsync working against them
	@# `go run` compiled for a minute in silence before the console drew
	@# anything (issue 13 §16): say so, build, then start.
	@echo "doorsync demo: building doorsync first (the first build takes about a minute)…"
	@$(GO_BUILD)
	@echo "doorsync demo: starting the emulators and the console…"
	./$(BIN) demo

# goreleaser is a Go tool dependency of its own module (tools/go.mod), so the
# project's go.mod stays small and a fresh machine needs nothing but Go. Its
# first build takes several minutes.
GORELEASER := go tool -modfile=tools/go.mod goreleaser

.PHONY: package
package: ## build the .deb and .rpm (linux amd64, arm64) and release archives into dist/ with goreleaser, then check the packages
	$(GORELEASER) release --snapshot --clean
	DOORSYNC_PACKAGES=$(CURDIR)/dist go test -count=1 -v -run '^TestBuiltPackages$$' ./packaging/

# Minimal Debian roots made once by debootstrap (needs root and Debian's
# mirror): one to install into, one with systemd to boot in systemd-nspawn
# (apt-get install debootstrap systemd-container rpm).
INSTALL_BASE ?= build/debian-root
SYSTEMD_BASE ?= build/debian-systemd-root

.PHONY: package-install-test
package-install-test: ## as root, after make package: install the .deb and .rpm in throwaway Debian roots, follow the operator guide, run the units under systemd
	@test "$$(id -u)" = 0 || { echo "package-install-test needs root (chroot, dpkg, mount, systemd-nspawn)"; exit 1; }
	@test -d $(INSTALL_BASE) || debootstrap --variant=minbase bookworm $(INSTALL_BASE)
	@test -d $(SYSTEMD_BASE) || debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus bookworm $(SYSTEMD_BASE)
	DOORSYNC_PACKAGES=$(CURDIR)/dist DOORSYNC_INSTALL_BASE=$(abspath $(INSTALL_BASE)) DOORSYNC_SYSTEMD_BASE=$(abspath $(SYSTEMD_BASE)) \
	  go test -count=1 -v -timeout 15m -run '^(TestInstallInThrowawayRoot|TestUnitsUnderSystemd)$$' ./packaging/

.PHONY: clean
clean: ## remove build outputs
	rm -rf $(BIN) dist build coverage.out
