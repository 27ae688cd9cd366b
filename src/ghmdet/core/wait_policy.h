// The OpenMP wait policy GHMDet runs with: passive waiting unless the user chose otherwise.
//
// libgomp's default spins at each parallel region's barrier waiting for the other threads. When
// another job shares the cores, a descheduled peer makes every one of a training step's thousands
// of small parallel regions spin for its time slice: runs get 10-50x slower
// (docs/PERFORMANCE.md). libgomp reads OMP_WAIT_POLICY / GOMP_SPINCOUNT once, when it is loaded,
// before main(), so the policy cannot be changed from inside the process: when neither variable
// is set, apply_default_wait_policy() sets OMP_WAIT_POLICY=passive and re-executes the program
// (/proc/self/exe, same argv) once; the new process, and every process it starts, inherits it.
// A user's OMP_WAIT_POLICY or GOMP_SPINCOUNT always wins. Where re-executing fails (no /proc),
// the program goes on with libgomp's default.
#pragma once

#include <string>

namespace ghmdet {

// Call first thing in main(). Returns only when no re-execution was needed or it failed.
void apply_default_wait_policy(char** argv);

// What is in effect, for `ghmdet version`: e.g. "OMP_WAIT_POLICY=passive (GHMDet's default)",
// "OMP_WAIT_POLICY=active (from the environment)", "libgomp's default (spinning): ...".
std::string wait_policy_description();

}  // namespace ghmdet
