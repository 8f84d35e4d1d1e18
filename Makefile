# The two commands a newcomer needs: `make demo` and `make test` (see README).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOUSEHOLDS ?= 3000
SEED ?= 2026
export JIUZHU_ALLOW_DEV_SECRET ?= 1

.PHONY: demo test venv lint typecheck bench-registry bench-verification bench-payroll \
	bench-monitoring

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

demo: venv
	mkdir -p var
	JIUZHU_DEBUG=1 $(PY) manage.py migrate --noinput
	JIUZHU_DEBUG=1 $(PY) manage.py seed_demo --households $(HOUSEHOLDS) --seed $(SEED)
	@echo "演示平台：http://127.0.0.1:$(PORT)/  （按 Ctrl+C 停止）"
	JIUZHU_DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: venv
	$(PY) -m pytest

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .

bench-registry: venv
	$(PY) bench/registry.py

bench-verification: venv
	$(PY) bench/verification.py

bench-payroll: venv
	$(PY) bench/payroll.py

bench-monitoring: venv
	$(PY) bench/monitoring.py
