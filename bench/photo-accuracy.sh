#!/usr/bin/env bash
# A model's accuracy on the project's product-photo renders (PhotoRenders: jpeg, rgb-png, cutout-png,
# gray-jpeg; seed = --photo-seed plus the image's index) beside the same images as pixels, offline: decoded and converted
# as the inference service does, classified by the engine. --split val:SEED scores the images a run
# trained with --validation-split 5000 --seed SEED held out (for choosing a recipe); test for reporting.
# Usage: bench/photo-accuracy.sh ARTEFACT [--split test|val:SEED] [--images N] [--photo-seed S] [--validation-split N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jar="$root/bench/loadgen/target/fmnist-loadgen.jar"
if [ ! -f "$jar" ]; then
  echo "bench/photo-accuracy.sh: $jar is missing; build first: ./mvnw -B -DskipTests install" >&2
  exit 1
fi
# shellcheck disable=SC2086 # option list
exec java ${JAVA_OPTS:-} -cp "$jar" dev.fmnist.loadgen.PhotoAccuracy "$@"
