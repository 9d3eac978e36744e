# Two commands on a fresh machine: `make run` and `make test`. Each installs what is missing first.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_STAMP := var/.system-packages

.PHONY: run test install system-packages venv-interpreter bytecode lint unit postgres-tests bench clean


run: install
	$(BIN)/negotiation demo
	$(BIN)/negotiation serve --host 127.0.0.1 --port 8000

test: install lint
	$(BIN)/pytest -q
	$(MAKE) postgres-tests

install: system-packages $(STAMP) negotiation/fonts/XieshangSerif-GB2312.ttf bytecode

# The project's own modules compiled, as pip compiles what it installs, so that a new process (a worker, a
# `negotiation render`) reads them instead of compiling ~20 of them again; where PYTHONDONTWRITEBYTECODE is set
# Python never writes them itself. Only what changed is compiled again.
bytecode: | $(STAMP)
	@$(PY) -m compileall -q negotiation api

# The contract font: Noto Serif CJK SC cut down once to GB2312 with TrueType outlines (OFL, licence alongside);
# rebuilt when the code that cuts it changes.
negotiation/fonts/XieshangSerif-GB2312.ttf: negotiation/documents/fonts.py | $(STAMP)
	$(PY) scripts/build_fonts.py --force

system-packages:
	@bash scripts/install_system_packages.sh

# .venv is made from the fastest CPython >= 3.11 on the machine (scripts/fastest_python.py; bench/README.md has the
# figures); `make PYTHON=/path/to/python3.x …` chooses another and remakes .venv when it differs.
$(STAMP): pyproject.toml | system-packages venv-interpreter
	PYTHON="$(PYTHON)" bash scripts/make_venv.sh build $(VENV)
	touch $(STAMP)

venv-interpreter:
	@PYTHON="$(PYTHON)" bash scripts/make_venv.sh check $(VENV)

lint: install
	$(BIN)/ruff check negotiation api tests bench
	$(BIN)/ruff format --check negotiation api tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

postgres-tests: install
	bash scripts/with_postgres.sh $(BIN)/pytest -q -m postgres tests/integration tests/e2e/proof

bench: install
	$(PY) bench/api.py

clean:
	rm -rf var $(VENV) .pytest_cache .mypy_cache .ruff_cache
