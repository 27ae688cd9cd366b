#include "ghmdet/engine/distributed/detections_gather.h"

#include <fmt/format.h>

#include <cstring>

#include "ghmdet/core/error.h"

namespace ghmdet {

namespace {

class Writer {
 public:
  template <class T>
  void put(const T& v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    bytes.insert(bytes.end(), p, p + sizeof(T));
  }
  void put_string(const std::string& s) {
    put<int64_t>(static_cast<int64_t>(s.size()));
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
  void put_tensor(const torch::Tensor& t, torch::ScalarType type, int64_t numel) {
    if (numel == 0) return;
    const auto c = t.to(torch::kCPU, type).contiguous();
    const auto* p = static_cast<const uint8_t*>(c.data_ptr());
    bytes.insert(bytes.end(), p, p + numel * static_cast<int64_t>(c.element_size()));
  }
  std::vector<uint8_t> bytes;
};

class Reader {
 public:
  explicit Reader(const std::vector<uint8_t>& b) : bytes_(b) {}
  void need(size_t n) const {
    if (pos_ + n > bytes_.size()) throw Error("gather_detections: truncated detections from a rank");
  }
  template <class T>
  T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string get_string() {
    const auto n = static_cast<size_t>(get<int64_t>());
    need(n);
    std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  torch::Tensor get_tensor(std::vector<int64_t> shape, torch::ScalarType type) {
    auto t = torch::empty(shape, torch::TensorOptions().dtype(type));
    const size_t n = static_cast<size_t>(t.numel() * t.element_size());
    need(n);
    if (n > 0) std::memcpy(t.data_ptr(), bytes_.data() + pos_, n);
    pos_ += n;
    return t;
  }
  bool done() const { return pos_ == bytes_.size(); }

 private:
  const std::vector<uint8_t>& bytes_;
  size_t pos_ = 0;
};

}  // namespace

std::vector<uint8_t> serialize_detections(const std::vector<ImageDetections>& detections) {
  Writer w;
  w.put<int64_t>(static_cast<int64_t>(detections.size()));
  for (const auto& d : detections) {
    const ImageMeta& m = d.meta;
    w.put_string(m.file);
    w.put(m.image_id);
    for (auto v : m.ori_shape) w.put(v);
    for (auto v : m.img_shape) w.put(v);
    for (auto v : m.pad_shape) w.put(v);
    w.put(m.scale_factor);
    w.put<uint8_t>(m.flip ? 1 : 0);
    const int64_t k = d.detections.size();
    w.put(k);
    w.put_tensor(d.detections.boxes, torch::kFloat, k * 4);
    w.put_tensor(d.detections.scores, torch::kFloat, k);
    w.put_tensor(d.detections.labels, torch::kInt64, k);
  }
  return std::move(w.bytes);
}

std::vector<ImageDetections> deserialize_detections(const std::vector<uint8_t>& bytes) {
  Reader r(bytes);
  const int64_t n = r.get<int64_t>();
  std::vector<ImageDetections> out;
  out.reserve(static_cast<size_t>(std::max<int64_t>(n, 0)));
  for (int64_t i = 0; i < n; ++i) {
    ImageDetections d;
    ImageMeta& m = d.meta;
    m.file = r.get_string();
    m.image_id = r.get<int64_t>();
    for (auto& v : m.ori_shape) v = r.get<int64_t>();
    for (auto& v : m.img_shape) v = r.get<int64_t>();
    for (auto& v : m.pad_shape) v = r.get<int64_t>();
    m.scale_factor = r.get<double>();
    m.flip = r.get<uint8_t>() != 0;
    const int64_t k = r.get<int64_t>();
    d.detections.boxes = r.get_tensor({k, 4}, torch::kFloat);
    d.detections.scores = r.get_tensor({k}, torch::kFloat);
    d.detections.labels = r.get_tensor({k}, torch::kInt64);
    out.push_back(std::move(d));
  }
  if (!r.done()) throw Error("gather_detections: trailing bytes in the detections from a rank");
  return out;
}

std::vector<ImageDetections> gather_detections(DistributedContext& context,
                                               const std::vector<ImageDetections>& local) {
  if (context.world_size() <= 1) return local;
  const auto all = context.all_gather_bytes(serialize_detections(local));
  if (!context.is_main_process()) return {};
  std::vector<std::vector<ImageDetections>> shards;
  size_t total = 0;
  for (const auto& bytes : all) {
    shards.push_back(deserialize_detections(bytes));
    total += shards.back().size();
  }
  const size_t world = shards.size();
  std::vector<ImageDetections> out;
  out.reserve(total);
  for (size_t i = 0; i < total; ++i) {
    auto& shard = shards[i % world];
    const size_t k = i / world;
    if (k >= shard.size()) {
      throw Error(fmt::format("gather_detections: rank {} returned {} images, the shard of a {}-image "
                              "set has more",
                              i % world, shard.size(), total));
    }
    out.push_back(std::move(shard[k]));
  }
  return out;
}

}  // namespace ghmdet
