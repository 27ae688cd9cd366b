// The legacy container of torch.save (before PyTorch 1.6, or _use_new_zipfile_serialization=False):
// consecutive pickles — magic number 0x1950a86a20f9469cfc6c, protocol version 1001, sys info
// (must say little-endian), the object, the list of storage keys — then for each key, in that
// order, an 8-byte little-endian element count and the storage's raw bytes.
// Persistent ids are ('storage', <T>Storage, root_key, location, numel, view_metadata) where
// view_metadata, when set, is (view_key, offset, size) of a slice of the root storage.
// The object pickle is read before the storage bytes, so storages are allocated when first named
// and filled in place afterwards; the tensors rebuilt as views of them see the data.
#pragma once

#include <string>

#include "ghmdet/io/pickle_value.h"

namespace ghmdet {

// `bytes` is the whole file's content; `path` only names it in messages.
PickleValuePtr read_legacy_checkpoint(const std::string& bytes, const std::string& path);

}  // namespace ghmdet
