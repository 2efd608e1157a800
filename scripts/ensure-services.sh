#!/usr/bin/env bash
# Checks that Postgres (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer, starts the local ones if they are down,
# and says what to do where neither can be started. Honours DATABASE_URL / REDIS_URL only to report them.
set -uo pipefail

pg_ok() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_ok() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

if ! pg_ok; then
  if [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "Postgres is down: starting it (pg_ctlcluster $(ls /etc/postgresql) main start)"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
    for _ in $(seq 1 50); do pg_ok && break; sleep 0.2; done
  fi
  if ! pg_ok; then
    echo "Postgres does not answer on 127.0.0.1:5432 and could not be started here." >&2
    echo "Fix: install PostgreSQL 15+ (apt-get install postgresql) and start it, or set DATABASE_URL to a reachable server." >&2
    exit 1
  fi
fi

if ! redis_ok; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "Redis is down: starting it (redis-server --daemonize yes ...)"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
    for _ in $(seq 1 50); do redis_ok && break; sleep 0.2; done
  fi
  if ! redis_ok; then
    echo "Redis does not answer on 127.0.0.1:6379 and could not be started here." >&2
    echo "Fix: install Redis 7 (apt-get install redis-server) and start it, or set REDIS_URL to a reachable server." >&2
    exit 1
  fi
fi
echo "Postgres and Redis answer."
