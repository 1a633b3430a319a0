#!/usr/bin/env bash
# A throwaway single-node KRaft broker from the stack's jars, in the foreground, for tests of starting against a
# broker that is seconds old (no __consumer_offsets yet, leaders still being elected):
#   bash stack/fresh-broker.sh PORT CONTROLLER_PORT DIR
# DIR gets its config, a freshly formatted data directory and the logs; the caller stops the process (SIGTERM) and
# deletes DIR. The same broker settings as stack/up.sh, with a smaller heap. Needs `bash stack/up.sh` to have
# resolved the jars once.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# -eq 3 ]] || die "usage: bash stack/fresh-broker.sh PORT CONTROLLER_PORT DIR"
port="$1" controller_port="$2" dir="$3"
[[ -f "$KAFKA_LIB/.complete" ]] || die "Kafka jars not resolved yet: run bash stack/up.sh first."
java="$(kafka_java)" || die "java not found"
mkdir -p "$dir/config" "$dir/data" "$dir/logs"

{
  kafka_single_node_props "$dir/data" 1
  cat <<PROPS
controller.quorum.voters=1@$HOST:$controller_port
listeners=PLAINTEXT://$HOST:$port,CONTROLLER://$HOST:$controller_port
advertised.listeners=PLAINTEXT://$HOST:$port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
PROPS
} > "$dir/config/server.properties"
kafka_log4j_props "$dir/logs/server.log" > "$dir/config/log4j.properties"

"$java" -Xmx256m -XX:TieredStopAtLevel=1 -Dlog4j.configuration="file:$dir/config/log4j.properties" \
  -cp "$(kafka_classpath)" kafka.tools.StorageTool format -t "$(new_cluster_id)" -c "$dir/config/server.properties" >/dev/null

# exec: the caller's SIGTERM reaches the JVM itself.
exec "$java" -Do2c.stack.component=fresh-broker -Xms128m -Xmx384m -XX:+UseG1GC -Djava.awt.headless=true \
  -Dkafka.logs.dir="$dir/logs" -Dlog4j.configuration="file:$dir/config/log4j.properties" \
  -cp "$(kafka_classpath)" kafka.Kafka "$dir/config/server.properties"
