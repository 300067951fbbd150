#!/usr/bin/env bash
# The chaos soak: a 3-node KRaft cluster of its own (replication 3, min in-sync 2, free ports, a temp
# directory), 3 packaged trainers and an inference replica, small runs and sweeps submitted every 15 s,
# a classify call every second, and one fault at a time every 1-2 minutes (each kind once first, in a
# seeded order, then at random): kill -9 a broker, kill -9 a trainer, SIGSTOP a trainer past its lease,
# kill -9 the inference replica, garbage on every internal topic, a forged claim, a forged end. Then it
# drains and checks that every experiment ended exactly once, one artefact per SUCCEEDED run, one
# summary per sweep, nothing left running, serving on the newest artefact, every service up, no good
# classify call failed outside the replica's kill windows; and reports the work lost (take-overs,
# RESUMED events, epochs run twice) and each fault's recovery. The driver is system-tests' ChaosSoak,
# run through ChaosIT with the settings below, so it builds and packages both services first.
#   bench/chaos-soak.sh [MINUTES] [--seed N] [--trainers N]     (default: 30 minutes, a fresh seed, 3 trainers)
# Writes chaos-report.json, chaos-report.md and maven.log to $CHAOS_OUT (default target/chaos-soak-DATE)
# and prints the Markdown report; exits non-zero when an invariant broke. Needs nothing running: it
# takes both CPU cores for the whole run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
minutes=30
seed=$(date +%s)
trainers=3
while [ $# -gt 0 ]; do
  case "$1" in
    --seed) seed=$2; shift 2 ;;
    --trainers) trainers=$2; shift 2 ;;
    [0-9]*) minutes=$1; shift ;;
    *) echo "usage: bench/chaos-soak.sh [MINUTES] [--seed N] [--trainers N]" >&2; exit 2 ;;
  esac
done
out=${CHAOS_OUT:-$root/target/chaos-soak-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
echo "chaos-soak: $minutes minutes, seed $seed, $trainers trainers, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')," \
  "$(nproc) cores; report in $out" >&2
status=0
# MAVEN_ARGS: e.g. -o where the repository is already filled
./mvnw -B -ntp ${MAVEN_ARGS:-} -pl trainer-service,inference-service,system-tests -am verify \
  -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ChaosIT -Dfailsafe.failIfNoSpecifiedTests=false \
  -Dfmnist.chaos.minutes="$minutes" -Dfmnist.chaos.seed="$seed" -Dfmnist.chaos.trainers="$trainers" \
  -Dfmnist.chaos.report="$out" > "$out/maven.log" 2>&1 || status=$?
if [ -f "$out/chaos-report.md" ]; then
  cat "$out/chaos-report.md"
else
  echo "chaos-soak: no report was written; the end of $out/maven.log:" >&2
  tail -n 60 "$out/maven.log" >&2
fi
[ "$status" = 0 ] || echo "chaos-soak: maven exited $status (an invariant broke, or the build failed): see $out/maven.log" >&2
exit "$status"
