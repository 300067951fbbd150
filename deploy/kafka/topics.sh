# The project's topics and their settings, in one place for every way of running the broker.
# POSIX sh, to be sourced: define kafka_topics (runs Kafka's topic tool with the arguments given),
# then call create_topics BOOTSTRAP. Used by kafka.sh (local broker) and docker-compose.yml.

topic() { # bootstrap name partitions config...
  _bootstrap=$1 _name=$2 _partitions=$3
  shift 3
  _configs=""
  for _c in "$@"; do _configs="$_configs --config $_c"; done
  # shellcheck disable=SC2086 # word splitting of the --config list is intended
  kafka_topics --bootstrap-server "$_bootstrap" --create --if-not-exists --topic "$_name" \
    --partitions "$_partitions" --replication-factor 1 $_configs
}

create_topics() { # bootstrap
  # Requests: the partition count is how many trainers can share the work.
  topic "$1" fmnist.experiments 3 max.message.bytes=8388608 retention.ms=604800000
  topic "$1" fmnist.experiments.dlq 1 max.message.bytes=8388608 retention.ms=2592000000
  # Lifecycle events are the record of what ran: kept forever, rebuilt on a trainer's start.
  topic "$1" fmnist.experiment-events 3 retention.ms=-1
  # The latest artefact per architecture: compacted, room for a 10 MB BetterNet.
  topic "$1" fmnist.models 1 cleanup.policy=compact max.message.bytes=20971520 min.compaction.lag.ms=3600000
  topic "$1" fmnist.experiment-control 1 retention.ms=86400000
  topic "$1" fmnist.reports 1 max.message.bytes=8388608 retention.ms=-1
}
