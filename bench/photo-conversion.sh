#!/usr/bin/env bash
# What the server's photo conversion costs on this machine, one thread: product-photo renders of the
# test images (PhotoRenders, 640x640 JPEG by default) decoded as the server decodes them (header size
# check, then read subsampled by max(1, max(w,h)/224) on both axes) and converted (GrayImage.of and
# PhotoConversion.convert), each image timed step by step after a warm-up; prints the median, p90 and
# mean ms per image of the decode, the conversion and both, and of the decode through ImageIO's default
# stream (a temporary file per image). Issue 23's target: decode + convert under 2 ms at the median.
# Usage: bench/photo-conversion.sh [--images N] [--warmup N] [--side PX] [--style jpeg|rgb-png|cutout-png|gray-jpeg] [--seed N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jar="$root/bench/loadgen/target/fmnist-loadgen.jar"
if [ ! -f "$jar" ]; then
  echo "bench/photo-conversion.sh: $jar is missing; build first: ./mvnw -B -DskipTests install" >&2
  exit 1
fi
echo "== $(date -u +%Y-%m-%dT%H:%MZ), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores," \
  "$(java -version 2>&1 | head -1)"
# the jar's manifest puts target/lib on the class path; the benchmark is the loadgen jar's second main
# shellcheck disable=SC2086 # option list
exec java ${JAVA_OPTS:-} -cp "$jar" dev.fmnist.loadgen.ConversionBenchmark "$@"
