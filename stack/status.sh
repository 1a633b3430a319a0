#!/usr/bin/env bash
# Show whether each part of the local stack answers. Exit 0 only if all of them do.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$STACK_DIR/secure.sh"

ok=0
report() { # name endpoint up? detail
  if [[ "$3" == 1 ]]; then printf '  %-16s UP    %-45s %s\n' "$1" "$2" "$4"
  else printf '  %-16s DOWN  %-45s %s\n' "$1" "$2" "$4"; ok=1; fi
}
pid_note() { # component answers?
  local p
  if p="$(running_pid "$1")"; then echo "pid $p"
  elif [[ "$2" == 1 ]]; then echo "answering, but not started by stack/up.sh"
  else echo "not running"; fi
}

echo "o2c local stack (Kafka $KAFKA_VERSION, Apicurio Registry $APICURIO_VERSION):"
kafka_answers && k=1 || k=0
report kafka "$KAFKA_BROKERS" "$k" "$(pid_note kafka "$k")"
# The secure broker counts for the exit status only when asked for (STACK_SECURE=1); otherwise shown if it exists.
if [[ "${STACK_SECURE:-}" == 1 || -d "$SECURE_HOME" ]]; then
  secure_answers && s=1 || s=0
  required="$ok"
  report kafka-secure "$SECURE_KAFKA_BROKERS" "$s" "SASL_SSL, $(pid_note kafka-secure "$s")"
  have redis-cli && secure_redis_answers && s=1 || s=0
  report redis-secure "$SECURE_REDIS_URL" "$s" "TLS, ACL users, $(pid_note redis-secure "$s")"
  [[ "${STACK_SECURE:-}" == 1 ]] || ok="$required"
fi
registry_answers && r=1 || r=0
report schema-registry "$SCHEMA_REGISTRY_URL" "$r" "$(pid_note registry "$r")"
have redis-cli && redis_answers && x=1 || x=0
report redis "$REDIS_URL" "$x" "(machine service)"
if have pg_isready && pg_answers; then
  if pg_db_exists; then report postgres "$DATABASE_URL" 1 "(machine service)"
  else report postgres "$DATABASE_URL" 0 "server up, database $PG_DB missing (run stack/up.sh)"; fi
else
  report postgres "$DATABASE_URL" 0 "(machine service)"
fi
exit "$ok"
