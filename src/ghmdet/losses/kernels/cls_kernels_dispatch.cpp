// Picks the classification-loss kernel variant for the CPU the process runs on.
#include "ghmdet/losses/kernels/cls_kernels.h"

namespace ghmdet::loss_kernels {

namespace portable {
extern const ClsKernels kernels;
}
#if defined(__x86_64__) && defined(__GNUC__)
namespace avx2 {
extern const ClsKernels kernels;
}
namespace avx512 {
extern const ClsKernels kernels;
}
#endif

namespace {

struct Variants {
  const ClsKernels* list[3];
  int count = 0;
  Variants() {
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) {
      list[count++] = &avx512::kernels;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
      list[count++] = &avx2::kernels;
    }
#endif
    list[count++] = &portable::kernels;
  }
};

const Variants& variants() {
  static const Variants v;
  return v;
}

}  // namespace

const ClsKernels& cls_kernels() { return *variants().list[0]; }

const ClsKernels* const* available_cls_kernels(int* count) {
  *count = variants().count;
  return variants().list;
}

}  // namespace ghmdet::loss_kernels
