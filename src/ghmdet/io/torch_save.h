// Writing a PickleValue tree as a torch.save zip file, atomically.
//
// The file is the zip container torch.save writes (`<stem>/data.pkl`, `<stem>/data/<key>`
// 64-byte aligned, `<stem>/version`), so Python's torch.load and read_torch_file() both read it.
// It is written to a temporary file in the destination's directory (io/temporary_name.h),
// fsync'ed, then renamed over `path` (and the directory fsync'ed): readers see the old file or
// the complete new one, never a partial one, even when the process is killed mid-write. On
// failure (a full disk included) the temporary file is removed, `path` is left as it was and
// ghmdet::Error names `path` and the system's reason. Missing parent directories are created.
#pragma once

#include <string>

#include "ghmdet/io/pickle_value.h"

namespace ghmdet {

void write_torch_file(const std::string& path, const PickleValue& root);

}  // namespace ghmdet
