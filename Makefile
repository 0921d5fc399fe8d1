# Mon Indemnisation Justice — commandes usuelles. `make run` puis `make test`.
SHELL := /bin/bash
# Premier Python 3.12 qui fonctionne vraiment (un « shim » pyenv peut exister sans la bonne version).
PYTHON_SYSTEME ?= $(shell for p in "$$(command -v python3.12)" $$(ls -d /root/.pyenv/versions/3.12.*/bin/python3.12 2>/dev/null | sort -V -r) /usr/local/bin/python3.12 /usr/bin/python3.12; do \
	[ -n "$$p" ] && [ -x "$$p" ] && "$$p" -c 'import sys, venv; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1 && { echo "$$p"; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PORT_OIDC ?= 8001

.PHONY: install run test test-rapide quality format demo collectstatic bench

$(VENV)/.installe: requirements.lock
	@test -n "$(PYTHON_SYSTEME)" || { echo "Python 3.12 introuvable (voir README)"; exit 1; }
	@$(PY) -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null || { rm -rf $(VENV); $(PYTHON_SYSTEME) -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

install: $(VENV)/.installe

## Lance le portail en mode embarqué : SQLite, tâches dans le processus, fournisseur OIDC local.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py semer_demo --wet-run
	$(PY) manage.py lancer_dev --port $(PORT) --port-oidc $(PORT_OIDC)

## Toute la suite de tests (PostgreSQL si DATABASE_URL est défini, SQLite sinon).
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

## Tests sans les parcours navigateur ni l'intégration hors processus.
test-rapide: install
	$(PY) -m pytest -m "not e2e and not integration" $(PYTEST_ARGS)

quality: install
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .
	$(PY) -m djlint templates --lint
	DJANGO_SETTINGS_MODULE=portail.settings.test $(PY) manage.py makemigrations --check --dry-run

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

## Banc de mesure des performances (docs/performance.md) : gunicorn avec les réglages de production, wrk,
## un worker Celery et un puits SMTP. Exige PostgreSQL (DATABASE_URL : le banc crée sa propre base
## « <nom>_banc » à côté), Redis (REDIS_URL) et wrk (Debian : apt-get install wrk ; installé par .ci/run).
## Options : make bench BANC_ARGS="--duree 5 --pages Mes --courriels 5000 --concurrences 2,8 --sortie banc.json"
bench: install
	@command -v wrk >/dev/null 2>&1 || { echo "wrk introuvable : apt-get install wrk (Debian/Ubuntu), brew install wrk (macOS)."; exit 1; }
	@test -n "$(DATABASE_URL)" || { echo "DATABASE_URL (PostgreSQL) est requise, par ex. postgres://postgres@127.0.0.1:5432/portail"; exit 1; }
	@test -n "$(REDIS_URL)" || { echo "REDIS_URL est requise, par ex. redis://127.0.0.1:6379/0"; exit 1; }
	$(PY) -m outils.bench $(BANC_ARGS)
