#!/bin/bash
# Starts the broker in the foreground with the given server.properties (as Kafka's own script does, minus daemon mode).
[ $# -ge 1 ] || { echo "usage: kafka-server-start.sh server.properties [--override name=value]..." >&2; exit 2; }
export KAFKA_LOG4J_OPTS="${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=/opt/kafka/config/log4j2.yaml}"
export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}"
exec "$(dirname "$0")/kafka-run-class.sh" kafka.Kafka "$@"
