#!/usr/bin/env bash
# Stop the Kafka brokers and the schema registry started by stack/up.sh. Redis and PostgreSQL belong to
# the machine and are left running. --wipe also deletes Kafka's data and the registry's schemas
# (they belong together: records carry schema ids), keeping the downloaded jars.
# STACK_SECURE=1 stops only the secure broker and its Redis (--wipe: its data, certificates, passwords and env files),
# leaving the plaintext stack to whoever uses it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$STACK_DIR/secure.sh"

WIPE=0
for a in "$@"; do
  case "$a" in
    --wipe) WIPE=1 ;;
    -h|--help) echo "usage: bash stack/down.sh [--wipe]"; exit 0 ;;
    *) die "unknown option: $a (usage: bash stack/down.sh [--wipe])" ;;
  esac
done

stop() { # component timeout-seconds
  local pid
  if ! pid="$(running_pid "$1")"; then
    log "$1: not running"
    rm -f "$(pid_file "$1")"
    return 0
  fi
  log "$1: stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + $2))
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS >= deadline )); then
      log "$1: still running after $2s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  rm -f "$(pid_file "$1")"
  log "$1: stopped"
}

# Kafka's controlled shutdown (flush, close logs cleanly) normally takes a few seconds.
stop kafka-secure 60
stop redis-secure 20
if (( WIPE )); then
  log "wiping the secure broker and Redis ($SECURE_HOME: data, certificates, passwords)"
  rm -rf "$SECURE_HOME" "$SECURE_ENV_FILE"
fi
[[ "${STACK_SECURE:-}" == 1 ]] && exit 0

# Registry first: it does not depend on Kafka, but stopping it is quick either way.
stop registry 20
stop kafka 60

if (( WIPE )); then
  log "wiping Kafka data ($KAFKA_HOME) and registry storage ($REGISTRY_HOME)"
  rm -rf "$KAFKA_HOME" "$REGISTRY_HOME" "$ENV_FILE"
fi
