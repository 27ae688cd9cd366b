#include "ghmdet/losses/ghm_stats_reducer.h"

namespace ghmdet {

namespace {

GhmStatsReducer& installed() {
  static GhmStatsReducer reducer;
  return reducer;
}

}  // namespace

const GhmStatsReducer* ghm_stats_reducer() {
  const GhmStatsReducer& r = installed();
  return r ? &r : nullptr;
}

GhmStatsReducerScope::GhmStatsReducerScope(GhmStatsReducer reducer)
    : previous_(std::move(installed())) {
  installed() = std::move(reducer);
}

GhmStatsReducerScope::~GhmStatsReducerScope() { installed() = std::move(previous_); }

}  // namespace ghmdet
