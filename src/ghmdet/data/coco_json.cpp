#include "ghmdet/data/coco_json.h"

#include <simdjson.h>

#include <cmath>
#include <string_view>
#include <unordered_map>

#include "ghmdet/core/error.h"
#include "ghmdet/data/json_syntax.h"
#include "ghmdet/data/text_location.h"

namespace ghmdet {
namespace {

namespace od = simdjson::ondemand;

// Parses one document; every helper either returns a value or throws a located ghmdet::Error.
class CocoReader {
 public:
  CocoReader(const simdjson::padded_string& json, std::string name, bool check_references)
      : json_(json), text_(json.data(), json.size()), name_(std::move(name)), check_references_(check_references) {}

  CocoJson read() {
    CocoJson out;
    out.path = name_;
    od::document doc;
    if (auto err = parser_.iterate(json_).get(doc)) structural_failure(err);
    od::object root;
    if (auto err = doc.get_object().get(root)) {
      if (err == simdjson::INCORRECT_TYPE) fail(text_.data(), "<root>", "expected a JSON object");
      structural_failure(err);
    }
    bool seen_images = false, seen_categories = false;
    for (auto field_result : root) {
      od::field field;
      if (auto err = std::move(field_result).get(field)) structural_failure(err);
      std::string_view key;
      if (auto err = field.unescaped_key().get(key)) structural_failure(err);
      if (key == "images") {
        read_images(field.value(), out.images);
        seen_images = true;
      } else if (key == "annotations") {
        read_annotations(field.value(), out.annotations);
      } else if (key == "categories") {
        read_categories(field.value(), out.categories);
        seen_categories = true;
      }
    }
    // On-demand parsing stops at the root's closing brace; text after it would go unnoticed.
    const size_t last = text_.find_last_not_of(" \t\r\n");
    if (last == std::string_view::npos || text_[last] != '}') structural_failure(simdjson::TRAILING_CONTENT);
    if (!seen_images) fail(text_.data(), "<root>", "missing field 'images'");
    if (!seen_categories) fail(text_.data(), "<root>", "missing field 'categories'");
    if (check_references_) cross_check(out);
    return out;
  }

 private:
  [[noreturn]] void fail(const char* where, const std::string& field, const std::string& what) const {
    const size_t offset = where ? static_cast<size_t>(where - text_.data()) : text_.size();
    throw Error(name_ + ":" + locate_offset(text_, offset).str() + ": " + field + ": " + what);
  }

  // simdjson found the text malformed; the exact scanner says where and why.
  [[noreturn]] void structural_failure(simdjson::error_code err) const {
    if (auto syntax = find_json_syntax_error(text_)) {
      throw Error(name_ + ":" + locate_offset(text_, syntax->offset).str() +
                  ": malformed JSON: " + syntax->message);
    }
    throw Error(name_ + ": malformed JSON: " + simdjson::error_message(err));
  }

  static const char* where(od::value& v) { return v.raw_json_token().data(); }

  void check(simdjson::error_code err, od::value& v, const std::string& field, const char* expected) {
    if (!err) return;
    if (err == simdjson::INCORRECT_TYPE || err == simdjson::NUMBER_OUT_OF_RANGE ||
        err == simdjson::NUMBER_ERROR) {
      fail(where(v), field, std::string("expected ") + expected + ", found '" +
                                std::string(raw_token(v)) + "'");
    }
    structural_failure(err);
  }

  static std::string_view raw_token(od::value& v) {
    std::string_view t = v.raw_json_token();
    // Trim the token to something printable (a container's token runs to the end of the text).
    size_t end = 0;
    while (end < t.size() && end < 40 && t[end] != ',' && t[end] != '\n' && t[end] != '}' &&
           t[end] != ']')
      ++end;
    return t.substr(0, end == 0 ? std::min<size_t>(t.size(), 1) : end);
  }

  int64_t get_int(od::value v, const std::string& field) {
    int64_t x = 0;
    check(v.get_int64().get(x), v, field, "an integer");
    return x;
  }
  double get_number(od::value v, const std::string& field) {
    double x = 0;
    check(v.get_double().get(x), v, field, "a number");
    if (!std::isfinite(x)) fail(where(v), field, "expected a finite number");
    return x;
  }
  std::string get_string(od::value v, const std::string& field) {
    std::string_view s;
    check(v.get_string().get(s), v, field, "a string");
    return std::string(s);
  }
  bool get_flag(od::value v, const std::string& field) {
    od::json_type type;
    if (auto err = v.type().get(type)) structural_failure(err);
    if (type == od::json_type::boolean) {
      bool b = false;
      check(v.get_bool().get(b), v, field, "0, 1, true or false");
      return b;
    }
    int64_t x = 0;
    check(v.get_int64().get(x), v, field, "0, 1, true or false");
    if (x != 0 && x != 1) fail(where(v), field, "expected 0, 1, true or false, found " + std::to_string(x));
    return x == 1;
  }

  // Calls fn(element_value, index) for each element of an array of objects.
  template <class Fn>
  void for_each_object(od::value list, const std::string& list_name, Fn&& fn) {
    od::array arr;
    check(list.get_array().get(arr), list, list_name, "an array");
    size_t index = 0;
    for (auto element_result : arr) {
      od::value element;
      if (auto err = std::move(element_result).get(element)) structural_failure(err);
      const std::string field = list_name + "[" + std::to_string(index) + "]";
      const char* at = where(element);
      od::object obj;
      check(element.get_object().get(obj), element, field, "an object");
      fn(obj, at, index, field);
      ++index;
    }
  }

  // Calls on_field(key, value) for each member of `obj`.
  template <class Fn>
  void for_each_field(od::object& obj, Fn&& on_field) {
    for (auto field_result : obj) {
      od::field f;
      if (auto err = std::move(field_result).get(f)) structural_failure(err);
      std::string_view key;
      if (auto err = f.unescaped_key().get(key)) structural_failure(err);
      on_field(key, f.value());
    }
  }

  void read_images(od::value list, std::vector<CocoImage>& images) {
    for_each_object(list, "images", [&](od::object& obj, const char* at, size_t, const std::string& field) {
      CocoImage img;
      unsigned seen = 0;
      for_each_field(obj, [&](std::string_view key, od::value v) {
        if (key == "id") img.id = get_int(v, field + ".id"), seen |= 1;
        else if (key == "file_name") img.file_name = get_string(v, field + ".file_name"), seen |= 2;
        else if (key == "width") img.width = get_int(v, field + ".width"), seen |= 4;
        else if (key == "height") img.height = get_int(v, field + ".height"), seen |= 8;
      });
      static const char* names[] = {"id", "file_name", "width", "height"};
      for (int k = 0; k < 4; ++k)
        if (!(seen & (1u << k))) fail(at, field, std::string("missing field '") + names[k] + "'");
      if (img.width <= 0 || img.height <= 0)
        fail(at, field, "width and height must be positive, found " + std::to_string(img.width) +
                            "x" + std::to_string(img.height));
      images.push_back(std::move(img));
      image_offsets_.push_back(at);
    });
  }

  void read_annotations(od::value list, std::vector<CocoAnnotation>& anns) {
    for_each_object(list, "annotations", [&](od::object& obj, const char* at, size_t index, const std::string& field) {
      CocoAnnotation a;
      unsigned seen = 0;
      bool has_id = false, has_area = false;
      for_each_field(obj, [&](std::string_view key, od::value v) {
        if (key == "image_id") {
          a.image_id = get_int(v, field + ".image_id"), seen |= 1;
        } else if (key == "category_id") {
          a.category_id = get_int(v, field + ".category_id"), seen |= 2;
        } else if (key == "bbox") {
          read_bbox(v, field + ".bbox", a.bbox), seen |= 4;
        } else if (key == "id") {
          a.id = get_int(v, field + ".id"), has_id = true;
        } else if (key == "area") {
          a.area = get_number(v, field + ".area"), has_area = true;
        } else if (key == "iscrowd") {
          a.iscrowd = get_flag(v, field + ".iscrowd");
        } else if (key == "ignore") {
          a.ignore = get_flag(v, field + ".ignore");
        }
      });
      static const char* names[] = {"image_id", "category_id", "bbox"};
      for (int k = 0; k < 3; ++k)
        if (!(seen & (1u << k))) fail(at, field, std::string("missing field '") + names[k] + "'");
      if (!has_id) a.id = static_cast<int64_t>(index) + 1;
      if (!has_area) a.area = a.bbox[2] * a.bbox[3];
      anns.push_back(a);
      annotation_offsets_.push_back(at);
    });
  }

  void read_bbox(od::value v, const std::string& field, std::array<double, 4>& box) {
    od::array arr;
    const char* at = where(v);
    if (v.get_array().get(arr)) fail(at, field, "expected 4 numbers");
    size_t n = 0;
    for (auto x_result : arr) {
      od::value x;
      if (auto err = std::move(x_result).get(x)) structural_failure(err);
      double d = 0;
      if (n >= 4 || x.get_double().get(d) || !std::isfinite(d)) fail(at, field, "expected 4 numbers");
      box[n++] = d;
    }
    if (n != 4) fail(at, field, "expected 4 numbers, found " + std::to_string(n));
  }

  void read_categories(od::value list, std::vector<CocoCategory>& cats) {
    for_each_object(list, "categories", [&](od::object& obj, const char* at, size_t, const std::string& field) {
      CocoCategory c;
      unsigned seen = 0;
      for_each_field(obj, [&](std::string_view key, od::value v) {
        if (key == "id") c.id = get_int(v, field + ".id"), seen |= 1;
        else if (key == "name") c.name = get_string(v, field + ".name"), seen |= 2;
        else if (key == "supercategory") c.supercategory = get_string(v, field + ".supercategory");
      });
      if (!(seen & 1)) fail(at, field, "missing field 'id'");
      if (!(seen & 2)) fail(at, field, "missing field 'name'");
      cats.push_back(std::move(c));
      category_offsets_.push_back(at);
    });
  }

  void cross_check(const CocoJson& out) const {
    std::unordered_map<int64_t, size_t> images, categories;
    images.reserve(out.images.size() * 2);
    for (size_t i = 0; i < out.images.size(); ++i) {
      auto [it, fresh] = images.emplace(out.images[i].id, i);
      if (!fresh)
        fail(image_offsets_[i], "images[" + std::to_string(i) + "].id",
             "duplicate image id " + std::to_string(out.images[i].id) + " (also images[" +
                 std::to_string(it->second) + "])");
    }
    for (size_t i = 0; i < out.categories.size(); ++i) {
      auto [it, fresh] = categories.emplace(out.categories[i].id, i);
      if (!fresh)
        fail(category_offsets_[i], "categories[" + std::to_string(i) + "].id",
             "duplicate category id " + std::to_string(out.categories[i].id) + " (also categories[" +
                 std::to_string(it->second) + "])");
    }
    for (size_t i = 0; i < out.annotations.size(); ++i) {
      const CocoAnnotation& a = out.annotations[i];
      const std::string field = "annotations[" + std::to_string(i) + "]";
      if (!images.count(a.image_id))
        fail(annotation_offsets_[i], field + ".image_id",
             "unknown image id " + std::to_string(a.image_id));
      if (!categories.count(a.category_id))
        fail(annotation_offsets_[i], field + ".category_id",
             "unknown category id " + std::to_string(a.category_id));
    }
  }

  const simdjson::padded_string& json_;
  std::string_view text_;
  std::string name_;
  bool check_references_;
  od::parser parser_;
  // Where each element starts, so cross-checks after parsing can still point into the file.
  std::vector<const char*> image_offsets_, annotation_offsets_, category_offsets_;
};

}  // namespace

CocoJson read_coco_json(const std::string& path, bool check_references) {
  simdjson::padded_string json;
  if (auto err = simdjson::padded_string::load(path).get(json)) {
    throw Error(path + ": cannot read the COCO annotation file (" +
                std::string(simdjson::error_message(err)) + ")");
  }
  return CocoReader(json, path, check_references).read();
}

CocoJson parse_coco_json(std::string_view text, const std::string& name, bool check_references) {
  simdjson::padded_string json(text.data(), text.size());
  return CocoReader(json, name, check_references).read();
}

}  // namespace ghmdet
