# The two commands a new machine needs: `make run` and `make test`.
# Each creates .venv and installs the project into it when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-clock test-region browser faketime bridge clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/sferum run

test: $(STAMP) browser faketime
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n auto
	$(MAKE) --no-print-directory test-region
	$(MAKE) --no-print-directory test-clock

# The storage and service contract suite again on a region's engines: the core database on the
# local PostgreSQL (a fresh schema per test) and dialogs, per-conversation locks and VK rate limits
# in the local Redis (a key prefix per test). Every test that opens the database through the `db`
# fixture or the bot harness runs here; tests of SQLite itself stay on SQLite. In CI (CI=true) a
# server that does not answer fails the run; on a machine without them this pass is skipped.
TEST_POSTGRES_URL ?= postgresql://127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
REGION_TESTS := tests/core tests/bots tests/miniapp tests/sferum
test-region: $(STAMP)
	@SFERUM_TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) SFERUM_TEST_REDIS_URL=$(TEST_REDIS_URL) \
	  $(BIN)/python -m tests.servers; status=$$?; \
	if [ $$status = 2 ]; then echo "PostgreSQL и Redis недоступны: проверка на них пропущена."; exit 0; fi; \
	[ $$status = 0 ] || exit 1; \
	echo "Тесты на PostgreSQL и Redis:"; \
	SFERUM_TEST_DB_URL=$(TEST_POSTGRES_URL) SFERUM_TEST_REDIS_URL=$(TEST_REDIS_URL) \
	  $(BIN)/python -m pytest -q -n auto $(REGION_TESTS)

# The suite must not depend on the day it runs: the date-sensitive part of it again with the
# machine clock moved a year ahead and a year back (Debian's faketime; monotonic time is left
# alone so timeouts stay real). Chromium is started without libfaketime (tests/browser.py).
# What runs again there: the date-sensitive core tests, and every test file that runs on real time
# (`sferum run`'s StartedClock, CLI commands on the system clock, its own wall-clock reads). All
# other tests run on a pinned ManualClock, which a moved machine clock cannot reach, because
# product code reads time only from the injected clock (tests/test_wall_clock.py fails otherwise).
REAL_TIME := SystemClock|StartedClock|sferum\.app|sferum\.cli|sferum\.commands|from core\.cli|cli\.main|import main\b|time\.time\(|datetime\.now|date\.today
CLOCK_TESTS := $(sort tests/core/test_clock.py tests/core/runtime/test_demo_any_date.py \
	tests/core/test_roles_cli.py tests/core/test_scheduling.py tests/core/test_quiet_hours.py \
	$(wildcard tests/core/outbox/test_*.py) $(shell grep -rlE '$(REAL_TIME)' tests --include='test_*.py'))
# One shift after the other, each in one process: under libfaketime, pytest-xdist's workers and two
# suites side by side both ran twice as slow as one suite alone (measured on 2 cores).
test-clock:
	@for shift in +365d -365d; do \
	  echo "Тесты со сдвигом часов $$shift:"; \
	  FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "$$shift" \
	    $(BIN)/python -m pytest -q -p no:cacheprovider $(CLOCK_TESTS) || exit 1; \
	done

# Debian packages the tests need, installed when missing and we are root (as in CI):
# $(call deb,COMMAND,PACKAGE,WHY,IF NOT ROOT: warn or fail).
define deb
	@command -v $(1) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Устанавливаю $(2) $(3)…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
	  else \
	    echo "$(2) не установлен (sudo apt-get install $(2))." >&2; $(4); \
	  fi; }
endef

# The browser tests drive Debian's chromium through Playwright (no browser download); without it
# they are skipped.
browser:
	$(call deb,chromium,chromium,для браузерных тестов,true)

# Debian's faketime moves the clock for test-clock.
faketime:
	$(call deb,faketime,faketime,для проверки тестов на другой дате,exit 1)

# Rebuilds the committed miniapp/static/vk-bridge.js (and its licence file) from miniapp/bridge:
# @vkontakte/vk-bridge bundled by esbuild, versions pinned by package-lock.json. Only this target
# needs Node.js and npm; `make run` and `make test` use the committed file.
bridge:
	cd miniapp/bridge && npm ci --no-audit --no-fund && node build.mjs

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
