// Pascal VOC annotation files: one image's XML (size, objects with their boxes), read and
// checked. VOCDataset (voc_dataset.h) and check-dataset build on it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace ghmdet {

// One VOC XML file, parsed and checked. Boxes as written (1-based, inclusive).
struct VocObject {
  std::string name;
  std::array<double, 4> box{0, 0, 0, 0};  // xmin, ymin, xmax, ymax
  bool difficult = false;
};
struct VocAnnotation {
  std::string filename;
  int64_t width = 0, height = 0;
  std::vector<VocObject> objects;
};
// Throws ghmdet::Error "<path>:<line>:<col>: <field>: <problem>" for malformed XML, a missing
// or non-numeric field.
VocAnnotation read_voc_xml(const std::string& path);

// The whole content of a VOC text file (XML or ImageSets list); Error "<path>: cannot read the
// <what>" when it cannot be opened.
std::string read_voc_text(const std::string& path, const char* what);

}  // namespace ghmdet
