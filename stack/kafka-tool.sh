#!/usr/bin/env bash
# Run a Kafka tool class against the stack's jars (the Maven jars ship no bin/kafka-*.sh scripts), e.g.
#   bash stack/kafka-tool.sh org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9092 --list
#   bash stack/kafka-tool.sh org.apache.kafka.tools.ConsumerPerformance --bootstrap-server 127.0.0.1:9092 \
#        --topic o2c.orders.v1 --messages 100000
# Heap via STACK_TOOL_HEAP (default 512m).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# -ge 1 ]] || die "usage: bash stack/kafka-tool.sh <main class> [args...]"
[[ -f "$KAFKA_LIB/.complete" ]] || die "Kafka jars not resolved yet: run bash stack/up.sh first."
java="$(kafka_java)" || die "java not found"
log4j="$KAFKA_HOME/config/tools-log4j.properties"
[[ -f "$log4j" ]] || { log4j="$(mktemp)"; printf 'log4j.rootLogger=WARN, e\nlog4j.appender.e=org.apache.log4j.ConsoleAppender\nlog4j.appender.e.Target=System.err\nlog4j.appender.e.layout=org.apache.log4j.PatternLayout\nlog4j.appender.e.layout.ConversionPattern=[%%d] %%p %%m (%%c)%%n\n' > "$log4j"; }
exec "$java" "-Xmx${STACK_TOOL_HEAP:-512m}" -Dlog4j.configuration="file:$log4j" -cp "$(kafka_classpath)" "$@"
