// ghmdet::parallel_for — at::parallel_for on torch's intra-op threads, callable from any file.
//
// With libtorch's OpenMP backend, at::parallel_for is an inline template whose
// `#pragma omp parallel` takes effect only where the caller is compiled with -fopenmp; anywhere
// else it silently runs every chunk on the calling thread. This wrapper's body lives in one
// translation unit compiled with OpenMP (top-level CMakeLists.txt), so callers need no flag.
//
// Contract (as at::parallel_for): fn(chunk_begin, chunk_end) covers [begin, end) exactly once
// in disjoint chunks of at least `grain` indices (except the last); chunks may run concurrently,
// so fn must not write shared state without its own synchronisation. Exceptions propagate.
// fn runs through a pointer to it: copy the scalars its inner loops read into locals first, or
// the compiler must assume stores through float pointers may change them (measured: the IoU
// loop did not vectorise, 3x slower).
#pragma once

#include <cstdint>
#include <memory>
#include <type_traits>

namespace ghmdet {

namespace detail {
using ChunkCall = void (*)(void* fn, int64_t chunk_begin, int64_t chunk_end);
void parallel_for_erased(int64_t begin, int64_t end, int64_t grain, ChunkCall call, void* fn);
}  // namespace detail

template <class Fn>
void parallel_for(int64_t begin, int64_t end, int64_t grain, Fn&& fn) {
  using F = std::remove_reference_t<Fn>;
  detail::parallel_for_erased(
      begin, end, grain, +[](void* f, int64_t b, int64_t e) { (*static_cast<F*>(f))(b, e); },
      const_cast<void*>(static_cast<const void*>(std::addressof(fn))));
}

}  // namespace ghmdet
