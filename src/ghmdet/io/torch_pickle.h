// Reading PyTorch checkpoint files (what torch.save writes) without Python.
//
// read_torch_file() accepts both container formats and returns the pickled object as a
// PickleValue tree whose tensors are CPU tensors (whatever device they were saved from, as
// torch.load(map_location="cpu") does):
//  * zip (torch.save's default since PyTorch 1.6): `<prefix>/data.pkl` + `<prefix>/data/<key>`
//    raw little-endian storages, any prefix;
//  * legacy (`_use_new_zipfile_serialization=False`, torchvision's older .pth files): a stream of
//    pickles — magic number, protocol version, sys info, the object, the storage keys — then
//    each storage as an 8-byte element count and its raw bytes.
// What the pickle may contain is limited to torch_globals.h's whitelist. Anything else (a
// pickled nn.Module, numpy arrays, a TorchScript archive, text, an empty or truncated file)
// throws ghmdet::Error whose message starts with the path and names the opcode, global or part
// of the container that is wrong.
#pragma once

#include <string>

#include "ghmdet/io/pickle_value.h"

namespace ghmdet {

enum class TorchFileFormat { Zip, Legacy };

struct TorchFile {
  PickleValuePtr root;
  TorchFileFormat format = TorchFileFormat::Zip;
};

TorchFile read_torch_file(const std::string& path);

}  // namespace ghmdet
