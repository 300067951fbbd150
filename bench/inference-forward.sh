#!/usr/bin/env bash
# The forward pass the inference service runs (InferenceModel.classify), timed per batch size on real
# test images, for each artefact, in rounds that alternate the contenders; prints the median images/s
# per (model, contender, batch). Each measurement is a fresh `bin/trainer forward` JVM.
# Contenders: this build as the launchers start it, for each forward form in --forms (torchscript,
# block) and each native memory role in --roles (training: pages kept, as bin/trainer; serving:
# bin/inference's policy), plus one per --malloc-conf NAME=MALLOC_CONF; with --isa "AVX ALL", this
# build under each oneDNN ISA cap instead; with --before DIR, also an older trainer-service build (its
# quarkus-app directory) started as that build's launchers did (ONEDNN_MAX_CPU_ISA=AVX unless
# --before-isa says).
# Usage: bench/inference-forward.sh [--rounds N] [--threads N] [--forms "torchscript block"]
#        [--roles "training serving"] [--malloc-conf NAME=CONF]... [--isa "AVX ALL"]
#        [--before DIR [--before-isa ISA]] ARTEFACT.zip...
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: $0 [--rounds N] [--threads N] [--forms LIST] [--roles LIST] [--malloc-conf NAME=CONF]... [--isa \"AVX ALL\"] [--before DIR [--before-isa ISA]] ARTEFACT.zip..."
rounds=3
threads=2
isas=""
before=""
before_isa=AVX
forms=torchscript
roles=training
confs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --isa) isas=$2; shift 2 ;;
    --before) before=$2; shift 2 ;;
    --before-isa) before_isa=$2; shift 2 ;;
    --forms) forms=$2; shift 2 ;;
    --roles) roles=$2; shift 2 ;;
    --malloc-conf) confs+=("$2"); shift 2 ;;
    -*) echo "$usage" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "$usage" >&2; exit 2; }
[ -z "$before" ] || [ -f "$before/quarkus-run.jar" ] || { echo "--before: no quarkus-run.jar in $before" >&2; exit 2; }
lines=$(mktemp)
trap 'rm -f "$lines"' EXIT
measure() { # label, artefact, forward form (empty: the build's default), then env assignments
  local label=$1 artefact=$2 form=$3; shift 3
  echo "== round $round: $artefact, $label" >&2
  env "$@" "$root/bin/trainer" forward --artefact "$artefact" --threads "$threads" ${form:+--forward "$form"} 2>/dev/null \
    | sed "s/^{/{\"contender\":\"$label\",/" >> "$lines"
}
for round in $(seq 1 "$rounds"); do
  for artefact in "$@"; do
    [ -z "$before" ] || measure "before (ISA $before_isa)" "$artefact" "" FMNIST_TRAINER_APP="$before" ONEDNN_MAX_CPU_ISA="$before_isa"
    if [ -n "$isas" ]; then
      for isa in $isas; do measure "now (ISA $isa)" "$artefact" "" ONEDNN_MAX_CPU_ISA="$isa"; done
      continue
    fi
    for form in $forms; do
      for role in $roles; do measure "$form, $role malloc" "$artefact" "$form" FMNIST_NATIVE_ROLE="$role"; done
      for conf in "${confs[@]}"; do measure "$form, ${conf%%=*}" "$artefact" "$form" MALLOC_CONF="${conf#*=}"; done
    done
  done
done
/usr/bin/python3 - "$lines" <<'PY'
import json, statistics, sys, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r = json.loads(line)
    runs[(r["model"], r["batch"], r["contender"])].append(r["images_per_second"])
print("| model | batch | contender | images/s (median) | ms per batch | runs |")
print("| --- | ---: | --- | ---: | ---: | ---: |")
for (model, batch, contender), values in sorted(runs.items()):
    median = statistics.median(values)
    print(f"| {model} | {batch} | {contender} | {median:,.0f} | {1000 * batch / median:.2f} | {len(values)} |")
PY
