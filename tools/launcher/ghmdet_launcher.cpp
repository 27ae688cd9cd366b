// `ghmdet`, the command users run: sets GHMDet's default OpenMP wait policy, then executes the
// real program (libexec/ghmdet-main, beside bin/ under the same prefix) with the same arguments.
//
// Why a separate executable: libgomp reads its wait policy once, in its initialiser, before main()
// of any program that links libtorch; and the C library resets the environment after an
// executable's .preinit_array has run. Setting the variable in a process that loads neither, then
// executing the one that does, costs about a millisecond; re-executing ghmdet-main itself would
// load libtorch twice (~0.3 s). See core/wait_policy.h for the policy.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>

#include "ghmdet/core/wait_policy.h"

int main(int, char** argv) {
  ghmdet::apply_default_wait_policy();
  char self[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    std::fprintf(stderr, "ghmdet: cannot find this program's location (/proc/self/exe): %s\n",
                 std::strerror(errno));
    return 127;
  }
  self[n] = '\0';
  std::string main_program(self);
  main_program.resize(main_program.rfind('/') + 1);
  main_program += "../libexec/ghmdet-main";
  ::execv(main_program.c_str(), argv);
  std::fprintf(stderr, "ghmdet: cannot run %s: %s\n", main_program.c_str(), std::strerror(errno));
  return 127;
}
