#include "ghmdet/io/torch_pickle.h"

#include <fmt/format.h>

#include <cctype>
#include <filesystem>
#include <fstream>

#include "ghmdet/core/error.h"
#include "ghmdet/io/legacy_checkpoint.h"
#include "ghmdet/io/zip_checkpoint.h"

namespace ghmdet {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw Error(fmt::format("{}: cannot open checkpoint file", path));
  const std::streamsize size = in.tellg();
  std::string bytes(static_cast<size_t>(size), '\0');
  in.seekg(0);
  // One read: a character-wise copy of a few hundred MB would dominate the load time.
  if (!in.read(bytes.data(), size)) throw Error(fmt::format("{}: read error", path));
  return bytes;
}

std::string printable_prefix(const std::string& head) {
  std::string out;
  for (char c : head.substr(0, 16)) {
    out += std::isprint(static_cast<unsigned char>(c)) ? std::string(1, c)
                                                        : fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
  }
  return out;
}

}  // namespace

TorchFile read_torch_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error(fmt::format("{}: no such checkpoint file", path));
  if (std::filesystem::is_directory(path, ec)) throw Error(fmt::format("{}: is a directory, not a checkpoint file", path));
  std::string head(512, '\0');
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(fmt::format("{}: cannot open checkpoint file", path));
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(in.gcount()));
  }
  if (head.empty()) throw Error(fmt::format("{}: empty file, not a PyTorch checkpoint", path));
  if (head.compare(0, 4, "PK\x03\x04") == 0) return {read_zip_checkpoint(path), TorchFileFormat::Zip};
  if (static_cast<unsigned char>(head[0]) == 0x80) {
    return {read_legacy_checkpoint(read_all(path), path), TorchFileFormat::Legacy};
  }
  if (head.size() >= 262 && head.compare(257, 5, "ustar") == 0) {
    throw Error(fmt::format("{}: a tar-format checkpoint (PyTorch before 0.4) is not supported; "
                            "re-save it with a current torch.save",
                            path));
  }
  throw Error(fmt::format("{}: not a PyTorch checkpoint: neither a zip archive (torch.save) nor a "
                          "legacy pickle stream; it starts with \"{}\"",
                          path, printable_prefix(head)));
}

}  // namespace ghmdet
