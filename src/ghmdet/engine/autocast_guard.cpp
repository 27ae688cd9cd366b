#include "ghmdet/engine/autocast_guard.h"

#include "ghmdet/core/autocast_compat.h"

namespace ghmdet {

AutocastGuard::AutocastGuard(at::DeviceType device, at::ScalarType dtype)
    : device_(device),
      was_enabled_(autocast_compat::is_enabled(device)),
      was_dtype_(autocast_compat::dtype(device)) {
  autocast_compat::set_dtype(device_, dtype);
  autocast_compat::set_enabled(device_, true);
  at::autocast::increment_nesting();
}

AutocastGuard::~AutocastGuard() {
  // The same order as torch.autocast.__exit__: the cache goes with the outermost scope.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  autocast_compat::set_enabled(device_, was_enabled_);
  autocast_compat::set_dtype(device_, was_dtype_);
}

}  // namespace ghmdet
