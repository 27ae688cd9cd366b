// The zip container of torch.save (PyTorch >= 1.6): data.pkl whose persistent ids
// ('storage', <T>Storage, key, location, numel) name the records data/<key>.
// Read through ZipArchive (any prefix folder); each storage record is read straight into its
// tensor's memory, CRC-checked.
#pragma once

#include <string>

#include "ghmdet/io/pickle_value.h"

namespace ghmdet {

PickleValuePtr read_zip_checkpoint(const std::string& path);

}  // namespace ghmdet
