# Two commands do everything on a fresh machine:
#   make chat   - start the assistant as a terminal chat (embedded SQLite, no tokens)
#   make test   - lint (ruff, complexity, format), type-check (mypy), check the FAQ content, run the tests
# The versions installed are the ones pinned in constraints.txt (tested together);
# `make lock` refreshes it to the newest releases pyproject.toml's ranges allow.
VENV ?= .venv
PY := $(VENV)/bin/python
LOCK_VENV := .lock-venv

.PHONY: chat serve test bench clean lock

$(VENV)/.installed: pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

lock:
	rm -rf $(LOCK_VENV)
	python3 -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LOCK_VENV)/bin/python -m pip install --quiet -e '.[dev]'
	( echo "# Exact versions installed by make (pip -c). Made by \`make lock\`; do not edit by hand."; \
	  $(LOCK_VENV)/bin/python -m pip freeze --exclude-editable ) > constraints.txt
	rm -rf $(LOCK_VENV)

chat: $(VENV)/.installed
	$(PY) -m bot chat

serve: $(VENV)/.installed
	$(PY) -m bot serve

test: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m bot faq check
	$(PY) -m pytest -n auto --durations=10

clean:
	rm -rf $(VENV) $(LOCK_VENV) data/*.db
