#!/usr/bin/env bash
# Install the app and the example project into .venv, migrate, create the demo user (its
# login is printed), and serve the example on http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e . -r example_project/requirements.txt
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py create_demo_user
exec .venv/bin/python manage.py runserver 127.0.0.1:8000
