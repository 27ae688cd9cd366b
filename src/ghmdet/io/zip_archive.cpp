#include "ghmdet/io/zip_archive.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "ghmdet/core/error.h"

namespace ghmdet {
namespace {

constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kEndOfCentralDir = 0x06054b50;
constexpr uint32_t kZip64EndOfCentralDir = 0x06064b50;
constexpr uint32_t kZip64Locator = 0x07064b50;

template <typename T>
T le(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Slicing-by-8 tables: eight bytes per step, fast enough that verifying a few hundred MB of
// weights costs a fraction of reading them.
const std::array<std::array<uint32_t, 256>, 8>& crc_tables() {
  static const auto tables = [] {
    std::array<std::array<uint32_t, 256>, 8> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    }
    return t;
  }();
  return tables;
}

}  // namespace

uint32_t crc32_update(uint32_t crc, const void* data, size_t n) {
  const auto& t = crc_tables();
  const auto* p = static_cast<const unsigned char*>(data);
  crc = ~crc;
  while (n >= 8) {
    const uint32_t lo = le<uint32_t>(reinterpret_cast<const char*>(p)) ^ crc;
    const uint32_t hi = le<uint32_t>(reinterpret_cast<const char*>(p) + 4);
    crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
          t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^ t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n--) crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return ~crc;
}

void ZipArchive::read_at(uint64_t offset, void* out, uint64_t n, const std::string& what) {
  if (offset > file_size_ || n > file_size_ - offset) {
    throw Error(fmt::format("{}: truncated or corrupt zip archive: {} lies beyond the end of the file",
                            path_, what));
  }
  in_.clear();
  in_.seekg(static_cast<std::streamoff>(offset));
  in_.read(static_cast<char*>(out), static_cast<std::streamsize>(n));
  if (static_cast<uint64_t>(in_.gcount()) != n) throw Error(fmt::format("{}: read error in {}", path_, what));
}

ZipArchive::ZipArchive(const std::string& path) : path_(path), in_(path, std::ios::binary) {
  if (!in_) throw Error(fmt::format("{}: cannot open", path));
  in_.seekg(0, std::ios::end);
  file_size_ = static_cast<uint64_t>(in_.tellg());

  // The end-of-central-directory record is the last 22 bytes plus a comment of up to 64 KiB.
  const uint64_t tail_size = std::min<uint64_t>(file_size_, 22 + 65535 + 20);
  std::string tail(tail_size, '\0');
  read_at(file_size_ - tail_size, tail.data(), tail_size, "the end record");
  int64_t eocd = -1;
  for (int64_t i = static_cast<int64_t>(tail_size) - 22; i >= 0; --i) {
    if (le<uint32_t>(tail.data() + i) == kEndOfCentralDir) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    throw Error(fmt::format("{}: truncated or corrupt zip archive: no end-of-central-directory record", path));
  }
  const char* e = tail.data() + eocd;
  uint64_t count = le<uint16_t>(e + 10);
  uint64_t dir_size = le<uint32_t>(e + 12);
  uint64_t dir_offset = le<uint32_t>(e + 16);
  if (eocd >= 20 && le<uint32_t>(e - 20) == kZip64Locator) {
    const uint64_t z64 = le<uint64_t>(e - 20 + 8);
    char rec[56];
    read_at(z64, rec, sizeof(rec), "the zip64 end record");
    if (le<uint32_t>(rec) != kZip64EndOfCentralDir) {
      throw Error(fmt::format("{}: corrupt zip archive: bad zip64 end record", path));
    }
    count = le<uint64_t>(rec + 32);
    dir_size = le<uint64_t>(rec + 40);
    dir_offset = le<uint64_t>(rec + 48);
  }
  if (dir_size > file_size_ || count > dir_size / 46 + 1) {
    throw Error(fmt::format("{}: corrupt zip archive: central directory of {} bytes for {} entries",
                            path, dir_size, count));
  }
  std::string dir(dir_size, '\0');
  read_at(dir_offset, dir.data(), dir_size, "the central directory");

  size_t pos = 0;
  for (uint64_t k = 0; k < count; ++k) {
    if (dir.size() - pos < 46 || le<uint32_t>(dir.data() + pos) != kCentralHeader) {
      throw Error(fmt::format("{}: corrupt zip archive: central directory entry {} is malformed", path, k));
    }
    const char* h = dir.data() + pos;
    Entry entry;
    entry.method = le<uint16_t>(h + 10);
    entry.crc = le<uint32_t>(h + 16);
    uint64_t compressed = le<uint32_t>(h + 20);
    entry.size = le<uint32_t>(h + 24);
    const size_t name_len = le<uint16_t>(h + 28);
    const size_t extra_len = le<uint16_t>(h + 30);
    const size_t comment_len = le<uint16_t>(h + 32);
    entry.local_header = le<uint32_t>(h + 42);
    if (dir.size() - pos - 46 < name_len + extra_len + comment_len) {
      throw Error(fmt::format("{}: corrupt zip archive: central directory entry {} overruns", path, k));
    }
    const std::string name(h + 46, name_len);
    // zip64 extra field: the 64-bit values of whichever 32-bit fields are saturated, in order.
    for (size_t x = 0; x + 4 <= extra_len;) {
      const char* f = h + 46 + name_len + x;
      const uint16_t id = le<uint16_t>(f);
      const uint16_t len = le<uint16_t>(f + 2);
      if (x + 4 + len > extra_len) break;
      if (id == 0x0001) {
        size_t at = 4;
        auto next = [&](uint64_t& field) {
          if (field != 0xFFFFFFFFu) return;
          if (at + 8 > 4u + len) throw Error(fmt::format("{}: corrupt zip64 field of '{}'", path, name));
          field = le<uint64_t>(f + at);
          at += 8;
        };
        next(entry.size);
        next(compressed);
        next(entry.local_header);
      }
      x += 4 + len;
    }
    if (entry.method == 0 && compressed != entry.size) {
      throw Error(fmt::format("{}: corrupt zip archive: entry '{}' has inconsistent sizes", path, name));
    }
    const auto slash = name.find('/');
    if (slash == std::string::npos) {
      throw Error(fmt::format("{}: zip entry '{}' is not inside a folder: not a torch.save archive", path, name));
    }
    if (k == 0) prefix_ = name.substr(0, slash);
    if (name.compare(0, slash, prefix_) != 0 || slash != prefix_.size()) {
      throw Error(fmt::format("{}: zip entries in two folders ('{}' and '{}'): not a torch.save archive",
                              path, prefix_, name.substr(0, slash)));
    }
    entries_[name.substr(slash + 1)] = entry;
    pos += 46 + name_len + extra_len + comment_len;
  }
  if (entries_.empty()) throw Error(fmt::format("{}: empty zip archive", path));
}

const ZipArchive::Entry& ZipArchive::entry(const std::string& name) const {
  const auto it = entries_.find(name);
  if (it == entries_.end()) {
    throw Error(fmt::format("{}: record '{}/{}' is missing from the archive", path_, prefix_, name));
  }
  return it->second;
}

bool ZipArchive::has_record(const std::string& name) const { return entries_.count(name) > 0; }

uint64_t ZipArchive::record_size(const std::string& name) const { return entry(name).size; }

void ZipArchive::read_record(const std::string& name, void* out) {
  const Entry& e = entry(name);
  const std::string what = fmt::format("record '{}/{}'", prefix_, name);
  if (e.method != 0) {
    throw Error(fmt::format("{}: {} is compressed (method {}); torch.save stores records uncompressed",
                            path_, what, e.method));
  }
  char local[30];
  read_at(e.local_header, local, sizeof(local), what);
  if (le<uint32_t>(local) != kLocalHeader) {
    throw Error(fmt::format("{}: corrupt zip archive: bad local header of {}", path_, what));
  }
  const uint64_t data = e.local_header + 30 + le<uint16_t>(local + 26) + le<uint16_t>(local + 28);
  read_at(data, out, e.size, what);
  if (crc32_update(0, out, e.size) != e.crc) {
    throw Error(fmt::format("{}: corrupt zip archive: CRC mismatch in {}", path_, what));
  }
}

std::string ZipArchive::read_record(const std::string& name) {
  std::string out(record_size(name), '\0');
  read_record(name, out.data());
  return out;
}

}  // namespace ghmdet
