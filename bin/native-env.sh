# Sourced by the launchers: native settings every fmnist JVM needs before libtorch loads.

# jemalloc, with a policy per role (FMNIST_NATIVE_ROLE, set by the launcher; MALLOC_CONF overrides):
# - training: keep every freed page. glibc returns each freed activation buffer (over 100 MB a batch
#   for BetterNet) to the kernel and faults it back in on the next batch; keeping them makes a CPU
#   epoch 2-3x faster here, and a trainer's batches are all the same size.
# - serving: give pages back a second after they are freed (a background thread does it even when
#   idle). Request sizes vary, so a kept page is a burst's high-water mark held for ever: after a
#   burst of 1024-image batches RSS stayed 1.25 GB above rest with pages kept; with this policy and
#   bin/inference's heap-shrinking JVM flags it came back to within 9% of rest after 10 s and 1.4%
#   after 60 s, at the same throughput (docs/BENCHMARKS.md, "Memory after a burst"). With
#   oversize_threshold:0, as with glibc, a large buffer (8 MiB and over: a 64-image batch's first
#   activations) comes back from the same decaying pages; jemalloc's default puts each in an arena that
#   returns it to the kernel at once, and a forward pass at batch 64-256 ran 1.3-2.0x slower faulting
#   it back in (docs/BENCHMARKS.md, "Serving: forward-pass forms and the allocator").
# Debian: apt-get install libjemalloc2. Set FMNIST_NO_JEMALLOC=1 to opt out.
case "${FMNIST_NATIVE_ROLE:-training}" in
  serving) fmnist_malloc_conf="background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:1000,oversize_threshold:0" ;;
  *) fmnist_malloc_conf="dirty_decay_ms:-1,muzzy_decay_ms:-1" ;;
esac
for lib in /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/lib/aarch64-linux-gnu/libjemalloc.so.2 /usr/lib64/libjemalloc.so.2; do
  if [ -z "${FMNIST_NO_JEMALLOC:-}" ] && [ -f "$lib" ]; then
    export LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}"
    export MALLOC_CONF="${MALLOC_CONF:-$fmnist_malloc_conf}"
    break
  fi
done
unset fmnist_malloc_conf

# oneDNN's ISA: the widest whose convolution kernels are exact on this CPU (bin/onednn-isa, remembered
# per CPU). ONEDNN_MAX_CPU_ISA set by the caller wins; FMNIST_ONEDNN_ISA_PROBE=off skips the probe.
# shellcheck source=onednn-env.sh
source "$root/bin/onednn-env.sh"
