// PickleValue — the value tree a PyTorch checkpoint unpickles into.
//
// Only what weight files hold: None, bool, int (64-bit; wider Python ints are kept as their
// little-endian two's-complement bytes in `kind == BigInt`), float, str (UTF-8), bytes, list,
// tuple, dict (insertion-ordered, keys of any of these kinds; in practice str or int) and tensor.
// Values are shared (PickleValuePtr) because the pickle memo refers to one object from several
// places, exactly as Python does; a tensor that was a view in the file shares its storage with
// the other views read from the same file.
// Dicts keep the state that a BUILD opcode gave them (OrderedDict's `_metadata`) in `attributes`.
// Two kinds exist only while a file is read: Global (a whitelisted Python callable or class,
// `s` = "module.name") and Storage (a torch storage: `tensor` is its flat 1-D data); they end up
// in a result only if the file pickled a bare class or storage.
// The accessors throw ghmdet::Error naming `what` (a path such as "meta.epoch") on a kind
// mismatch, so callers can report where a file differs from what they expect.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ghmdet {

struct PickleValue;
using PickleValuePtr = std::shared_ptr<PickleValue>;

struct PickleValue {
  enum class Kind {
    None, Bool, Int, BigInt, Float, String, Bytes, List, Tuple, Dict, Tensor, Global, Storage
  };

  Kind kind = Kind::None;
  bool b = false;
  int64_t i = 0;
  double f = 0.0;
  std::string s;                                           // String, Bytes, BigInt bytes
  std::vector<PickleValuePtr> items;                       // List, Tuple
  std::vector<std::pair<PickleValuePtr, PickleValuePtr>> entries;  // Dict, in insertion order
  PickleValuePtr attributes;                               // Dict: BUILD state, or null
  bool ordered = false;                                    // Dict: a collections.OrderedDict
  torch::Tensor tensor;                                    // Tensor, Storage
  // Kept by the Unpickler, which bounds them: how many container levels lie below this value
  // (0 for a leaf), and whether it has been placed inside another container (after which it
  // may not change, so that `depth` stays exact and no value can contain itself).
  uint32_t depth = 0;
  bool contained = false;

  static PickleValuePtr none();
  static PickleValuePtr boolean(bool v);
  static PickleValuePtr integer(int64_t v);
  static PickleValuePtr real(double v);
  static PickleValuePtr string(std::string v);
  static PickleValuePtr bytes(std::string v);
  static PickleValuePtr list(std::vector<PickleValuePtr> v = {});
  static PickleValuePtr tuple(std::vector<PickleValuePtr> v = {});
  static PickleValuePtr dict(bool ordered = false);
  static PickleValuePtr from_tensor(torch::Tensor t);
  static PickleValuePtr global(std::string qualname);
  static PickleValuePtr storage(torch::Tensor flat);

  bool is_none() const { return kind == Kind::None; }
  bool is_dict() const { return kind == Kind::Dict; }
  bool is_tensor() const { return kind == Kind::Tensor; }
  bool is_sequence() const { return kind == Kind::List || kind == Kind::Tuple; }

  // Dict lookup by string key; null when absent (or when this is not a dict).
  PickleValuePtr get(const std::string& key) const;
  // Dict lookup by int key; null when absent.
  PickleValuePtr get(int64_t key) const;

  // Typed access; throw ghmdet::Error "`what`: expected <kind>, found <kind>".
  int64_t as_int(const std::string& what) const;
  double as_double(const std::string& what) const;  // int or float
  bool as_bool(const std::string& what) const;
  const std::string& as_string(const std::string& what) const;
  const torch::Tensor& as_tensor(const std::string& what) const;
  const std::vector<PickleValuePtr>& as_sequence(const std::string& what) const;
  void expect_dict(const std::string& what) const;

  // Python-like rendering of a dict key (str as is, int in decimal) for error messages/paths.
  std::string key_text() const;
};

const char* kind_name(PickleValue::Kind kind);

}  // namespace ghmdet
