# Sourced, with $root set, by bin/native-env.sh (every launcher), bin/up and bin/test: exports
# ONEDNN_MAX_CPU_ISA as bin/onednn-isa chooses it for this CPU (none where all kernels are exact),
# unless the caller set it or FMNIST_ONEDNN_ISA_PROBE=off; then FMNIST_ONEDNN_ISA_PROBE=off, so that
# what the caller starts does not ask again.
if [ -z "${ONEDNN_MAX_CPU_ISA:-}" ] && [ "${FMNIST_ONEDNN_ISA_PROBE:-on}" != off ]; then
  if fmnist_isa=$("$root/bin/onednn-isa"); then
    [ "$fmnist_isa" = ALL ] || export ONEDNN_MAX_CPU_ISA="$fmnist_isa"
  else
    echo "$(basename "$0"): oneDNN's kernels not checked on this CPU; running oneDNN's own choice" >&2
  fi
  export FMNIST_ONEDNN_ISA_PROBE=off
  unset fmnist_isa
fi
