// Unpickler — a pickle virtual machine (protocols 0-5) restricted to what weight files need.
//
// It executes the opcodes of one pickle (up to STOP) from an in-memory buffer it does not own
// and returns the PickleValue tree. Globals are resolved through torch_globals.h's whitelist;
// persistent ids (how torch refers to tensor storages) go to the caller's `persistent_load`.
// Anything else — an opcode that builds arbitrary objects (INST, OBJ, NEWOBJ, EXT*), an
// unknown global, a malformed or truncated stream — throws ghmdet::Error naming `source`, the
// byte offset and the opcode or global. Every read is bounds-checked, so corrupt input can
// never read outside the buffer.
//
// Containers may nest at most kMaxNesting levels, and a container may not change once it is
// inside another (Python's pickler only does that for objects that contain themselves): a file
// nesting deeper, or building a cycle, is refused before the tree exists. Every consumer of a
// PickleValue tree (including its recursive destructor) can therefore recurse safely.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "ghmdet/io/pickle_value.h"

namespace ghmdet {

class Unpickler {
 public:
  // Weight files nest a handful of levels; recursion over 1000 levels takes well under 1 MB of
  // stack.
  static constexpr uint32_t kMaxNesting = 1000;

  using PersistentLoad = std::function<PickleValuePtr(const PickleValuePtr& pid)>;

  // `source` names the stream in messages, e.g. "model.pth (archive/data.pkl)".
  Unpickler(const char* data, size_t size, std::string source, PersistentLoad persistent_load);

  // Runs one pickle from the current position to its STOP and returns its value. May be
  // called again for a stream of consecutive pickles (the legacy torch format).
  PickleValuePtr load();

  // Byte offset just past the last STOP executed.
  size_t position() const { return pos_; }

 private:
  [[noreturn]] void fail(const std::string& message) const;
  const char* take(size_t n);
  uint8_t u8();
  std::string line();
  PickleValuePtr pop();
  PickleValuePtr& top();
  std::vector<PickleValuePtr> pop_to_mark();
  void memo_put(size_t index);
  PickleValuePtr memo_get(size_t index);
  void push_global(const std::string& module, const std::string& name);
  void reduce();
  void build();
  void set_items(const PickleValuePtr& dict, std::vector<PickleValuePtr>& kv);
  // Records that `child` now lies inside `parent` (see kMaxNesting above).
  void adopt(PickleValue& parent, const PickleValuePtr& child);
  // adopt() of every child of a value just built; returns it.
  PickleValuePtr adopt_children(PickleValuePtr built);
  // Refuses to change a container that already lies inside another (`op` names the opcode).
  void expect_unplaced(const PickleValue& container, const char* op);

  const char* data_;
  size_t size_;
  size_t pos_ = 0;
  size_t op_pos_ = 0;  // where the opcode being executed starts, for messages
  std::string source_;
  PersistentLoad persistent_load_;
  std::vector<PickleValuePtr> stack_;
  std::vector<size_t> marks_;
  std::vector<PickleValuePtr> memo_;  // dense: torch and CPython number the memo from 0
};

}  // namespace ghmdet
