# Two commands do everything on a fresh machine:
#   make chat   - start the assistant as a terminal chat (embedded SQLite, no tokens)
#   make test   - lint, check the FAQ content and run the test suite
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: chat serve test bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

chat: $(VENV)/.installed
	$(PY) -m bot chat

serve: $(VENV)/.installed
	$(PY) -m bot serve

test: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m bot faq check
	$(PY) -m pytest

clean:
	rm -rf $(VENV) data/*.db
