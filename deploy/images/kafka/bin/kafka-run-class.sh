#!/bin/bash
# Runs one Kafka main class on the image's class path; the other scripts here only name their class.
# KAFKA_HEAP_OPTS, KAFKA_OPTS and KAFKA_LOG4J_OPTS work as in Kafka's own distribution.
set -e
main_class="$1"; shift
log4j="${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=/opt/kafka/config/tools-log4j2.yaml}"
# A tool run before the broker has written its configuration still logs somewhere sensible.
[ -f /opt/kafka/config/tools-log4j2.yaml ] || log4j="${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=/etc/kafka/docker/tools-log4j2.yaml}"
# shellcheck disable=SC2086 # the *_OPTS variables hold several JVM flags each
exec java ${KAFKA_HEAP_OPTS:--Xmx256m} ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC} $log4j ${KAFKA_OPTS:-} \
  -cp '/opt/kafka/libs/*' "$main_class" "$@"
