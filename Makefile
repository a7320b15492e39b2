# Two commands matter (see README): `make run` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
PG_URL ?= postgres://postgres@127.0.0.1:5432/cnscd
REDIS ?= redis://127.0.0.1:6379/0
# make run / make province: which province (any of the 34 codes), how many demo households, which port.
PROVINCE ?= 51
HOUSEHOLDS ?= 3000
PORT ?= 8000
UV := $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
RUN := $(UV) run --frozen

.PHONY: setup migrate run demo data province-data province admin remove-demo serve test test-sqlite test-postgres test-postgres-ahead lint browser-deps messages clean

# Python 3.11 and pip are all a fresh machine needs: uv comes from pip, everything else from uv.lock.
setup:
	@command -v uv >/dev/null 2>&1 || test -x "$(UV)" || python3 -m pip install --user --quiet uv
	$(UV) sync --frozen --quiet
	@bash scripts/vendor-assets.sh
	@bash scripts/build-phone.sh

# One province's official units and real boundaries, all from the repository (fixtures/); migrate also
# loads the service catalogue. Any of the 34 province codes works, e.g. PROVINCE=52.
migrate: setup
	$(RUN) python manage.py migrate --noinput

data: migrate
	$(RUN) python manage.py import_units --province $(PROVINCE)
	$(RUN) python manage.py import_boundaries --province $(PROVINCE)

# The same, only when the province is not there yet: a later start leaves what is stored alone.
province-data: migrate
	$(RUN) python manage.py load_province --province $(PROVINCE)

# The demo is loaded once, into a database with no demo and no real data (demo/removal.py says what
# counts as real); any other time this step changes nothing.
demo: province-data
	$(RUN) python manage.py seed_demo --if-empty --province $(PROVINCE) --households $(HOUSEHOLDS) --seed 1 \
	  --logins-file demo-logins.txt

run: demo serve

# A real province: its units, boundaries and the catalogue, an administrator, no demo. The administrator
# is asked for at the terminal, or made from DJANGO_SUPERUSER_USERNAME / DJANGO_SUPERUSER_PASSWORD
# (and DJANGO_SUPERUSER_EMAIL) when they are set; once one exists nobody is asked again.
province: province-data admin serve

admin: migrate
	@if $(RUN) python manage.py shell -v 0 -c "import sys; from core.models import User; sys.exit(0 if User.objects.filter(is_superuser=True, is_demo=False).exists() else 1)"; then \
	  echo "  Đã có tài khoản quản trị (thêm: $(RUN) python manage.py createsuperuser)."; \
	elif [ -n "$$DJANGO_SUPERUSER_USERNAME" ]; then \
	  $(RUN) python manage.py createsuperuser --noinput; \
	else \
	  echo "  Tạo tài khoản quản trị (hoặc đặt DJANGO_SUPERUSER_USERNAME và DJANGO_SUPERUSER_PASSWORD):"; \
	  $(RUN) python manage.py createsuperuser; \
	fi

# Demo rows only (marked as demo, and the demo campaigns); real rows and the demo rows they use stay.
remove-demo: migrate
	$(RUN) python manage.py remove_demo
	rm -f demo-logins.txt

# Starts the server on what is stored, nothing else.
serve:
	@echo ""
	@echo "  Bản đồ và báo cáo:   http://127.0.0.1:$(PORT)/"
	@echo "  Bản đồ tỉnh:         http://127.0.0.1:$(PORT)/maps/province/$(PROVINCE)/"
	@echo "  Thiết lập:           http://127.0.0.1:$(PORT)/setup/"
	@echo "  Tài liệu API:        http://127.0.0.1:$(PORT)/api/docs/"
	@echo "  Quản trị:            http://127.0.0.1:$(PORT)/admin/"
	@echo "  Đăng nhập điện thoại: POST http://127.0.0.1:$(PORT)/api/v1/auth/login/"
	@if [ -f demo-logins.txt ]; then echo "  Tài khoản mẫu:       demo-logins.txt"; echo ""; cat demo-logins.txt; fi
	@echo ""
	@# DEBUG off: Vietnamese 404/500 pages, never Django's technical pages listing every URL; static files
	@# come from WhiteNoise (WHITENOISE_USE_FINDERS), not from runserver.
	@# Sheets checked but never saved are purged here too: the embedded default has no Celery beat.
	$(RUN) python manage.py purge_import_jobs
	DJANGO_DEBUG=false $(RUN) python manage.py runserver 127.0.0.1:$(PORT)

# ruff (with its complexity ceiling, C901), the layers' import contract (pyproject.toml), migrations.
lint: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	PYTHONPATH=. $(RUN) lint-imports
	$(RUN) python manage.py makemigrations --check --dry-run

browser-deps:
	@bash scripts/ensure-test-tools.sh

# The whole suite on the embedded default (SQLite, eager Celery) with the clock CLOCK_AHEAD in the future,
# then again today on PostgreSQL with a real Redis-backed Celery worker for the tests that need one. Needs
# PostgreSQL and Redis on 127.0.0.1.
test: setup lint browser-deps test-sqlite test-postgres test-postgres-ahead

# Tests marked `postgres` (row-level concurrency, a real Celery worker sharing the database) need a
# server database; they are deselected here and run in the PostgreSQL pass, never skipped.
# faketime moves the clock of the test process and everything it starts (the live server, Chromium, SQLite)
# by CLOCK_AHEAD, so a test that mixes a fixed date with today's fails here long before the calendar gets
# there. CLOCK_AHEAD= (empty) runs on today's clock.
CLOCK_AHEAD ?= +400d
# Tests that need no real worker, server or timing run on both cores (pytest-xdist, a module per worker,
# each worker with its own test database); those marked `postgres` start workers, servers and loads whose
# timing is the point, so they run alone. PARALLEL= (empty) runs everything in one process.
PARALLEL ?= -n 2 --dist loadfile
test-sqlite:
	$(if $(strip $(CLOCK_AHEAD)),faketime -f "$(CLOCK_AHEAD)") $(RUN) pytest -q --create-db -m "not postgres" $(PARALLEL)

# Browser journeys ran in the SQLite pass (pages and the phone in Chromium); here the database's own
# behaviour is checked, so they are left out, and so are the tests that touch no database at all
# (DATABASE_TESTS_ONLY, tests/conftest.py): parsers and code checks cannot differ on PostgreSQL.
test-postgres:
	DATABASE_TESTS_ONLY=1 DATABASE_URL=$(PG_URL) TEST_CELERY_BROKER_URL=$(REDIS) $(RUN) pytest -q --create-db -m "not postgres and not browser" $(PARALLEL)
	DATABASE_URL=$(PG_URL) TEST_CELERY_BROKER_URL=$(REDIS) $(RUN) pytest -q --create-db -m postgres

# The PostgreSQL-only tests whose rules follow the calendar (campaign rollups and recounts on a real
# worker, follow-ups, cursors, history partitions, imports on the worker) once more with the clock
# CLOCK_AHEAD in the future; the workers they start inherit the moved clock. PostgreSQL's own clock is read
# only for transaction ages. The fuzz, load, replica and timeout harnesses carry no dates: once is enough.
AHEAD_POSTGRES_TESTS := tests/core tests/field_api tests/coverage tests/campaigns tests/maps tests/leaders tests/onboarding tests/ioc tests/demo tests/faults/test_worker_killed.py
test-postgres-ahead:
	$(if $(strip $(CLOCK_AHEAD)),DATABASE_URL=$(PG_URL) TEST_CELERY_BROKER_URL=$(REDIS) faketime -f "$(CLOCK_AHEAD)" $(RUN) pytest -q --create-db -m postgres $(AHEAD_POSTGRES_TESTS))

# Source strings are Vietnamese; the English catalogue is locale/en. Compiled .mo files are committed so
# a fresh machine needs no gettext.
messages:
	$(RUN) python manage.py makemessages -l en --no-wrap --no-location --no-obsolete --ignore=.venv --ignore=maps/node_modules --ignore=phone --ignore=tests/js
	$(RUN) python manage.py compilemessages -l en -l vi --ignore=.venv

clean:
	rm -rf .venv db.sqlite3 staticfiles media demo-logins.txt phone/dist
