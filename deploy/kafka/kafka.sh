#!/usr/bin/env bash
# A single-node KRaft Apache Kafka from Maven Central, as its own JVM on 127.0.0.1:$KAFKA_PORT (9092).
#   deploy/kafka/kafka.sh start     fetch the jars (once), format storage (once), start, wait until it answers
#   deploy/kafka/kafka.sh topics    create the project's topics with their settings (idempotent): the
#                                   contract's TopicSetup, under $FMNIST_TOPIC_PREFIX (default fmnist)
#   deploy/kafka/kafka.sh stop      stop the broker started here, by pid
#   deploy/kafka/kafka.sh status
# Data: $FMNIST_RUN_DIR/kafka (default .run/kafka), log: $FMNIST_RUN_DIR/logs/kafka.log. bin/test runs
# its own broker with its own FMNIST_RUN_DIR, KAFKA_PORT and KAFKA_CONTROLLER_PORT.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
run_dir="${FMNIST_RUN_DIR:-$root/.run}"
data="$run_dir/kafka"
logs="$run_dir/logs"
pid_file="$run_dir/kafka.pid"
lib="$here/target/lib"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-9093}"
bootstrap="127.0.0.1:$port"
contract_jar="$root/fmnist-contract/target/fmnist-contract.jar"
heap="${KAFKA_HEAP:--Xms256m -Xmx512m}"

fetch() {
  if [ ! -f "$lib/.complete" ]; then
    echo "kafka: fetching the broker's jars from Maven Central" >&2
    "$root/mvnw" -B -q -ntp -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$lib" >&2
    touch "$lib/.complete"
  fi
}

java_kafka() { java $heap -Dlog4j2.configurationFile="$here/log4j2.xml" -Dkafka.logs.dir="$logs" -cp "$lib/*" "$@"; }

running() { [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; }

port_open() { (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; }

start() {
  if running; then
    echo "kafka: already running (pid $(cat "$pid_file")) on $bootstrap" >&2
    return 0
  fi
  if port_open; then
    echo "kafka: port $port is taken by another process; stop it or free the port" >&2
    exit 1
  fi
  fetch
  mkdir -p "$data" "$logs"
  local config="$run_dir/server.properties"
  { sed -e "s/:9092\b/:$port/g" -e "s/:9093\b/:$controller_port/g" "$here/server.properties"; echo "log.dirs=$data"; } > "$config"
  if [ ! -f "$data/meta.properties" ]; then
    java_kafka kafka.tools.StorageTool format --cluster-id fmnist-local-kraft01 --config "$config" --ignore-formatted >> "$logs/kafka.log" 2>&1
  fi
  nohup java $heap -Dlog4j2.configurationFile="$here/log4j2.xml" -Dkafka.logs.dir="$logs" -cp "$lib/*" \
    kafka.Kafka "$config" >> "$logs/kafka.log" 2>&1 &
  echo $! > "$pid_file"
  for _ in $(seq 1 120); do
    if port_open; then
      echo "kafka: up on $bootstrap (pid $(cat "$pid_file")), log $logs/kafka.log" >&2
      return 0
    fi
    if ! running; then
      echo "kafka: the broker exited while starting; last lines of $logs/kafka.log:" >&2
      tail -n 20 "$logs/kafka.log" >&2
      exit 1
    fi
    sleep 0.5
  done
  echo "kafka: not answering on $bootstrap after 60 s; see $logs/kafka.log" >&2
  exit 1
}

topics() {
  fetch
  port_open || { echo "kafka: not running on $bootstrap; run: $0 start" >&2; exit 1; }
  if [ ! -f "$contract_jar" ]; then
    echo "kafka: building the contract module (the topic list lives there)" >&2
    "$root/mvnw" -B -q -ntp -f "$root/pom.xml" -pl fmnist-contract -am install -DskipTests >&2
  fi
  # the broker's own jars include the admin client TopicSetup uses
  java -cp "$contract_jar:$lib/*" -Dlog4j2.configurationFile="$here/log4j2.xml" -Dkafka.logs.dir="$logs" \
    dev.fmnist.contract.kafka.TopicSetup "$bootstrap" --prefix "${FMNIST_TOPIC_PREFIX:-fmnist}"
}

stop() {
  if ! running; then
    echo "kafka: not running" >&2
    rm -f "$pid_file"
    return 0
  fi
  local pid
  pid=$(cat "$pid_file")
  kill "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pid_file"; echo "kafka: stopped" >&2; return 0; }
    sleep 0.5
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pid_file"
  echo "kafka: killed after 30 s" >&2
}

case "${1:-}" in
  start) start ;;
  topics) topics ;;
  stop) stop ;;
  status) if running; then echo "running (pid $(cat "$pid_file")) on $bootstrap"; else echo "not running"; exit 3; fi ;;
  *) echo "usage: $0 start|topics|stop|status" >&2; exit 2 ;;
esac
