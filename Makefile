# Thin wrapper around CMake/CTest.  `make help` lists the targets.
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?= -DMFD_WERROR=ON
DEPS = sh src/tools/deps.sh
MFD = $(BUILD)/src/apps/mfd

.PHONY: all build deps test test-all test-mutants test-asan test-valgrind fuzz bench experiments figures paper clean help

all: build

help:
	@echo "make             configure and build into $(BUILD)/"
	@echo "make test        install what is missing, build, run every test but the slow ones"
	@echo "make test-all    the same with the slow tests (a local Slurm cluster: installs slurm, munge, parallel)"
	@echo "make experiments install what is missing, build, run every experiment and check every claim"
	@echo "make figures     draw every experiment's figures from its results (gnuplot)"
	@echo "make paper       the report paper/mfdyn.pdf from the results (LaTeX: installs texlive as root)"
	@echo "make bench       speed benchmarks (mfdyn against NumPy and the GEMM rate)"
	@echo "make test-mutants seeded bugs in a copy of the tree against the quick claims (about 40 minutes)"
	@echo "make test-asan   the unit, cli and regression tests under ASan and UBSan (build-asan/)"
	@echo "make test-valgrind the cli tests with every program under valgrind memcheck"
	@echo "make fuzz        libFuzzer on the spec, key=value and .npy parsers (FUZZ_SECONDS each, clang)"
	@echo "make deps        install the Debian packages (as root) or print the apt-get line"
	@echo "make clean       remove $(BUILD)/"

build:
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) > $(BUILD).configure.log 2>&1 || { cat $(BUILD).configure.log; exit 1; }
	@rm -f $(BUILD).configure.log
	cmake --build $(BUILD) -j $(JOBS)

deps:
	$(DEPS) build test bench experiments paper slurm

test:
	@$(DEPS) build test
	@$(MAKE) --no-print-directory build
	cd $(BUILD) && ctest --output-on-failure --label-exclude "slow|mutants" -j $(JOBS)

test-all:
	@$(DEPS) build test slurm
	@$(MAKE) --no-print-directory build
	cd $(BUILD) && ctest --output-on-failure --label-exclude mutants -j $(JOBS)

# The mutation tier: seeded bugs against the quick claims (about 40 minutes).
test-mutants:
	@$(DEPS) build test
	@$(MAKE) --no-print-directory build
	cd $(BUILD) && ctest --output-on-failure -V -L mutants

bench:
	@$(DEPS) build bench
	@$(MAKE) --no-print-directory build
	sh tests/bench/run_bench.sh $(BUILD)

# Every spec in experiments/ (resumable: complete runs are skipped), every
# figure (JOBS specs' figures at a time), then every claim; exit 1 if a run,
# a figure or a claim failed, after printing the table.
experiments:
	@$(DEPS) build experiments
	@$(MAKE) --no-print-directory build
	@status=0; \
	$(MFD) run --all -j $(JOBS) || status=1; \
	$(MFD) list | awk 'NR > 1 { print $$1 }' | xargs -P $(JOBS) -n 4 $(MFD) plot || status=1; \
	$(MFD) check --all || status=1; \
	exit $$status

# The figures of the runs that are there (results/X/figures/*.pdf, *.png).
figures:
	@$(DEPS) build experiments
	@$(MAKE) --no-print-directory build
	$(MFD) plot --all

# The report, from the results of `make experiments` (results/ by default).
RESULTS ?= results
paper:
	@$(DEPS) paper
	@test -f $(RESULTS)/claims.tex || { echo "make paper: no $(RESULTS)/claims.tex: run make experiments first"; exit 1; }
	@cd paper && for pass in 1 2; do \
	    pdflatex -interaction=nonstopmode -halt-on-error -jobname=mfdyn \
	        "\def\resultsdir{../$(RESULTS)}\input{mfdyn.tex}" > mfdyn.build.log 2>&1 || \
	        { tail -n 30 mfdyn.build.log; echo "make paper: pdflatex failed (paper/mfdyn.build.log)"; exit 1; }; \
	done
	@echo "paper/mfdyn.pdf"

# Fuzzing (clang's libFuzzer with ASan and UBSan) of the spec parser, the
# key=value parser and the .npy reader, FUZZ_SECONDS each; new inputs go to
# build-fuzz/corpus/<target> (tests/fuzz/corpus holds the kept ones).
FUZZ_SECONDS ?= 60
fuzz:
	@$(DEPS) build fuzz
	@CC=clang cmake -S . -B build-fuzz -DMFD_FUZZ=ON > build-fuzz.configure.log 2>&1 || { cat build-fuzz.configure.log; exit 1; }
	@rm -f build-fuzz.configure.log
	cmake --build build-fuzz -j $(JOBS) --target fuzz_spec fuzz_param fuzz_npy
	@for t in spec param npy; do \
	    mkdir -p build-fuzz/corpus/$$t; \
	    build-fuzz/tests/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	        -print_final_stats=1 -artifact_prefix=build-fuzz/$$t- \
	        build-fuzz/corpus/$$t tests/fuzz/corpus/$$t > build-fuzz/fuzz_$$t.log 2>&1; status=$$?; \
	    echo "fuzz_$$t: $$(grep -E '^stat::number_of_executed_units' build-fuzz/fuzz_$$t.log | cut -d: -f4) inputs in $(FUZZ_SECONDS) s, exit $$status"; \
	    [ $$status -eq 0 ] || { tail -n 40 build-fuzz/fuzz_$$t.log; exit 1; }; \
	done

# The unit and cli tests built with AddressSanitizer and UBSan.
test-asan:
	@$(DEPS) build test
	@cmake -S . -B build-asan -DMFD_SANITIZE=ON -DMFD_WERROR=ON > build-asan.configure.log 2>&1 || { cat build-asan.configure.log; exit 1; }
	@rm -f build-asan.configure.log
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -L "unit|cli|regression" -j $(JOBS)

# The cli tests with every program under valgrind memcheck.
test-valgrind: build
	sh tests/valgrind/cli_valgrind.sh $(BUILD) . $(BUILD)/work/valgrind

clean:
	rm -rf $(BUILD)
