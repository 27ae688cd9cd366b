// ScopedEnv: an environment variable set for one scope, its previous value (or absence) restored
// on the way out, also when an assertion leaves the test early.
#pragma once

#include <cstdlib>
#include <string>

namespace ghmdet::testing {

struct ScopedEnv {
  ScopedEnv(const char* name, const char* value) : name(name) {
    if (const char* old = std::getenv(name)) saved = old, had = true;
    setenv(name, value, 1);
  }
  ~ScopedEnv() { had ? setenv(name, saved.c_str(), 1) : unsetenv(name); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  const char* name;
  std::string saved;
  bool had = false;
};

}  // namespace ghmdet::testing
