// ZipArchive — a reader of the zip files torch.save writes: stored (uncompressed) entries,
// zip64 when an archive or entry is large, all entries under one top folder ("archive/",
// "<stem>/" or any other prefix).
//
// The central directory is parsed and checked against the file size when the archive is
// opened; records are read on demand with their CRC-32 verified, straight into the caller's
// buffer (so a storage lands in its tensor with one copy). Every inconsistency — no end record,
// offsets past the end, a compressed entry, a CRC mismatch — throws ghmdet::Error naming the
// file and the entry; nothing reads outside the file.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <string>

namespace ghmdet {

class ZipArchive {
 public:
  explicit ZipArchive(const std::string& path);

  // The folder every entry sits in, without the slash ("archive").
  const std::string& prefix() const { return prefix_; }
  // Whether `<prefix>/<name>` exists.
  bool has_record(const std::string& name) const;
  // Size in bytes of `<prefix>/<name>`; throws if absent.
  uint64_t record_size(const std::string& name) const;
  // Reads the whole record into `out` (record_size bytes) and verifies its CRC-32.
  void read_record(const std::string& name, void* out);
  std::string read_record(const std::string& name);

 private:
  struct Entry {
    uint64_t size = 0;
    uint64_t local_header = 0;
    uint32_t crc = 0;
    uint16_t method = 0;
  };
  const Entry& entry(const std::string& name) const;
  void read_at(uint64_t offset, void* out, uint64_t n, const std::string& what);

  std::string path_;
  std::ifstream in_;
  uint64_t file_size_ = 0;
  std::string prefix_;
  std::map<std::string, Entry> entries_;  // by name relative to the prefix
};

// CRC-32 (IEEE 802.3, as zip uses), continuing from `crc` (0 to start).
uint32_t crc32_update(uint32_t crc, const void* data, size_t n);

}  // namespace ghmdet
