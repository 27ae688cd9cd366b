#include "ghmdet/core/wait_policy.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace ghmdet {

namespace {

// Set beside OMP_WAIT_POLICY so a re-executed process (and its children) know the policy was
// GHMDet's choice, not the user's.
constexpr const char* kDefaultMarker = "GHMDET_DEFAULT_WAIT_POLICY";
constexpr const char* kDefaultPolicy = "passive";

bool user_chose() {
  if (std::getenv(kDefaultMarker) != nullptr) return false;
  return std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr;
}

}  // namespace

void apply_default_wait_policy(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) {
    return;
  }
  ::setenv("OMP_WAIT_POLICY", kDefaultPolicy, 1);
  ::setenv(kDefaultMarker, kDefaultPolicy, 1);
  ::execv("/proc/self/exe", argv);
  // Still here: no re-execution, libgomp keeps the policy it read at load time.
  ::unsetenv("OMP_WAIT_POLICY");
  ::unsetenv(kDefaultMarker);
}

std::string wait_policy_description() {
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  const char* spin = std::getenv("GOMP_SPINCOUNT");
  if (!user_chose()) {
    if (policy != nullptr) return std::string("OMP_WAIT_POLICY=") + policy + " (GHMDet's default)";
    return "libgomp's default (spinning; re-executing with OMP_WAIT_POLICY=passive failed)";
  }
  std::string out;
  if (policy != nullptr) out = std::string("OMP_WAIT_POLICY=") + policy;
  if (spin != nullptr) out += std::string(out.empty() ? "" : " ") + "GOMP_SPINCOUNT=" + spin;
  return out + " (from the environment)";
}

}  // namespace ghmdet
