// Config — a read-only view of one node of a loaded YAML configuration.
//
// A Config carries three things beside the YAML node: the key path from the root
// ("model.bbox_head.loss_cls", "data.train[2]"; "" at the root), the file each node came from
// (after `_base_` merging a tree mixes several files, and each node remembers its own), and the
// node's line:column in that file. Every error it raises names all three, so a user can fix the
// config without reading the source.
//
// Loading (mmcv's semantics, adapted to YAML):
//  * `_base_: path` or `_base_: [p1, p2]` at the top level: paths relative to the including
//    file. Bases are loaded recursively and merged in order (later bases override earlier ones),
//    then the including file is merged on top. A cycle of bases is an error.
//  * Merging: two maps merge key by key; a map holding `_delete_: true` replaces the base map
//    instead; lists, scalars and nulls replace. `_delete_` keys never survive loading.
//  * A file whose name ends in ".py" is a Python-format config (core/python_config.h: the same
//    tree, without a Python interpreter); any other file is YAML. Bases may mix the two.
//  * The GHM authors' and mmdetection v1's own keys (train_cfg.ghmc / ghmr, datatype, a v1
//    num_classes counting the background) are translated into GHMDet's in each file before its
//    bases are merged, and once more after the overrides (core/authors_dialect.h).
//  * Overrides "a.b.c=value" are applied last; `value` is parsed as YAML (numbers, true/false,
//    null, [lists], {maps}, which merge into an existing map); text that is not valid YAML is
//    taken as a plain string. Every key before the last must exist (a list element is addressed
//    by its index: "workflow.0"); the last may be new (check_keys then catches typos).
//
// Values are typed strictly: a quoted scalar is a string and never converts to a number or a
// bool; bools are true/false (any case); an int is never read from "2.0". The tree is shared
// between copies of a Config and never mutated after loading.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ghmdet/core/error.h"

namespace ghmdet {

class Config {
 public:
  // Where one node of the merged tree came from. `file` is as the user wrote it, normalised
  // lexically ("configs/_base_/models/x.yaml"); `has_marks` is false for command-line overrides,
  // whose line:column would mean nothing.
  // `line`/`column` (1-based) place nodes that carry no YAML marks: those of Python configs and
  // those the loader writes (core/authors_dialect.h); 0 when unknown.
  struct Origin {
    std::string file;
    bool has_marks = true;
    int line = 0;
    int column = 0;
  };
  using Origins = std::map<std::string, Origin>;  // key path -> origin, for every node

  Config();  // an empty (null) config named "<empty>"

  static Config load(const std::string& path, const std::vector<std::string>& overrides = {});
  // `yaml` is YAML text whatever `name` ends in. `_base_` paths in `yaml` are relative to the directory of `name` (the current directory for
  // the default name).
  static Config from_string(const std::string& yaml, const std::string& name = "<string>",
                            const std::vector<std::string>& overrides = {});

  // An override that sets `key_path` to the string `value` whatever it looks like ("null",
  // "42", "a: b", quotes): for command-line options such as --work-dir that are always strings.
  static std::string string_override(const std::string& key_path, const std::string& value);

  bool has(const std::string& key) const;           // direct child of a map (false otherwise)
  Config operator[](const std::string& key) const;  // missing -> Error "<file>: <path>: missing key 'k'"

  // Required value of a direct child. T in {bool, int, int64_t, float, double, std::string,
  // std::vector<int|int64_t|float|double|std::string>}. Wrong type -> Error naming the file,
  // line:column, the key path, the expected type and the value found.
  template <class T>
  T get(const std::string& key) const;
  // Optional value: `fallback` when the key is absent or null.
  template <class T>
  T get(const std::string& key, const T& fallback) const;
  // This node's own value (same types and errors as get).
  template <class T>
  T as() const;

  bool is_null() const;
  bool is_map() const;
  bool is_sequence() const;
  bool is_scalar() const;
  size_t size() const;                 // children of a map or list; 0 for scalars and null
  std::vector<std::string> keys() const;  // a map's keys in file order; Error if not a map
  Config at(size_t index) const;       // list element, path "data.train[2]"; Error if out of range

  // Throws for the first key of this map not in `allowed`:
  //   "<file>:<line>:<col>: unknown key 'mommentum' in model.bbox_head.loss_cls; did you mean
  //   'momentum'?"  (nearest by edit distance; the allowed keys are listed when none is close).
  void check_keys(const std::vector<std::string>& allowed) const;

  std::string path() const;  // key path; "" at the root
  std::string file() const;  // the file this node came from
  // "<file>:<line>:<col>: <path>" (line:col and path left out when unknown or empty), the prefix
  // of every message this node raises.
  std::string where() const;
  // An Error whose message is where() + ": " + message, for builders that reject a value
  // (e.g. an unknown `type`): `throw cfg["type"].error("unknown loss type 'GHMX'");`
  Error error(const std::string& message) const;

  std::string dump() const;  // this node (the whole merged config at the root) as YAML text
  const YAML::Node& node() const;

 private:
  friend struct ConfigAccess;  // the loader (config.cpp) views the trees it is building
  Config(YAML::Node node, std::string path, std::shared_ptr<const Origins> origins);
  Origin origin() const;
  Config child(const YAML::Node& node, const std::string& child_path) const;

  YAML::Node node_;
  std::string path_;
  std::shared_ptr<const Origins> origins_;
};

}  // namespace ghmdet
