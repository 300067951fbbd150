#!/usr/bin/env bash
# KRaft Apache Kafka from Maven Central, each node its own JVM on 127.0.0.1: one node on $KAFKA_PORT
# (9092), or with KAFKA_BROKERS=3 a 3-node cluster (every node broker and controller) on $KAFKA_PORT,
# +2, +4 and controllers on $KAFKA_CONTROLLER_PORT, +2, +4: internal topics with 3 replicas, 2 in sync.
#   deploy/kafka/kafka.sh start     fetch the jars (once), format storage (once), start, wait until all answer
#   deploy/kafka/kafka.sh topics    create the project's topics with their settings (idempotent): the
#                                   contract's TopicSetup, under $FMNIST_TOPIC_PREFIX (default fmnist), with
#                                   FMNIST_KAFKA_REPLICATION_FACTOR (default: 3 on a cluster, else 1)
#                                   and, given FMNIST_ACL_TRAINER, _INFERENCE, _CLIENTS, _OPERATORS
#                                   (principals), grants them the access table as ACLs (SASL clusters:
#                                   docs/operating/kafka.md#acls-for-a-sasl-cluster)
#   deploy/kafka/kafka.sh stop      stop the nodes started here, by pid
#   deploy/kafka/kafka.sh kill N    SIGKILL node N (a broker failure, for trying the cluster); start brings it back
#   deploy/kafka/kafka.sh bootstrap print the bootstrap servers (for KAFKA_BOOTSTRAP_SERVERS)
#   deploy/kafka/kafka.sh status
# Data: $FMNIST_RUN_DIR/kafka (default .run/kafka), logs: $FMNIST_RUN_DIR/logs/kafka-N.log. bin/test runs
# its own broker with its own FMNIST_RUN_DIR, KAFKA_PORT and KAFKA_CONTROLLER_PORT.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
run_dir="${FMNIST_RUN_DIR:-$root/.run}"
data="$run_dir/kafka"
logs="$run_dir/logs"
lib="$here/target/lib"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-9093}"
# the cluster's size is fixed when its storage is formatted: remembered beside the data
brokers_file="$run_dir/kafka.brokers"
brokers="${KAFKA_BROKERS:-$(cat "$brokers_file" 2>/dev/null || echo 1)}"
case "$brokers" in 1|3) ;; *) echo "kafka: KAFKA_BROKERS must be 1 or 3, got $brokers" >&2; exit 2 ;; esac
node_port() { echo $((port + 2 * ($1 - 1))); }
node_controller_port() { echo $((controller_port + 2 * ($1 - 1))); }
node_data() { if [ "$brokers" = 1 ]; then echo "$data"; else echo "$data/node-$1"; fi; }
pid_file_of() { if [ "$1" = 1 ]; then echo "$run_dir/kafka.pid"; else echo "$run_dir/kafka-$1.pid"; fi; }
bootstrap=$(for n in $(seq 1 "$brokers"); do printf '127.0.0.1:%s,' "$(node_port "$n")"; done | sed 's/,$//')
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

running() { local f; f=$(pid_file_of "${1:-1}"); [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; }

port_open() { (exec 3<>/dev/tcp/127.0.0.1/"${1:-$port}") 2>/dev/null; }

node_config() {
  local n=$1 config="$run_dir/server-$1.properties" voters=""
  for v in $(seq 1 "$brokers"); do voters="$voters,$v@127.0.0.1:$(node_controller_port "$v")"; done
  {
    sed -e "s/:9092\b/:$(node_port "$n")/g" -e "s/:9093\b/:$(node_controller_port "$n")/g" \
        -e "s/^node.id=.*/node.id=$n/" -e "s/^controller.quorum.voters=.*/controller.quorum.voters=${voters#,}/" \
        "$here/server.properties"
    echo "log.dirs=$(node_data "$n")"
    if [ "$brokers" = 3 ]; then
      # three copies of every internal topic, two in sync: one node may fail without refusing writes
      printf '%s\n' offsets.topic.replication.factor=3 transaction.state.log.replication.factor=3 \
        transaction.state.log.min.isr=2 share.coordinator.state.topic.replication.factor=3 \
        share.coordinator.state.topic.min.isr=2 default.replication.factor=3 min.insync.replicas=2
    fi
  } > "$config"
  echo "$config"
}

start_node() {
  local n=$1 config
  if running "$n"; then
    return 0
  fi
  if port_open "$(node_port "$n")"; then
    echo "kafka: port $(node_port "$n") is taken by another process; stop it or free the port" >&2
    exit 1
  fi
  mkdir -p "$(node_data "$n")" "$logs"
  config=$(node_config "$n")
  if [ ! -f "$(node_data "$n")/meta.properties" ]; then
    java_kafka kafka.tools.StorageTool format --cluster-id fmnist-local-kraft01 --config "$config" --ignore-formatted >> "$logs/kafka-$n.log" 2>&1
  fi
  nohup java $heap -Dlog4j2.configurationFile="$here/log4j2.xml" -Dkafka.logs.dir="$logs" -cp "$lib/*" \
    kafka.Kafka "$config" >> "$logs/kafka-$n.log" 2>&1 &
  echo $! > "$(pid_file_of "$n")"
}

start() {
  fetch
  mkdir -p "$run_dir"
  echo "$brokers" > "$brokers_file"
  for n in $(seq 1 "$brokers"); do start_node "$n"; done
  for _ in $(seq 1 120); do
    local up=0
    for n in $(seq 1 "$brokers"); do
      if port_open "$(node_port "$n")"; then up=$((up + 1)); elif ! running "$n"; then
        echo "kafka: node $n exited while starting; last lines of $logs/kafka-$n.log:" >&2
        tail -n 20 "$logs/kafka-$n.log" >&2
        exit 1
      fi
    done
    if [ "$up" = "$brokers" ]; then
      echo "kafka: up on $bootstrap ($brokers node(s)), logs $logs/kafka-*.log" >&2
      return 0
    fi
    sleep 0.5
  done
  echo "kafka: not answering on $bootstrap after 60 s; see $logs/kafka-*.log" >&2
  exit 1
}

topics() {
  fetch
  port_open || { echo "kafka: not running on $bootstrap; run: $0 start" >&2; exit 1; }
  local replication=1
  [ "$brokers" = 3 ] && replication=3
  if [ ! -f "$contract_jar" ]; then
    echo "kafka: building the contract module (the topic list lives there)" >&2
    "$root/mvnw" -B -q -ntp -f "$root/pom.xml" -pl fmnist-contract -am install -DskipTests >&2
  fi
  # the broker's own jars include the admin client TopicSetup uses
  FMNIST_KAFKA_REPLICATION_FACTOR="${FMNIST_KAFKA_REPLICATION_FACTOR:-$replication}" \
    java -cp "$contract_jar:$lib/*" -Dlog4j2.configurationFile="$here/log4j2.xml" -Dkafka.logs.dir="$logs" \
    dev.fmnist.contract.kafka.TopicSetup "$bootstrap" --prefix "${FMNIST_TOPIC_PREFIX:-fmnist}"
}

stop_node() {
  local n=$1 signal=${2:-TERM} f pid
  f=$(pid_file_of "$n")
  running "$n" || { rm -f "$f"; return 0; }
  pid=$(cat "$f")
  kill -"$signal" "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$f"; return 0; }
    sleep 0.5
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$f"
}

stop() {
  for n in $(seq 1 "$brokers"); do stop_node "$n"; done
  echo "kafka: stopped" >&2
}

case "${1:-}" in
  start) start ;;
  topics) topics ;;
  stop) stop ;;
  kill) [ -n "${2:-}" ] && [ "$2" -ge 1 ] && [ "$2" -le "$brokers" ] || { echo "usage: $0 kill NODE (1-$brokers)" >&2; exit 2; }
        stop_node "$2" KILL; echo "kafka: node $2 killed" >&2 ;;
  bootstrap) echo "$bootstrap" ;;
  status) up=0; for n in $(seq 1 "$brokers"); do running "$n" && up=$((up + 1)); done
          if [ "$up" -gt 0 ]; then echo "running ($up of $brokers node(s)) on $bootstrap"; else echo "not running"; exit 3; fi ;;
  *) echo "usage: $0 start|topics|stop|kill NODE|bootstrap|status" >&2; exit 2 ;;
esac
