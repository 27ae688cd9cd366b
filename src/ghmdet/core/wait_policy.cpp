#include "ghmdet/core/wait_policy.h"

#include <cstdlib>
#include <string>

namespace ghmdet {

namespace {

// Set beside GOMP_SPINCOUNT so that this process and the processes it starts (which inherit both)
// know the spin count was GHMDet's choice, not the user's.
constexpr const char* kDefaultMarker = "GHMDET_DEFAULT_WAIT_POLICY";

bool set_by_ghmdet() { return std::getenv(kDefaultMarker) != nullptr; }

}  // namespace

void apply_default_wait_policy() {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) {
    return;
  }
  ::setenv("GOMP_SPINCOUNT", kDefaultSpinCount, 1);
  ::setenv(kDefaultMarker, kDefaultSpinCount, 1);
}

std::string wait_policy_description() {
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  const char* spin = std::getenv("GOMP_SPINCOUNT");
  if (set_by_ghmdet() && policy == nullptr && spin != nullptr) {
    return std::string("GOMP_SPINCOUNT=") + spin + " (GHMDet's default)";
  }
  if (policy == nullptr && spin == nullptr) return "libgomp's default (GOMP_SPINCOUNT=300000)";
  std::string out;
  if (policy != nullptr) out = std::string("OMP_WAIT_POLICY=") + policy;
  if (spin != nullptr) out += std::string(out.empty() ? "" : " ") + "GOMP_SPINCOUNT=" + spin;
  return out + " (from the environment)";
}

}  // namespace ghmdet
