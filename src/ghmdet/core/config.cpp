#include "ghmdet/core/config.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>

#include <yaml-cpp/eventhandler.h>

#include "ghmdet/core/authors_dialect.h"
#include "ghmdet/core/python_config.h"
#include "ghmdet/core/string_distance.h"

namespace ghmdet {

namespace fs = std::filesystem;

// Befriended by Config: the loader's passes read the trees it builds through Config's API.
struct ConfigAccess {
  static Config view(const YAML::Node& root, const Config::Origins& origins) {
    return Config(root, "", std::make_shared<const Config::Origins>(origins));
  }
};

namespace {

constexpr const char* kBaseKey = "_base_";
constexpr const char* kDeleteKey = "_delete_";
constexpr const char* kOverrideOrigin = "--cfg-options";

std::string join_key(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string join_index(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

std::string mark_text(const YAML::Mark& mark) {
  if (mark.line < 0 || mark.column < 0) return "";
  return ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

// "file:line:col" for a node whose origin keeps marks (the node's own, else the origin's line
// and column); just "file" otherwise.
std::string location(const Config::Origin& origin, const YAML::Mark& mark) {
  if (!origin.has_marks) return origin.file;
  std::string text = mark_text(mark);
  if (text.empty() && origin.line > 0) {
    text = ":" + std::to_string(origin.line) + ":" + std::to_string(origin.column);
  }
  return origin.file + text;
}

bool is_quoted(const YAML::Node& node) { return node.IsScalar() && node.Tag() == "!"; }

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "null";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  if (is_quoted(node)) return "the string \"" + node.Scalar() + "\"";
  return "'" + node.Scalar() + "'";
}

// Finds `key` in a map without inserting it (yaml-cpp's non-const operator[] would).
bool find_entry(const YAML::Node& map, const std::string& key, YAML::Node* key_node,
                YAML::Node* value) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) {
      if (key_node) key_node->reset(it->first);
      if (value) value->reset(it->second);
      return true;
    }
  }
  return false;
}

std::vector<std::string> map_keys(const YAML::Node& map) {
  std::vector<std::string> keys;
  for (auto it = map.begin(); it != map.end(); ++it) keys.push_back(it->first.Scalar());
  return keys;
}

// --- origins: a flat map from key path to the file that wrote the node there -------------------

// Visits `path` and every path below it ("a", "a.b", "a[0]", ...) in an ordered Origins map.
template <class F>
void for_subtree(const Config::Origins& origins, const std::string& path, F&& f) {
  if (path.empty()) {
    for (const auto& entry : origins) f(entry);
    return;
  }
  if (auto it = origins.find(path); it != origins.end()) f(*it);
  for (const std::string& prefix : {path + ".", path + "["}) {
    for (auto it = origins.lower_bound(prefix);
         it != origins.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
      f(*it);
    }
  }
}

void erase_subtree(Config::Origins& origins, const std::string& path) {
  std::vector<std::string> doomed;
  for_subtree(origins, path, [&](const auto& entry) { doomed.push_back(entry.first); });
  for (const auto& key : doomed) origins.erase(key);
}

void copy_subtree(const Config::Origins& from, Config::Origins& to, const std::string& path) {
  for_subtree(from, path, [&](const auto& entry) { to[entry.first] = entry.second; });
}

using Positions = std::map<std::string, std::pair<int, int>>;

// Records `origin` for every node of `node` (with its line and column from `positions` when
// given: a Python config's nodes carry no marks), and rejects what the rest of the code cannot
// represent: non-scalar keys, duplicate keys (yaml-cpp keeps both silently).
void annotate(const YAML::Node& node, const std::string& path, const Config::Origin& origin,
              Config::Origins& origins, const Positions* positions = nullptr) {
  Config::Origin& own = origins[path] = origin;
  if (positions) {
    if (auto it = positions->find(path); it != positions->end()) {
      own.line = it->second.first;
      own.column = it->second.second;
    }
  }
  if (node.IsMap()) {
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->first.IsScalar()) {
        throw Error(location(origin, it->first.Mark()) + ": " + (path.empty() ? "" : path + ": ") +
                    "keys must be plain names, found " + describe(it->first));
      }
      const std::string key = it->first.Scalar();
      if (!seen.insert(key).second) {
        throw Error(location(origin, it->first.Mark()) + ": duplicate key '" + key + "'" +
                    (path.empty() ? "" : " in " + path));
      }
      annotate(it->second, join_key(path, key), origin, origins, positions);
    }
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) annotate(node[i], join_index(path, i), origin, origins, positions);
  }
}

const Config::Origin& origin_at(const Config::Origins& origins, const std::string& path) {
  static const Config::Origin unknown{"<config>", false};
  std::string p = path;
  while (true) {
    if (auto it = origins.find(p); it != origins.end()) return it->second;
    if (p.empty()) return unknown;
    const size_t cut = p.find_last_of(".[");
    p = cut == std::string::npos ? "" : p.substr(0, cut);
  }
}

// True when the map `node` asks to replace, not merge into, the base map.
bool wants_delete(const YAML::Node& node, const std::string& path, const Config::Origins& origins) {
  YAML::Node key, value;
  if (!node.IsMap() || !find_entry(node, kDeleteKey, &key, &value)) return false;
  if (value.IsScalar() && !is_quoted(value)) {
    std::string text = value.Scalar();
    std::transform(text.begin(), text.end(), text.begin(), ::tolower);
    if (text == "true") return true;
    if (text == "false") return false;
  }
  const std::string at = join_key(path, kDeleteKey);
  throw Error(location(origin_at(origins, at), value.Mark()) + ": " + at +
              ": expected a bool (true or false), found " + describe(value));
}

// Removes every `_delete_` key below `node` (validating its value on the way).
void strip_delete(YAML::Node node, const std::string& path, const Config::Origins& origins) {
  if (node.IsMap()) {
    wants_delete(node, path, origins);
    node.remove(kDeleteKey);
    for (auto it = node.begin(); it != node.end(); ++it) {
      strip_delete(it->second, join_key(path, it->first.Scalar()), origins);
    }
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) strip_delete(node[i], join_index(path, i), origins);
  }
}

// Merges map `child` onto map `base` (mmcv's merge_a_into_b): base keys keep their order, new
// keys follow. `origins` holds the base's origins on entry and the result's on exit.
YAML::Node merge_maps(const YAML::Node& base, Config::Origins& origins, const YAML::Node& child,
                      const Config::Origins& child_origins, const std::string& path) {
  YAML::Node out(YAML::NodeType::Map);
  origins[path] = origin_at(child_origins, path);
  auto replace = [&](const YAML::Node& key, const YAML::Node& value, const std::string& p) {
    erase_subtree(origins, p);
    copy_subtree(child_origins, origins, p);
    out.force_insert(key, value);
  };
  for (auto it = base.begin(); it != base.end(); ++it) {
    const std::string key = it->first.Scalar();
    const std::string p = join_key(path, key);
    YAML::Node child_key, child_value;
    if (!find_entry(child, key, &child_key, &child_value)) {
      out.force_insert(it->first, it->second);
    } else if (it->second.IsMap() && child_value.IsMap() &&
               !wants_delete(child_value, p, child_origins)) {
      out.force_insert(child_key, merge_maps(it->second, origins, child_value, child_origins, p));
    } else {
      replace(child_key, child_value, p);
    }
  }
  for (auto it = child.begin(); it != child.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (key == kDeleteKey || find_entry(base, key, nullptr, nullptr)) continue;
    replace(it->first, it->second, join_key(path, key));
  }
  return out;
}

struct Loaded {
  YAML::Node root;
  Config::Origins origins;
};

// Records where the last document started. yaml-cpp 0.7 never consumes some tokens at the top of
// a document (a ',' outside [] or {}, for one): its parser then returns the same empty document
// from that place forever, so YAML::LoadAll never ends and YAML::Load reads an empty config.
class DocumentStarts : public YAML::EventHandler {
 public:
  YAML::Mark start;
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// Throws when the parser stops making progress (see DocumentStarts); YAML syntax errors come out
// as YAML::ParserException, as from LoadAll.
void check_parser_progresses(const std::string& text, const std::string& file) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts handler;
  std::optional<int> last_start;
  while (parser.HandleNextDocument(handler)) {
    if (last_start && handler.start.pos == *last_start) {
      const size_t at = static_cast<size_t>(std::max(0, handler.start.pos));
      const std::string found =
          at < text.size() ? "'" + std::string(1, text[at]) + "'" : std::string("end of file");
      throw Error(file + mark_text(handler.start) + ": invalid YAML: unexpected " + found);
    }
    last_start = handler.start.pos;
  }
}

YAML::Node parse_yaml(const std::string& text, const std::string& file) {
  std::vector<YAML::Node> documents;
  try {
    check_parser_progresses(text, file);
    documents = YAML::LoadAll(text);
  } catch (const YAML::ParserException& e) {
    throw Error(file + mark_text(e.mark) + ": invalid YAML: " + e.msg);
  }
  if (documents.empty()) return YAML::Node(YAML::NodeType::Map);  // an empty file
  if (documents.size() > 1) {
    throw Error(file + mark_text(documents[1].Mark()) + ": a config is one YAML document, found " +
                std::to_string(documents.size()) + " (remove the extra '---')");
  }
  const YAML::Node root = documents[0];
  if (root.IsNull()) return YAML::Node(YAML::NodeType::Map);  // an empty file
  if (!root.IsMap()) {
    throw Error(file + mark_text(root.Mark()) + ": the top level of a config must be a map, found " +
                describe(root));
  }
  return root;
}

std::string read_file(const std::string& file, const std::string& referrer) {
  std::ifstream in(file, std::ios::binary);
  const int open_error = errno;
  // The error_code form: the throwing one raised std::filesystem_error for a name too long.
  std::error_code ec;
  const bool directory = fs::is_directory(file, ec);
  if (!in || directory) {
    const std::string reason = directory ? "is a directory" : std::strerror(open_error);
    if (referrer.empty()) throw Error(file + ": cannot open config file: " + reason);
    throw Error(referrer + ": cannot open base config '" + file + "': " + reason);
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

bool is_python_file(const std::string& file) { return fs::path(file).extension() == ".py"; }

std::vector<std::string> split_dotted(const std::string& path) {
  std::vector<std::string> keys;
  std::stringstream parts(path);
  for (std::string key; std::getline(parts, key, '.');) keys.push_back(key);
  return keys;
}

// The origin a node written by the loader reports: that of its source node, with the source's
// line and column when the source has YAML marks.
Config::Origin edit_origin(const Loaded& loaded, const std::string& source) {
  Config::Origin origin = origin_at(loaded.origins, source);
  YAML::Node node = loaded.root;
  for (const auto& key : split_dotted(source)) {
    YAML::Node child;
    if (!node.IsMap() || !find_entry(node, key, nullptr, &child)) return origin;
    node.reset(child);
  }
  if (origin.line == 0 && node.Mark().line >= 0) {
    origin.line = node.Mark().line + 1;
    origin.column = node.Mark().column + 1;
  }
  return origin;
}

// Applies core/authors_dialect.h's edits. Maps missing (or null) on the way to a set are
// created; a removal of what is not there does nothing.
void apply_edits(Loaded& loaded, const std::vector<ConfigEdit>& edits) {
  for (const ConfigEdit& edit : edits) {
    const Config::Origin origin = edit.remove ? Config::Origin{} : edit_origin(loaded, edit.source);
    const std::vector<std::string> keys = split_dotted(edit.path);
    YAML::Node parent = loaded.root;
    std::string path;
    bool reached = true;
    for (size_t k = 0; k + 1 < keys.size() && reached; ++k) {
      path = join_key(path, keys[k]);
      YAML::Node child;
      const bool exists = find_entry(parent, keys[k], nullptr, &child);
      if (edit.remove && (!exists || !child.IsMap())) {
        reached = false;
      } else if (!exists || child.IsNull()) {
        if (exists) {
          child = YAML::Node(YAML::NodeType::Map);  // rebinds the null value in place
        } else {
          parent.force_insert(keys[k], YAML::Node(YAML::NodeType::Map));
          find_entry(parent, keys[k], nullptr, &child);
        }
        erase_subtree(loaded.origins, path);
        loaded.origins[path] = origin;
      } else if (!child.IsMap()) {
        throw Error(location(origin_at(loaded.origins, path), child.Mark()) + ": " + path + ": expected a map, found " +
                    describe(child) + " (setting " + edit.path + ")");
      }
      parent.reset(child);
    }
    if (!reached) continue;
    if (edit.remove) {
      if (find_entry(parent, keys.back(), nullptr, nullptr)) {
        parent.remove(keys.back());
        erase_subtree(loaded.origins, edit.path);
      }
      continue;
    }
    YAML::Node existing;
    if (find_entry(parent, keys.back(), nullptr, &existing)) {
      existing = edit.value;  // rebinds the node in place, so the key keeps its position
    } else {
      parent.force_insert(keys.back(), edit.value);
    }
    erase_subtree(loaded.origins, edit.path);
    annotate(edit.value, edit.path, origin, loaded.origins);
  }
}

// Translates the authors' keys in `loaded`: one file's own tree (`python_file`: a whole Python
// file), or the merged tree after the overrides.
void translate_dialect(Loaded& loaded, bool python_file) {
  const Config view = ConfigAccess::view(loaded.root, loaded.origins);
  apply_edits(loaded, authors_dialect_edits(view, python_file));
}

// Parses `text` (the contents of `file`, Python when `python` and YAML otherwise), loads and
// merges its bases, and merges it on top. `stack` holds the canonical paths of the files being
// loaded, to detect cycles.
Loaded load_text(const std::string& text, const std::string& file, std::vector<std::string>& stack,
                 bool python) {
  Loaded self;
  if (python) {
    const PythonConfig parsed = parse_python_config(text, file);
    self.root = parsed.root;
    annotate(self.root, "", Config::Origin{file, true}, self.origins, &parsed.positions);
  } else {
    self.root = parse_yaml(text, file);
    annotate(self.root, "", Config::Origin{file, true}, self.origins);
  }
  translate_dialect(self, python);

  YAML::Node base_key, base_value;
  if (!find_entry(self.root, kBaseKey, &base_key, &base_value)) {
    strip_delete(self.root, "", self.origins);
    return self;
  }
  std::vector<YAML::Node> base_names;
  if (base_value.IsScalar() && !base_value.IsNull()) {
    base_names.push_back(base_value);
  } else if (base_value.IsSequence()) {
    for (size_t i = 0; i < base_value.size(); ++i) base_names.push_back(base_value[i]);
  }
  if (base_names.empty() && !base_value.IsSequence()) {
    throw Error(file + mark_text(base_value.Mark()) +
                ": _base_: expected a path or a list of paths, found " + describe(base_value));
  }

  Loaded merged{YAML::Node(YAML::NodeType::Map), {}};
  merged.origins[""] = Config::Origin{file, true};
  const fs::path dir = fs::path(file).parent_path();
  for (const YAML::Node& name : base_names) {
    const std::string referrer = file + mark_text(name.Mark()) + ": _base_";
    if (!name.IsScalar() || name.Scalar().empty()) {
      throw Error(referrer + ": expected a path, found " + describe(name));
    }
    const fs::path relative(name.Scalar());
    const std::string base_file =
        (relative.is_absolute() ? relative : dir / relative).lexically_normal().string();
    std::error_code ec;
    const std::string canonical = fs::weakly_canonical(base_file, ec).string();
    if (std::find(stack.begin(), stack.end(), canonical) != stack.end()) {
      throw Error(referrer + ": cycle of _base_ files: '" + base_file +
                  "' is already being loaded by the files that include it");
    }
    stack.push_back(canonical);
    Loaded base = load_text(read_file(base_file, referrer), base_file, stack, is_python_file(base_file));
    stack.pop_back();
    merged.root = merge_maps(merged.root, merged.origins, base.root, base.origins, "");
  }

  self.root.remove(kBaseKey);
  erase_subtree(self.origins, kBaseKey);
  merged.root = merge_maps(merged.root, merged.origins, self.root, self.origins, "");
  merged.origins[""] = Config::Origin{file, true};
  strip_delete(merged.root, "", merged.origins);
  return merged;
}

// Applies one "a.b.c=value" override to the loaded tree.
void apply_override(Loaded& loaded, const std::string& text) {
  const std::string where = std::string(kOverrideOrigin) + " '" + text + "'";
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw Error(where + ": expected KEY=VALUE (e.g. optimizer.lr=0.02)");
  }
  const std::string key_path = text.substr(0, eq);
  const std::string value_text = text.substr(eq + 1);
  YAML::Node value;
  try {
    value = YAML::Load(value_text);
  } catch (const YAML::Exception&) {
    value = YAML::Node(value_text);  // e.g. "[unclosed": keep the text as written, as a string
    value.SetTag("!");
  }

  if (key_path == kBaseKey || key_path.rfind(std::string(kBaseKey) + ".", 0) == 0) {
    throw Error(where + ": _base_ is resolved when the file is loaded and cannot be overridden");
  }
  std::vector<std::string> segments;
  for (size_t start = 0;;) {
    const size_t dot = key_path.find('.', start);
    segments.push_back(key_path.substr(start, dot - start));
    if (segments.back().empty()) throw Error(where + ": empty key in '" + key_path + "'");
    if (dot == std::string::npos) break;
    start = dot + 1;
  }

  YAML::Node parent = loaded.root;
  std::string path;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& seg = segments[i];
    const bool last = i + 1 == segments.size();
    YAML::Node next;
    std::string next_path;
    bool exists = false;
    if (parent.IsMap()) {
      next_path = join_key(path, seg);
      exists = find_entry(parent, seg, nullptr, &next);
      if (!exists && !last) {
        std::string message = where + ": key '" + next_path + "' does not exist";
        if (auto near = nearest_word(seg, map_keys(parent))) {
          message += "; did you mean '" + join_key(path, *near) + "'?";
        }
        throw Error(message);
      }
    } else if (parent.IsSequence()) {
      char* end = nullptr;
      errno = 0;
      const unsigned long long index = std::strtoull(seg.c_str(), &end, 10);
      if (*end != '\0' || !std::isdigit(static_cast<unsigned char>(seg[0])) || errno ||
          index >= parent.size()) {
        throw Error(where + ": '" + path + "' is a list of " + std::to_string(parent.size()) +
                    " elements; '" + seg + "' is not an index in it");
      }
      next_path = join_index(path, index);
      next.reset(parent[static_cast<size_t>(index)]);
      exists = true;
    } else {
      throw Error(where + ": '" + (path.empty() ? "<top level>" : path) + "' is " +
                  describe(parent) + ", not a map or a list");
    }

    if (!last) {
      parent.reset(next);
      path = next_path;
      continue;
    }
    Config::Origins value_origins;
    annotate(value, next_path, Config::Origin{kOverrideOrigin, false}, value_origins);
    YAML::Node result = value;
    if (exists && next.IsMap() && value.IsMap() &&
        !wants_delete(value, next_path, value_origins)) {
      result = merge_maps(next, loaded.origins, value, value_origins, next_path);
    } else {
      erase_subtree(loaded.origins, next_path);
      copy_subtree(value_origins, loaded.origins, next_path);
    }
    strip_delete(result, next_path, loaded.origins);
    if (exists) {
      next = result;  // rebinds the node in place, so the key keeps its position
    } else {
      parent[seg] = result;
    }
  }
}

// The authors' keys an override may have brought in (train_cfg.ghmc=...), translated last.
void finish_overrides(Loaded& loaded) {
  translate_dialect(loaded, false);
  strip_delete(loaded.root, "", loaded.origins);
}

// --- typed conversion ------------------------------------------------------------------------

template <class T>
struct TypeName;
template <> struct TypeName<bool> { static constexpr const char* value = "a bool (true or false)"; };
template <> struct TypeName<int> { static constexpr const char* value = "an int"; };
template <> struct TypeName<int64_t> { static constexpr const char* value = "an int"; };
template <> struct TypeName<float> { static constexpr const char* value = "a number"; };
template <> struct TypeName<double> { static constexpr const char* value = "a number"; };
template <> struct TypeName<std::string> { static constexpr const char* value = "a string"; };

template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {
  using element = T;
};

template <class T>
std::string type_name() {
  if constexpr (IsVector<T>::value) {
    return std::string("a list of ") + (TypeName<typename IsVector<T>::element>::value + 2);
  } else {
    return TypeName<T>::value;
  }
}

// Plain (unquoted) scalar text, or nullopt for anything else.
std::optional<std::string> plain_scalar(const YAML::Node& node) {
  if (!node.IsScalar() || is_quoted(node)) return std::nullopt;
  return node.Scalar();
}

std::optional<bool> to_bool(const YAML::Node& node) {
  auto text = plain_scalar(node);
  if (!text) return std::nullopt;
  std::string lower = *text;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (lower == "true") return true;
  if (lower == "false") return false;
  return std::nullopt;
}

std::optional<int64_t> to_int64(const YAML::Node& node) {
  auto text = plain_scalar(node);
  if (!text || text->empty()) return std::nullopt;
  const char first = (*text)[0];
  if (!std::isdigit(static_cast<unsigned char>(first)) && first != '-' && first != '+') {
    return std::nullopt;
  }
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text->c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE || end == text->c_str()) return std::nullopt;
  return static_cast<int64_t>(value);
}

std::optional<double> to_double(const YAML::Node& node) {
  auto text = plain_scalar(node);
  if (!text || text->empty()) return std::nullopt;
  std::string lower = *text;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (lower == ".inf" || lower == "+.inf") return std::numeric_limits<double>::infinity();
  if (lower == "-.inf") return -std::numeric_limits<double>::infinity();
  if (lower == ".nan") return std::numeric_limits<double>::quiet_NaN();
  // strtod alone would also take "inf", "nan" and hex floats, which YAML does not.
  if (lower.find_first_not_of("0123456789+-.e") != std::string::npos) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text->c_str(), &end);
  if (*end != '\0' || end == text->c_str() || errno == ERANGE) return std::nullopt;
  return value;
}

// Emits `node` so that loading the text gives the same tree: quoted scalars stay quoted (a
// string "007" must not come back as the int 7), lists of scalars are written inline.
void emit(YAML::Emitter& out, const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) {
    out << YAML::Null;
  } else if (node.IsScalar()) {
    if (is_quoted(node)) out << YAML::DoubleQuoted;
    out << node.Scalar();
  } else if (node.IsSequence()) {
    const bool flat = std::all_of(node.begin(), node.end(), [](const YAML::Node& n) {
      return !n.IsMap() && !n.IsSequence();
    });
    const bool flow = flat || std::all_of(node.begin(), node.end(), [](const YAML::Node& n) {
      return n.IsSequence() && std::all_of(n.begin(), n.end(), [](const YAML::Node& m) {
        return !m.IsMap() && !m.IsSequence();
      });
    });
    if (flow) out << YAML::Flow;
    out << YAML::BeginSeq;
    for (const auto& element : node) emit(out, element);
    out << YAML::EndSeq;
  } else {
    out << YAML::BeginMap;
    for (auto it = node.begin(); it != node.end(); ++it) {
      out << YAML::Key << it->first.Scalar() << YAML::Value;
      emit(out, it->second);
    }
    out << YAML::EndMap;
  }
}

}  // namespace

// --- Config ----------------------------------------------------------------------------------

Config::Config()
    : Config(YAML::Node(), "", std::make_shared<const Origins>(Origins{{"", {"<empty>", false}}})) {}

Config::Config(YAML::Node node, std::string path, std::shared_ptr<const Origins> origins)
    : node_(std::move(node)), path_(std::move(path)), origins_(std::move(origins)) {}

Config Config::load(const std::string& path, const std::vector<std::string>& overrides) {
  const std::string file = fs::path(path).lexically_normal().string();
  std::vector<std::string> stack;
  std::error_code ec;
  stack.push_back(fs::weakly_canonical(file, ec).string());
  Loaded loaded = load_text(read_file(file, ""), file, stack, is_python_file(file));
  for (const auto& o : overrides) apply_override(loaded, o);
  finish_overrides(loaded);
  return Config(loaded.root, "", std::make_shared<const Origins>(std::move(loaded.origins)));
}

Config Config::from_string(const std::string& yaml, const std::string& name,
                           const std::vector<std::string>& overrides) {
  std::vector<std::string> stack;
  Loaded loaded = load_text(yaml, name, stack, false);
  for (const auto& o : overrides) apply_override(loaded, o);
  finish_overrides(loaded);
  return Config(loaded.root, "", std::make_shared<const Origins>(std::move(loaded.origins)));
}

std::string Config::string_override(const std::string& key_path, const std::string& value) {
  YAML::Emitter out;
  out << YAML::DoubleQuoted << value;
  return key_path + "=" + out.c_str();
}

Config::Origin Config::origin() const { return origin_at(*origins_, path_); }

Config Config::child(const YAML::Node& node, const std::string& child_path) const {
  return Config(node, child_path, origins_);
}

std::string Config::path() const { return path_; }
std::string Config::file() const { return origin().file; }
const YAML::Node& Config::node() const { return node_; }

std::string Config::where() const {
  std::string text = location(origin(), node_.Mark());
  if (!path_.empty()) text += ": " + path_;
  return text;
}

Error Config::error(const std::string& message) const { return Error(where() + ": " + message); }

bool Config::is_null() const { return !node_.IsDefined() || node_.IsNull(); }
bool Config::is_map() const { return node_.IsMap(); }
bool Config::is_sequence() const { return node_.IsSequence(); }
bool Config::is_scalar() const { return node_.IsScalar(); }
size_t Config::size() const { return is_map() || is_sequence() ? node_.size() : 0; }

bool Config::has(const std::string& key) const {
  return is_map() && find_entry(node_, key, nullptr, nullptr);
}

Config Config::operator[](const std::string& key) const {
  if (!is_map()) {
    throw error("expected a map with key '" + key + "', found " + describe(node_));
  }
  YAML::Node value;
  if (!find_entry(node_, key, nullptr, &value)) {
    std::string message =
        file() + ": " + (path_.empty() ? "" : path_ + ": ") + "missing key '" + key + "'";
    if (auto near = nearest_word(key, map_keys(node_))) {
      message += " (the config has '" + *near + "')";
    }
    throw Error(message);
  }
  return child(value, join_key(path_, key));
}

Config Config::at(size_t index) const {
  if (!is_sequence()) throw error("expected a list, found " + describe(node_));
  if (index >= node_.size()) {
    throw error("index " + std::to_string(index) + " is out of range for a list of " +
                std::to_string(node_.size()));
  }
  return child(node_[index], join_index(path_, index));
}

std::vector<std::string> Config::keys() const {
  if (!is_map()) throw error("expected a map, found " + describe(node_));
  return map_keys(node_);
}

void Config::check_keys(const std::vector<std::string>& allowed) const {
  if (is_null()) return;
  if (!is_map()) throw error("expected a map, found " + describe(node_));
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string message = location(origin_at(*origins_, join_key(path_, key)), it->first.Mark()) +
                          ": unknown key '" + key + "' in " +
                          (path_.empty() ? "the top level" : path_);
    if (auto near = nearest_word(key, allowed)) {
      message += "; did you mean '" + *near + "'?";
    } else {
      message += "; allowed keys:";
      for (size_t i = 0; i < allowed.size(); ++i) message += (i ? ", " : " ") + allowed[i];
    }
    throw Error(message);
  }
}

std::string Config::dump() const {
  YAML::Emitter out;
  emit(out, node_);
  return std::string(out.c_str()) + "\n";
}

template <class T>
T Config::as() const {
  auto fail = [&]() -> Error {
    return error("expected " + type_name<T>() + ", found " + describe(node_));
  };
  if constexpr (IsVector<T>::value) {
    if (!is_sequence()) throw fail();
    T out;
    out.reserve(node_.size());
    for (size_t i = 0; i < node_.size(); ++i) {
      out.push_back(at(i).template as<typename IsVector<T>::element>());
    }
    return out;
  } else if constexpr (std::is_same_v<T, bool>) {
    if (auto v = to_bool(node_)) return *v;
    throw fail();
  } else if constexpr (std::is_same_v<T, int>) {
    auto v = to_int64(node_);
    if (!v || *v < INT_MIN || *v > INT_MAX) throw fail();
    return static_cast<int>(*v);
  } else if constexpr (std::is_same_v<T, int64_t>) {
    if (auto v = to_int64(node_)) return *v;
    throw fail();
  } else if constexpr (std::is_floating_point_v<T>) {
    if (auto v = to_double(node_)) return static_cast<T>(*v);
    throw fail();
  } else {
    static_assert(std::is_same_v<T, std::string>, "unsupported Config value type");
    if (!is_scalar()) throw fail();
    return node_.Scalar();
  }
}

template <class T>
T Config::get(const std::string& key) const {
  return (*this)[key].template as<T>();
}

template <class T>
T Config::get(const std::string& key, const T& fallback) const {
  if (!has(key)) {
    if (is_map() || is_null()) return fallback;
    throw error("expected a map with key '" + key + "', found " + describe(node_));
  }
  const Config value = (*this)[key];
  return value.is_null() ? fallback : value.template as<T>();
}

#define GHMDET_CONFIG_INSTANTIATE(T)                                  \
  template T Config::as<T>() const;                                   \
  template T Config::get<T>(const std::string&) const;                \
  template T Config::get<T>(const std::string&, const T&) const;

GHMDET_CONFIG_INSTANTIATE(bool)
GHMDET_CONFIG_INSTANTIATE(int)
GHMDET_CONFIG_INSTANTIATE(int64_t)
GHMDET_CONFIG_INSTANTIATE(float)
GHMDET_CONFIG_INSTANTIATE(double)
GHMDET_CONFIG_INSTANTIATE(std::string)
GHMDET_CONFIG_INSTANTIATE(std::vector<int>)
GHMDET_CONFIG_INSTANTIATE(std::vector<int64_t>)
GHMDET_CONFIG_INSTANTIATE(std::vector<float>)
GHMDET_CONFIG_INSTANTIATE(std::vector<double>)
GHMDET_CONFIG_INSTANTIATE(std::vector<std::string>)

#undef GHMDET_CONFIG_INSTANTIATE

}  // namespace ghmdet
