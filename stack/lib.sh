# Shared settings and helpers for stack/{up,down,status}.sh. Sourced, not executed.
# shellcheck shell=bash

STACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA_DIR="$STACK_DIR/.data"
LIB_DIR="$DATA_DIR/lib"
RUN_DIR="$DATA_DIR/run"
ENV_FILE="$DATA_DIR/stack.env"

# Everything binds to loopback only: this is a developer/CI stack, not a shared service.
HOST=127.0.0.1
KAFKA_PORT="${STACK_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${STACK_KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP="${STACK_KAFKA_HEAP:-1g}"
KAFKA_PARTITIONS="${STACK_KAFKA_PARTITIONS:-12}"
REGISTRY_PORT="${STACK_REGISTRY_PORT:-8081}"
# Quarkus' management interface (health/metrics) defaults to 0.0.0.0:9000; keep it off that busy port.
REGISTRY_MGMT_PORT="${STACK_REGISTRY_MGMT_PORT:-9081}"
REGISTRY_HEAP="${STACK_REGISTRY_HEAP:-512m}"
REDIS_PORT="${STACK_REDIS_PORT:-6379}"
PG_PORT="${STACK_PG_PORT:-5432}"
PG_USER="${STACK_PG_USER:-postgres}"
PG_DB="${STACK_PG_DB:-o2c}"
START_TIMEOUT="${STACK_START_TIMEOUT:-120}"

# Versions live in pom.xml only.
pom_prop() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$STACK_DIR/pom.xml" | head -n1; }
KAFKA_VERSION="$(pom_prop kafka.version)"
APICURIO_VERSION="$(pom_prop apicurio.version)"
KAFKA_LIB="$LIB_DIR/kafka-$KAFKA_VERSION"
APICURIO_HOME="$LIB_DIR/apicurio-$APICURIO_VERSION"

KAFKA_HOME="$DATA_DIR/kafka"          # config, cluster.id, data/, logs/
REGISTRY_HOME="$DATA_DIR/registry"    # db/ (H2 file), logs/

KAFKA_BROKERS="$HOST:$KAFKA_PORT"
SCHEMA_REGISTRY_URL="http://$HOST:$REGISTRY_PORT/apis/ccompat/v7"
REDIS_URL="redis://$HOST:$REDIS_PORT"
DATABASE_URL="postgres://$PG_USER@$HOST:$PG_PORT/$PG_DB"

log()  { printf '[stack] %s\n' "$*" >&2; }
die()  { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# Major version of a java binary ("1.8.0_x" -> 8, "17.0.15" -> 17).
java_major() {
  local v
  v="$("$1" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n1)" || return 1
  [[ -n "$v" ]] || return 1
  [[ "$v" == 1.* ]] && v="${v#1.}"
  echo "${v%%[.+-]*}"
}

# Kafka 3.9 runs on Java 11+; use the java on PATH (or $JAVA_HOME).
kafka_java() {
  local j="${JAVA_HOME:+$JAVA_HOME/bin/java}"
  [[ -n "$j" && -x "$j" ]] || j="$(command -v java || true)"
  [[ -n "$j" ]] || return 1
  echo "$j"
}

# Apicurio Registry 3.3 is compiled for Java 21, while the machine's default java may be 17:
# take $STACK_REGISTRY_JAVA, else the first java >= 21 among JAVA_HOME, PATH and /usr/lib/jvm.
registry_java() {
  local c m cands=("${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java || true)" /usr/lib/jvm/*/bin/java)
  [[ -n "${STACK_REGISTRY_JAVA:-}" ]] && cands=("$STACK_REGISTRY_JAVA")
  for c in "${cands[@]}"; do
    [[ -n "$c" && -x "$c" ]] || continue
    m="$(java_major "$c" 2>/dev/null)" || continue
    if [[ "$m" =~ ^[0-9]+$ ]] && (( m >= 21 )); then echo "$c"; return 0; fi
  done
  return 1
}

kafka_classpath() { echo "$KAFKA_LIB/*"; }

# Run a Kafka tool class (StorageTool, TopicCommand, ...) against the resolved jars, quietly.
kafka_tool() {
  local j; j="$(kafka_java)" || die "java not found"
  "$j" -Xmx256m -XX:TieredStopAtLevel=1 \
    -Dlog4j.configuration="file:$KAFKA_HOME/config/tools-log4j.properties" \
    -cp "$(kafka_classpath)" "$@"
}

# pid files: a pid only counts if that process still carries our marker (guards against pid reuse).
pid_file() { echo "$RUN_DIR/$1.pid"; }
running_pid() {
  local f pid; f="$(pid_file "$1")"
  [[ -f "$f" ]] || return 1
  pid="$(cat "$f" 2>/dev/null)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "-Do2c.stack.component=$1 " || return 1
  echo "$pid"
}

# Who listens on a TCP port (empty if nobody).
port_owner() { ss -Hltnp "sport = :$1" 2>/dev/null | head -n1; }

# A real Kafka protocol round-trip without a JVM: ApiVersions v0 request (api_key 18, correlation id
# 0x4f32, client id "o2c-stack"); healthy means the response echoes the correlation id with error_code 0.
kafka_answers() {
  local host="${1:-$HOST}" port="${2:-$KAFKA_PORT}" out
  out="$(timeout 5 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "\x00\x00\x00\x13\x00\x12\x00\x00\x00\x00\x4f\x32\x00\x09o2c-stack" >&3
    head -c 10 <&3 | od -An -tx1' "$host" "$port" 2>/dev/null)" || return 1
  [[ "$(echo $out)" == *"00 00 4f 32 00 00" ]]
}

registry_answers() {
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$SCHEMA_REGISTRY_URL/subjects" 2>/dev/null)" == 200 ]]
}

redis_answers() { [[ "$(redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

pg_answers() { pg_isready -q -h "$HOST" -p "$PG_PORT" -t 3 >/dev/null 2>&1; }

pg_db_exists() {
  [[ "$(psql -h "$HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -tAc \
        "select 1 from pg_database where datname = '$PG_DB'" 2>/dev/null)" == 1 ]]
}

# Kafka cluster ids are 16 random bytes, base64url without padding (what `kafka-storage random-uuid` prints).
new_cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" != -* ]] && { echo "$id"; return; }
  done
}

# The settings every single-node KRaft broker of the stack shares (up.sh's, the secure one, fresh-broker.sh's);
# listeners and security come from the caller.
kafka_single_node_props() { # log_dir partitions
  cat <<EOF
process.roles=broker,controller
node.id=1
log.dirs=$1
num.partitions=$2
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
# Topics are created explicitly (by the app's topic bootstrap), never by a typo'd producer.
auto.create.topics.enable=false
delete.topic.enable=true
EOF
}

# The broker's log4j settings: INFO to a rolling file, request and client chatter at WARN.
kafka_log4j_props() { # log_file
  cat <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$1
log4j.appender.file.MaxFileSize=50MB
log4j.appender.file.MaxBackupIndex=3
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
EOF
}
