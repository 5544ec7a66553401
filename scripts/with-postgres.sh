#!/usr/bin/env bash
# Run a command with LOGISTICS_TEST_DB=postgres and LOGISTICS_TEST_POSTGRES_URL set.
# Uses LOGISTICS_TEST_POSTGRES_URL when it is set; otherwise starts this machine's PostgreSQL 15 cluster
# (installing the `postgresql` package with apt-get when missing) and creates a test role and database.
set -euo pipefail
export LOGISTICS_TEST_DB=postgres
if [ -z "${LOGISTICS_TEST_POSTGRES_URL:-}" ]; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ ! -d /usr/lib/postgresql ] || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "Installing PostgreSQL ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
  fi
  version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
  if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$version main$"; then
    pg_createcluster "$version" main >/dev/null
  fi
  if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -q online; then
    pg_ctlcluster "$version" main start
  fi
  port=$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')
  as_postgres() { runuser -u postgres -- "$@"; }
  for _ in $(seq 1 30); do as_postgres psql -p "$port" -qAtc "select 1" >/dev/null 2>&1 && break; sleep 1; done
  if ! as_postgres psql -p "$port" -qAtc "select 1 from pg_roles where rolname='logistics_test'" | grep -q 1; then
    as_postgres psql -p "$port" -qc "create role logistics_test login password 'logistics_test' createdb"
  fi
  if ! as_postgres psql -p "$port" -qAtc "select 1 from pg_database where datname='logistics_test'" | grep -q 1; then
    as_postgres psql -p "$port" -qc "create database logistics_test owner logistics_test"
  fi
  export LOGISTICS_TEST_POSTGRES_URL="postgresql+asyncpg://logistics_test:logistics_test@127.0.0.1:$port/logistics_test"
fi
exec "$@"
