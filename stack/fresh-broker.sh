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

cat > "$dir/config/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$controller_port
listeners=PLAINTEXT://$HOST:$port,CONTROLLER://$HOST:$controller_port
advertised.listeners=PLAINTEXT://$HOST:$port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
PROPS
cat > "$dir/config/log4j.properties" <<PROPS
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$dir/logs/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
PROPS

cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
[[ "$cluster_id" != -* ]] || cluster_id="A${cluster_id:1}"
"$java" -Xmx256m -XX:TieredStopAtLevel=1 -Dlog4j.configuration="file:$dir/config/log4j.properties" \
  -cp "$(kafka_classpath)" kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/config/server.properties" >/dev/null

# exec: the caller's SIGTERM reaches the JVM itself.
exec "$java" -Do2c.stack.component=fresh-broker -Xms128m -Xmx384m -XX:+UseG1GC -Djava.awt.headless=true \
  -Dkafka.logs.dir="$dir/logs" -Dlog4j.configuration="file:$dir/config/log4j.properties" \
  -cp "$(kafka_classpath)" kafka.Kafka "$dir/config/server.properties"
