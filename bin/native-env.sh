# Sourced by the launchers: native settings every fmnist JVM needs before libtorch loads.

# libtorch 2.5.1's oneDNN gives wrong convolution gradients with its AVX2/AVX-512 kernels on
# AVX-512 machines (see ComputeEngine.ONEDNN_ISA_VARIABLE); capped at AVX they are exact.
export ONEDNN_MAX_CPU_ISA="${ONEDNN_MAX_CPU_ISA:-AVX}"

# glibc returns every freed activation buffer (over 100 MB a batch for BetterNet) to the kernel and
# faults it back in on the next batch; jemalloc keeping its pages makes a CPU epoch 2-3x faster here.
# Debian: apt-get install libjemalloc2. Set FMNIST_NO_JEMALLOC=1 to opt out.
for lib in /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/lib/aarch64-linux-gnu/libjemalloc.so.2 /usr/lib64/libjemalloc.so.2; do
  if [ -z "${FMNIST_NO_JEMALLOC:-}" ] && [ -f "$lib" ]; then
    export LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}"
    export MALLOC_CONF="${MALLOC_CONF:-dirty_decay_ms:-1,muzzy_decay_ms:-1}"
    break
  fi
done
