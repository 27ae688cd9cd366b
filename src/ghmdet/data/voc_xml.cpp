#include "ghmdet/data/voc_xml.h"

#include <fmt/format.h>
#include <pugixml.hpp>

#include <charconv>
#include <fstream>
#include <sstream>

#include "ghmdet/core/error.h"
#include "ghmdet/data/text_location.h"

namespace ghmdet {

std::string read_voc_text(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot read the " + std::string(what));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

class XmlReader {
 public:
  XmlReader(std::string path, std::string text) : path_(std::move(path)), text_(std::move(text)) {
    const pugi::xml_parse_result r = doc_.load_buffer(text_.data(), text_.size());
    if (!r) {
      throw Error(path_ + ":" + locate_offset(text_, static_cast<size_t>(r.offset)).str() +
                  ": malformed XML: " + r.description());
    }
  }
  pugi::xml_node root(const char* name) const {
    pugi::xml_node n = doc_.child(name);
    if (!n) throw Error(path_ + ": missing root element <" + std::string(name) + ">");
    return n;
  }
  [[noreturn]] void fail(pugi::xml_node node, const std::string& field, const std::string& what) const {
    const size_t offset = static_cast<size_t>(node.offset_debug() < 0 ? 0 : node.offset_debug());
    throw Error(path_ + ":" + locate_offset(text_, offset).str() + ": " + field + ": " + what);
  }
  pugi::xml_node child(pugi::xml_node parent, const char* name, const std::string& field) const {
    pugi::xml_node n = parent.child(name);
    if (!n) fail(parent, field, std::string("missing element <") + name + ">");
    return n;
  }
  double number(pugi::xml_node parent, const char* name, const std::string& field) const {
    pugi::xml_node n = child(parent, name, field);
    std::string s = n.child_value();
    // Trim whitespace that some writers put around numbers.
    const auto b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
    s = b == std::string::npos ? "" : s.substr(b, e - b + 1);
    double v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size())
      fail(n, field + "." + name, "expected a number, found '" + s + "'");
    return v;
  }

 private:
  std::string path_, text_;
  pugi::xml_document doc_;
};

}  // namespace

VocAnnotation read_voc_xml(const std::string& path) {
  XmlReader xml(path, read_voc_text(path, "VOC annotation"));
  pugi::xml_node ann = xml.root("annotation");
  VocAnnotation out;
  out.filename = ann.child("filename").child_value();
  pugi::xml_node size = xml.child(ann, "size", "annotation");
  // Checked before the conversion: a double beyond int64_t (or NaN) converts to anything (UB).
  auto pixels = [&](const char* name) {
    const double v = xml.number(size, name, "size");
    if (!(v > 0 && v <= 1e9)) {
      xml.fail(size.child(name), std::string("size.") + name,
               fmt::format("must be a positive number of pixels (at most 10^9), found {}", v));
    }
    return static_cast<int64_t>(v);
  };
  out.width = pixels("width");
  out.height = pixels("height");
  int k = 0;
  for (pugi::xml_node obj : ann.children("object")) {
    const std::string field = "object[" + std::to_string(k++) + "]";
    VocObject o;
    o.name = xml.child(obj, "name", field).child_value();
    pugi::xml_node difficult = obj.child("difficult");
    o.difficult = difficult && xml.number(obj, "difficult", field) != 0;
    pugi::xml_node bnd = xml.child(obj, "bndbox", field);
    const char* names[4] = {"xmin", "ymin", "xmax", "ymax"};
    for (int c = 0; c < 4; ++c) o.box[c] = xml.number(bnd, names[c], field + ".bndbox");
    out.objects.push_back(std::move(o));
  }
  return out;
}

}  // namespace ghmdet
