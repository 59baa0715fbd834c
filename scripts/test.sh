#!/usr/bin/env bash
# The whole test suite: every tox env (Python x Django matrix, no-LDAP, end-to-end, lint,
# types), plus the PostgreSQL + Redis env when DATABASE_URL and REDIS_URL are set.
set -euo pipefail
cd "$(dirname "$0")/.."

# pyenv keeps python3.11/3.12/3.13 apart; make all three visible to tox at once.
if command -v pyenv >/dev/null 2>&1 && [ -z "${PYENV_VERSION:-}" ]; then
    PYENV_VERSION="$(pyenv versions --bare | grep -E '^3\.1[123]\.' | sort -V | paste -sd: -)"
    export PYENV_VERSION
fi
for v in 3.11 3.12 3.13; do
    command -v "python$v" >/dev/null 2>&1 || { echo "python$v is required (pyenv install $v)" >&2; exit 1; }
done

if [ ! -x .tox-runner/bin/tox ]; then
    python3.12 -m venv .tox-runner
    .tox-runner/bin/pip install --quiet --upgrade pip "tox>=4.22"
fi

envs="lint,types,py311-django52,py312-django60,py313-django61,nolap,e2e"
if [ -n "${DATABASE_URL:-}" ] && [ -n "${REDIS_URL:-}" ]; then
    envs="$envs,pg-redis"
else
    echo "DATABASE_URL/REDIS_URL not set: skipping the pg-redis env (CI runs it)."
fi
exec .tox-runner/bin/tox run -e "$envs" "$@"
