# The secure broker of the local stack (STACK_SECURE=1): a second Kafka, beside the plaintext one, with a SASL_SSL
# listener (SCRAM-SHA-512 over TLS), the KRaft StandardAuthorizer and one principal per service and tool, and a
# second Redis, TLS only, with one ACL user per service (see stack/README.md, "Secure mode"). Sourced by up.sh, down.sh and status.sh after lib.sh, not executed.
# shellcheck shell=bash

# Machine-wide, not per checkout: its passwords and CA live with it, so every checkout (a second clone, a CI
# workspace) that finds it answering can use it, as it uses the plaintext stack that answers.
SECURE_HOME="${STACK_SECURE_HOME:-${XDG_STATE_HOME:-$HOME/.local/state}/o2c-credit-stream/kafka-secure}"  # config/, data/, logs/, tls/, secrets/, env/, pid
SECURE_PORT="${STACK_SECURE_KAFKA_PORT:-9094}"
SECURE_CONTROLLER_PORT="${STACK_SECURE_CONTROLLER_PORT:-9095}"
SECURE_HEAP="${STACK_SECURE_KAFKA_HEAP:-512m}"
SECURE_KAFKA_BROKERS="$HOST:$SECURE_PORT"
SECURE_TLS_DIR="$SECURE_HOME/tls"
SECURE_SECRETS_DIR="$SECURE_HOME/secrets"
SECURE_ENV_DIR="$SECURE_HOME/env"
SECURE_CA_FILE="$SECURE_TLS_DIR/ca.pem"
SECURE_ENV_FILE="$DATA_DIR/stack-secure.env"

SECURE_REDIS_PORT="${STACK_SECURE_REDIS_PORT:-6380}"
SECURE_REDIS_DIR="$SECURE_HOME/redis"          # redis.conf, users.acl (password hashes only), its data
SECURE_REDIS_URL="rediss://$HOST:$SECURE_REDIS_PORT"

# Their pid files live with them too (lib.sh keeps the others per checkout).
pid_file() {
  case "$1" in
    kafka-secure|redis-secure) echo "$SECURE_HOME/$1.pid" ;;
    *) echo "$RUN_DIR/$1.pid" ;;
  esac
}
# redis-server takes no -D marker: its command line names its config file instead (set-proc-title no keeps it).
running_pid() {
  local f pid marker="-Do2c.stack.component=$1 "; f="$(pid_file "$1")"
  [[ "$1" == redis-secure ]] && marker="$SECURE_REDIS_DIR/redis.conf"
  [[ -f "$f" ]] || return 1
  pid="$(cat "$f" 2>/dev/null)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker" || return 1
  echo "$pid"
}
BROKER_USER=broker   # the broker's own principal (stack/secure/principals.ts: BROKER)

secure_tsx() { "$STACK_DIR/../node_modules/.bin/tsx" "$STACK_DIR/secure/setup.ts" "$@"; }

# TLS round-trip to the SASL_SSL listener: the same ApiVersions request as kafka_answers (a broker answers it before
# authentication), inside a TLS session that verifies the broker's certificate against the stack's CA.
secure_answers() {
  [[ -s "$SECURE_CA_FILE" ]] || return 1
  local out
  # s_client ends when its input does: the input stays open long enough for the answer (local: milliseconds).
  out="$({ printf '\x00\x00\x00\x13\x00\x12\x00\x00\x00\x00\x4f\x32\x00\x09o2c-stack'; sleep 0.5; } \
    | timeout 5 openssl s_client -quiet -no_ign_eof -verify_return_error -CAfile "$SECURE_CA_FILE" \
        -connect "$SECURE_KAFKA_BROKERS" 2>/dev/null | head -c 10 | od -An -tx1)" || true
  [[ "$(echo $out)" == *"00 00 4f 32 00 00" ]]
}

# A password per SCRAM user (and one for the key stores), generated once, readable by the owner only.
secure_password() { # name
  local f="$SECURE_SECRETS_DIR/$1.password"
  if [[ ! -s "$f" ]]; then
    (umask 077; openssl rand -hex 24 > "$f.tmp" && mv -f "$f.tmp" "$f")
  fi
  chmod 600 "$f"
  cat "$f"
}

# A CA and the broker's certificate (for 127.0.0.1 and localhost; server and client use: the broker also presents
# it to its controller listener), as PKCS12 key and trust stores. Generated once.
secure_certificates() {
  [[ -s "$SECURE_TLS_DIR/broker.p12" && -s "$SECURE_TLS_DIR/truststore.p12" && -s "$SECURE_CA_FILE" ]] && return 0
  have openssl || die "openssl not found (needed once, to make the secure broker's certificates)."
  have keytool || die "keytool not found (a JDK's; needed once, to make the secure broker's trust store)."
  log "secure broker: generating a CA and the broker certificate in $SECURE_TLS_DIR"
  mkdir -p "$SECURE_TLS_DIR"; chmod 700 "$SECURE_TLS_DIR"
  local store_pw t="$SECURE_TLS_DIR"
  store_pw="$(secure_password keystore)"
  rm -f "$t"/*.p12
  (
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 825 -keyout "$t/ca.key" -out "$t/ca.pem" \
      -subj "/CN=o2c local stack CA" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$t/broker.key" -out "$t/broker.csr" -subj "/CN=$BROKER_USER" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' > "$t/broker.ext"
    openssl x509 -req -sha256 -days 825 -in "$t/broker.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial \
      -out "$t/broker.pem" -extfile "$t/broker.ext" 2>/dev/null
    openssl pkcs12 -export -in "$t/broker.pem" -inkey "$t/broker.key" -certfile "$t/ca.pem" -name broker \
      -out "$t/broker.p12" -passout "pass:$store_pw"
    keytool -importcert -noprompt -alias ca -file "$t/ca.pem" -keystore "$t/truststore.p12" -storetype PKCS12 \
      -storepass "$store_pw" >/dev/null 2>&1
  ) || die "could not generate the secure broker's certificates in $SECURE_TLS_DIR."
  chmod 644 "$t/ca.pem"  # the CA certificate is public: every client needs it
  rm -f "$t/broker.csr" "$t/broker.ext" "$t/ca.srl"
}

write_secure_config() {
  mkdir -p "$SECURE_HOME/config" "$SECURE_HOME/data" "$SECURE_HOME/logs"
  local store_pw broker_pw
  store_pw="$(secure_password keystore)"
  broker_pw="$(secure_password "$BROKER_USER")"
  (umask 077; cat <<EOF
# Generated by stack/up.sh (STACK_SECURE=1) on every start; edit stack/secure.sh, not this file. Holds passwords: 0600.
controller.quorum.voters=1@$HOST:$SECURE_CONTROLLER_PORT
# Clients: SASL_SSL only. The controller listener takes the broker's certificate (mutual TLS), nobody else.
listeners=SASL_SSL://$HOST:$SECURE_PORT,CONTROLLER://$HOST:$SECURE_CONTROLLER_PORT
advertised.listeners=SASL_SSL://$HOST:$SECURE_PORT
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SSL
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$BROKER_USER" password="$broker_pw";
ssl.keystore.type=PKCS12
ssl.keystore.location=$SECURE_TLS_DIR/broker.p12
ssl.keystore.password=$store_pw
ssl.key.password=$store_pw
ssl.truststore.type=PKCS12
ssl.truststore.location=$SECURE_TLS_DIR/truststore.p12
ssl.truststore.password=$store_pw
listener.name.sasl_ssl.ssl.client.auth=requested
listener.name.controller.ssl.client.auth=required
# A certificate's CN is its principal (CN=broker -> User:broker); SASL users are their own names.
ssl.principal.mapping.rules=RULE:^CN=([^,]+).*\$/\$1/,DEFAULT
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:$BROKER_USER;User:admin
log.retention.hours=168
log.segment.bytes=268435456
EOF
  kafka_single_node_props "$SECURE_HOME/data" "$KAFKA_PARTITIONS"
  ) > "$SECURE_HOME/config/server.properties"
  chmod 600 "$SECURE_HOME/config/server.properties"
  kafka_log4j_props "$SECURE_HOME/logs/server.log" > "$SECURE_HOME/config/log4j.properties"
}

# SCRAM users exist from the first start: `kafka-storage format --add-scram` writes them into the metadata log.
format_secure_storage() {
  [[ -f "$SECURE_HOME/data/meta.properties" ]] && return 0
  [[ -s "$SECURE_HOME/cluster.id" ]] || new_cluster_id > "$SECURE_HOME/cluster.id"
  local users user args=()
  users="$(secure_tsx users)" || die "stack/secure/setup.ts users failed."
  for user in $users; do
    args+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(secure_password "$user")]")
  done
  log "secure broker: formatting storage with SCRAM users $(echo $users)"
  kafka_tool kafka.tools.StorageTool format --ignore-formatted -t "$(cat "$SECURE_HOME/cluster.id")" \
    -c "$SECURE_HOME/config/server.properties" "${args[@]}" >/dev/null \
    || die "kafka-storage format of the secure broker failed."
}

start_secure_kafka() {
  if running_pid kafka-secure >/dev/null; then return 0; fi
  if secure_answers; then
    log "the secure broker already answers on $SECURE_KAFKA_BROKERS (started elsewhere): using it as it is"
    return 0
  fi
  require_free_port "the secure Kafka broker" "$SECURE_PORT"
  require_free_port "the secure Kafka controller" "$SECURE_CONTROLLER_PORT"
  rm -f "$(pid_file kafka-secure)"
  mkdir -p "$SECURE_SECRETS_DIR"; chmod 700 "$SECURE_SECRETS_DIR"
  secure_certificates
  write_secure_config
  format_secure_storage
  local java; java="$(kafka_java)"
  log "starting the secure Kafka broker on $SECURE_KAFKA_BROKERS (SASL_SSL, heap $SECURE_HEAP)"
  setsid nohup bash -c 'echo $$ > "$0"; exec "$@"' "$(pid_file kafka-secure)" \
    "$java" -Do2c.stack.component=kafka-secure \
    -Xms128m "-Xmx$SECURE_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dkafka.logs.dir="$SECURE_HOME/logs" -Dlog4j.configuration="file:$SECURE_HOME/config/log4j.properties" \
    -cp "$(kafka_classpath)" kafka.Kafka "$SECURE_HOME/config/server.properties" \
    > "$SECURE_HOME/logs/kafka.out" 2>&1 < /dev/null 9>&- &
  SECURE_STARTED=1
}

wait_secure_kafka() {
  local deadline=$((SECONDS + START_TIMEOUT))
  until secure_answers; do
    if ! running_pid kafka-secure >/dev/null && [[ -n "${SECURE_STARTED:-}" ]] && (( SECONDS > SECURE_T + 3 )); then
      fail_with_log "the secure Kafka broker exited during startup" "$SECURE_HOME/logs/server.log" "$SECURE_HOME/logs/kafka.out"
    fi
    (( SECONDS < deadline )) || fail_with_log "the secure Kafka broker did not answer on $SECURE_KAFKA_BROKERS within ${START_TIMEOUT}s" \
      "$SECURE_HOME/logs/server.log" "$SECURE_HOME/logs/kafka.out"
    sleep 0.5
  done
}

# ---------------------------------------------------------------- the secure Redis
# The machine's redis-server binary (Debian's is built with TLS) as a second server: TLS only, on its own port, one
# ACL user per service (shared/redis/acl.ts), the default user off. The machine's Redis on 6379 is not touched.

# A PING over TLS (the stack's CA) as the admin user; the password goes through the environment, not argv.
secure_redis_cli() {
  REDISCLI_AUTH="$(cat "$SECURE_SECRETS_DIR/redis-admin.password")" timeout 5 redis-cli --tls --cacert "$SECURE_CA_FILE" \
    -h "$HOST" -p "$SECURE_REDIS_PORT" --user admin --no-auth-warning "$@"
}
secure_redis_answers() {
  [[ -s "$SECURE_CA_FILE" && -s "$SECURE_SECRETS_DIR/redis-admin.password" ]] || return 1
  [[ "$(secure_redis_cli ping 2>/dev/null)" == PONG ]]
}

# The Redis server's certificate, from the same CA as the broker's, so clients need the one ca.pem. Made once.
secure_redis_certificate() {
  local t="$SECURE_TLS_DIR"
  [[ -s "$t/redis.pem" && -s "$t/redis.key" ]] && return 0
  [[ -s "$t/ca.key" ]] || die "$t/ca.key missing: wipe the secure stack (STACK_SECURE=1 npm run stack:down -- --wipe) and start it again."
  log "secure Redis: generating its certificate in $t"
  (
    umask 077
    openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$t/redis.key" -out "$t/redis.csr" -subj "/CN=redis" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' > "$t/redis.ext"
    openssl x509 -req -sha256 -days 825 -in "$t/redis.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial \
      -out "$t/redis.pem" -extfile "$t/redis.ext" 2>/dev/null
  ) || die "could not generate the secure Redis certificate in $t."
  rm -f "$t/redis.csr" "$t/redis.ext" "$t/ca.srl"
}

# The ACL file, rewritten at every start from shared/redis/acl.ts, with a password per user (made once).
write_secure_redis_acl() {
  mkdir -p "$SECURE_REDIS_DIR"; chmod 700 "$SECURE_REDIS_DIR"
  local users user
  users="$(secure_tsx redis-users)" || die "stack/secure/setup.ts redis-users failed."
  for user in $users; do secure_password "redis-$user" >/dev/null; done
  SECURE_SECRETS_DIR="$SECURE_SECRETS_DIR" secure_tsx redis-acl > "$SECURE_REDIS_DIR/users.acl.tmp" \
    && mv -f "$SECURE_REDIS_DIR/users.acl.tmp" "$SECURE_REDIS_DIR/users.acl" || die "stack/secure/setup.ts redis-acl failed."
  chmod 600 "$SECURE_REDIS_DIR/users.acl"
}

write_secure_redis_config() {
  cat > "$SECURE_REDIS_DIR/redis.conf" <<EOF
# Generated by stack/up.sh (STACK_SECURE=1) on every start; edit stack/secure.sh, not this file.
bind $HOST
port 0
tls-port $SECURE_REDIS_PORT
tls-cert-file $SECURE_TLS_DIR/redis.pem
tls-key-file $SECURE_TLS_DIR/redis.key
tls-ca-cert-file $SECURE_CA_FILE
# Clients authenticate with their ACL user's password, not a certificate.
tls-auth-clients no
aclfile $SECURE_REDIS_DIR/users.acl
dir $SECURE_REDIS_DIR
appendonly yes
save ""
daemonize yes
pidfile $(pid_file redis-secure)
logfile $SECURE_HOME/logs/redis.log
set-proc-title no
EOF
}

secure_redis_up() {
  have redis-server && have redis-cli || die "redis-server / redis-cli not found (apt-get install redis-server: the secure stack runs its own, with TLS)."
  mkdir -p "$SECURE_HOME/logs" "$SECURE_SECRETS_DIR"; chmod 700 "$SECURE_SECRETS_DIR"
  secure_certificates
  secure_redis_certificate
  write_secure_redis_acl
  if running_pid redis-secure >/dev/null || secure_redis_answers; then
    # Up already (maybe from another checkout): it takes the users of this checkout's acl.ts, as the broker its ACLs.
    [[ "$(secure_redis_cli acl load 2>&1)" == OK ]] \
      || fail_with_log "the secure Redis did not load $SECURE_REDIS_DIR/users.acl" "$SECURE_HOME/logs/redis.log"
    return 0
  fi
  require_free_port "the secure Redis" "$SECURE_REDIS_PORT"
  write_secure_redis_config
  log "starting the secure Redis on $SECURE_REDIS_URL (TLS, ACL users)"
  # 9>&-: the daemon must not inherit (and hold) up.sh's lock.
  redis-server "$SECURE_REDIS_DIR/redis.conf" 9>&- \
    || fail_with_log "could not start the secure redis-server" "$SECURE_HOME/logs/redis.log"
  local deadline=$((SECONDS + START_TIMEOUT))
  until secure_redis_answers; do
    (( SECONDS < deadline )) || fail_with_log "the secure Redis did not answer on $SECURE_REDIS_URL within ${START_TIMEOUT}s" \
      "$SECURE_HOME/logs/redis.log"
    sleep 0.3
  done
}

# Topics, ACLs and the per-principal env files, as the admin principal (idempotent: quick when nothing changed).
apply_secure_setup() {
  SECURE_KAFKA_BROKERS="$SECURE_KAFKA_BROKERS" SECURE_CA_FILE="$SECURE_CA_FILE" SECURE_SECRETS_DIR="$SECURE_SECRETS_DIR" \
  SECURE_ENV_DIR="$SECURE_ENV_DIR" SECURE_REDIS_URL="$SECURE_REDIS_URL" SECURE_KAFKA_PARTITIONS="$KAFKA_PARTITIONS" SECURE_START_TIMEOUT_S="$START_TIMEOUT" \
  SCHEMA_REGISTRY_URL="$SCHEMA_REGISTRY_URL" REDIS_URL="$REDIS_URL" DATABASE_URL="$DATABASE_URL" \
    secure_tsx apply || fail_with_log "the secure broker's setup (topics, ACLs) failed" "$SECURE_HOME/logs/server.log"
}

write_secure_env() {
  local tmp="$SECURE_ENV_FILE.tmp.$$"
  cat > "$tmp" <<EOF
# The secure broker (STACK_SECURE=1). A service adds its principal: $SECURE_ENV_DIR/<principal>.env
# holds these lines plus KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD_FILE.
SECURE_KAFKA_BROKERS=$SECURE_KAFKA_BROKERS
SECURE_CA_FILE=$SECURE_CA_FILE
SECURE_ENV_DIR=$SECURE_ENV_DIR
SECURE_SECRETS_DIR=$SECURE_SECRETS_DIR
SECURE_REDIS_URL=$SECURE_REDIS_URL
SCHEMA_REGISTRY_URL=$SCHEMA_REGISTRY_URL
REDIS_URL=$REDIS_URL
DATABASE_URL=$DATABASE_URL
EOF
  mv -f "$tmp" "$SECURE_ENV_FILE"
}

secure_up() {
  have openssl || die "openssl not found (the secure broker's certificates and health check use it)."
  [[ -x "$STACK_DIR/../node_modules/.bin/tsx" ]] || die "node_modules/.bin/tsx missing: run npm ci first (the secure setup is TypeScript)."
  SECURE_T=$SECONDS
  [[ -f "$KAFKA_LIB/.complete" ]] || ensure_binaries
  start_secure_kafka
  secure_redis_up
  wait_secure_kafka
  apply_secure_setup
  write_secure_env
  [[ -n "${SECURE_STARTED:-}" ]] && log "secure broker up in $((SECONDS - SECURE_T))s"
  return 0
}
