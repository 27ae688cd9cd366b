// The fuzz harnesses' shared plumbing: most GHMDet readers take a path, so each input is written
// to a file in a private folder of this process (under $TMPDIR, removed at exit) first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ghmdet::fuzz {

// The private folder, created on first use.
const std::string& scratch_dir();

// Writes `size` bytes to scratch_dir()/name and returns that path.
std::string write_input(const std::string& name, const uint8_t* data, size_t size);

}  // namespace ghmdet::fuzz
