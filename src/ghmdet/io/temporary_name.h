// Temporary files beside their target, for writes that become visible by a rename.
//
// Name: `.<target file name>.tmp.<pid>.<8 hex digits>` in the target's directory (the same file
// system, so the rename is atomic; hidden, so globs like *.pth never see it). A process killed
// between creating and renaming one (SIGKILL, OOM killer, power loss) leaves it behind;
// remove_abandoned_temporaries() deletes those whose writer process no longer exists, so a
// resumed run cleans up after the one that was killed. Files of a live process are kept (another
// run may be writing into the same folder).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace ghmdet {

std::filesystem::path temporary_path_for(const std::filesystem::path& target);

// Removes the abandoned temporaries directly in `dir`; returns their file names. A missing or
// unreadable `dir` removes nothing.
std::vector<std::string> remove_abandoned_temporaries(const std::filesystem::path& dir);

}  // namespace ghmdet
