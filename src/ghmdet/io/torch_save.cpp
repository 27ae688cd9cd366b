#include "ghmdet/io/torch_save.h"

#include <caffe2/serialize/inline_container.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "ghmdet/core/error.h"
#include "ghmdet/io/pickle_writer.h"
#include "ghmdet/io/temporary_name.h"

namespace ghmdet {
namespace {

namespace fs = std::filesystem;

// Owns the temporary file until it is renamed into place.
class TempFile {
 public:
  explicit TempFile(const fs::path& target) {
    path_ = temporary_path_for(target);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      throw Error(fmt::format("{}: cannot create a file in its directory: {}", target.string(),
                              std::strerror(errno)));
    }
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }
  // Always reports the whole of `n` written: after a short write (a full disk) libtorch's zip
  // writer throws from its destructor, which ends the process. The first failure is kept in
  // error() instead, later writes are dropped, and write_torch_file checks it at the end.
  size_t write(const void* data, size_t n) {
    const char* p = static_cast<const char*>(data);
    size_t done = 0;
    while (done < n && error_.empty()) {
      const ssize_t w = ::write(fd_, p + done, n - done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        error_ = std::strerror(errno);
      } else if (w == 0) {
        error_ = "the file system accepted no more bytes";
      }
      if (w > 0) done += static_cast<size_t>(w);
    }
    return n;
  }
  void commit(const fs::path& target) {
    if (::fsync(fd_) != 0) error_ = std::strerror(errno);
    if (::close(fd_) != 0 && error_.empty()) error_ = std::strerror(errno);
    fd_ = -1;
    if (!error_.empty()) throw Error(fmt::format("{}: write failed: {}", target.string(), error_));
    if (::rename(path_.c_str(), target.c_str()) != 0) {
      throw Error(fmt::format("{}: cannot rename the finished file into place: {}", target.string(),
                              std::strerror(errno)));
    }
    committed_ = true;
    // Make the rename itself durable.
    const int dir = ::open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
      ::fsync(dir);
      ::close(dir);
    }
  }
  const std::string& error() const { return error_; }

 private:
  fs::path path_;
  int fd_ = -1;
  bool committed_ = false;
  std::string error_;
};

}  // namespace

void write_torch_file(const std::string& path, const PickleValue& root) {
  const fs::path target = fs::absolute(path);
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) throw Error(fmt::format("{}: cannot create its directory: {}", path, ec.message()));

  PickleWriter writer;
  const std::string pickle = writer.write(root);

  TempFile tmp(target);
  try {
    // With a writer function libtorch names the archive folder "archive", as torch.save does.
    caffe2::serialize::PyTorchStreamWriter zip(
        [&tmp](const void* data, size_t n) { return tmp.write(data, n); });
    zip.writeRecord("data.pkl", pickle.data(), pickle.size());
    zip.writeRecord("byteorder", "little", 6);
    const auto& storages = writer.storages();
    for (size_t k = 0; k < storages.size(); ++k) {
      const auto& s = storages[k];
      zip.writeRecord("data/" + std::to_string(k), s.data_ptr(), s.numel() * s.element_size());
    }
    zip.writeEndOfFile();
  } catch (const c10::Error& e) {
    const std::string what = e.what_without_backtrace();
    throw Error(fmt::format("{}: write failed: {}", path,
                            tmp.error().empty() ? what.substr(0, what.find('\n')) : tmp.error()));
  }
  if (!tmp.error().empty()) throw Error(fmt::format("{}: write failed: {}", path, tmp.error()));
  tmp.commit(target);
}

}  // namespace ghmdet
