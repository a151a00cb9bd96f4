# The two set-up commands: `make run` and `make test`. `make bench` runs the benchmarks.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: install run test bench lint browser clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: install
	mkdir -p var/staticfiles
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py loaddemo
	@echo ""
	@echo "  Starting web, clock, worker and beat: the URL and the logins follow once they are up."
	@echo ""
	DEBUG=1 PYTHONUNBUFFERED=1 $(VENV)/bin/honcho start -f Procfile.dev

test: install browser
	bin/test

bench: install
	bin/bench

lint: install
	$(VENV)/bin/ruff check .

# Browser tests drive Debian's Chromium, never a downloaded browser.
browser:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "chromium not installed: browser tests will be skipped"; }

clean:
	rm -rf var $(VENV)
