#include "ghmdet/data/gzip_file.h"

#include <dlfcn.h>

#include <filesystem>
#include <mutex>

#include "ghmdet/core/error.h"

namespace ghmdet {
namespace {

// The few zlib entry points used, resolved once.
struct Zlib {
  using GzFile = void*;
  GzFile (*gzopen)(const char*, const char*) = nullptr;
  int (*gzread)(GzFile, void*, unsigned) = nullptr;
  int (*gzclose)(GzFile) = nullptr;
  const char* (*gzerror)(GzFile, int*) = nullptr;
  std::string problem;
};

const Zlib& zlib() {
  static Zlib z;
  static std::once_flag once;
  std::call_once(once, [] {
    void* lib = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) lib = dlopen("libz.so", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      z.problem = "zlib (libz.so.1) is not available";
      return;
    }
    z.gzopen = reinterpret_cast<decltype(z.gzopen)>(dlsym(lib, "gzopen"));
    z.gzread = reinterpret_cast<decltype(z.gzread)>(dlsym(lib, "gzread"));
    z.gzclose = reinterpret_cast<decltype(z.gzclose)>(dlsym(lib, "gzclose"));
    z.gzerror = reinterpret_cast<decltype(z.gzerror)>(dlsym(lib, "gzerror"));
    if (!z.gzopen || !z.gzread || !z.gzclose || !z.gzerror) z.problem = "zlib lacks the gz* functions";
  });
  return z;
}

}  // namespace

std::vector<uint8_t> read_gzip_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error(path + ": file not found");
  const Zlib& z = zlib();
  if (!z.problem.empty()) throw Error(path + ": cannot decompress: " + z.problem);
  void* f = z.gzopen(path.c_str(), "rb");
  if (!f) throw Error(path + ": cannot open");
  std::vector<uint8_t> out;
  std::vector<uint8_t> chunk(1 << 20);
  while (true) {
    const int n = z.gzread(f, chunk.data(), static_cast<unsigned>(chunk.size()));
    if (n < 0) {
      int code = 0;
      const std::string msg = z.gzerror(f, &code);
      z.gzclose(f);
      throw Error(path + ": corrupt gzip data (" + msg + ")");
    }
    if (n == 0) break;
    out.insert(out.end(), chunk.begin(), chunk.begin() + n);
  }
  // gzclose reports a truncated stream (Z_BUF_ERROR) that gzread let through as end of file.
  const int rc = z.gzclose(f);
  if (rc != 0) throw Error(path + ": truncated or corrupt gzip data (zlib error " + std::to_string(rc) + ")");
  return out;
}

}  // namespace ghmdet
