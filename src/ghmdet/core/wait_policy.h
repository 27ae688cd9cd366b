// The OpenMP wait policy GHMDet runs with: a short spin, then sleep, unless the user chose one.
//
// libgomp's default spins 300000 times at each parallel region's barrier before it sleeps. When
// another job shares the cores, a descheduled peer makes every one of a training step's thousands
// of small parallel regions spin for its time slice: runs get 10-50x slower
// (docs/PERFORMANCE.md). Passive waiting (spin count 0) removes that cliff but costs a tiny model
// ~50 % on an idle machine (a futex wake-up per region). A spin count of 1000 keeps both: as fast
// as libgomp's default alone, as steady as passive waiting when the cores are shared.
//
// libgomp reads OMP_WAIT_POLICY / GOMP_SPINCOUNT once, in its shared-library initialiser, so the
// default must be in the environment before that runs: the `ghmdet` executable calls
// apply_default_wait_policy() from its .preinit_array, which the dynamic loader runs before any
// shared library's initialiser. It sets GOMP_SPINCOUNT=1000 when neither variable is set; every
// process ghmdet starts inherits it. A user's OMP_WAIT_POLICY or GOMP_SPINCOUNT always wins.
#pragma once

#include <string>

namespace ghmdet {

// The spin count GHMDet's default sets.
inline constexpr const char* kDefaultSpinCount = "1000";

// Sets GOMP_SPINCOUNT=kDefaultSpinCount unless OMP_WAIT_POLICY or GOMP_SPINCOUNT is set. Uses only
// getenv/setenv, so it is safe before any C++ static initialiser has run.
void apply_default_wait_policy();

// What is in effect, for `ghmdet version`: e.g. "GOMP_SPINCOUNT=1000 (GHMDet's default)",
// "OMP_WAIT_POLICY=active (from the environment)", "libgomp's default (GOMP_SPINCOUNT=300000)".
std::string wait_policy_description();

}  // namespace ghmdet
