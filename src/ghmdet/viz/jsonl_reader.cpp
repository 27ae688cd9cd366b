#include "ghmdet/viz/jsonl_reader.h"

#include <fmt/format.h>

#include <fstream>

#include "ghmdet/core/error.h"

namespace ghmdet::viz {

void read_jsonl(const std::string& path,
                const std::function<void(const nlohmann::json& value, int64_t line)>& on_line) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("{}: cannot open the file", path));
  std::string text;
  int64_t line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json value;
    try {
      value = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      throw Error(fmt::format("{}:{}: not a JSON line ({})", path, line, e.what()));
    }
    try {
      on_line(value, line);
    } catch (const nlohmann::json::exception& e) {
      throw Error(fmt::format("{}:{}: unexpected content ({})", path, line, e.what()));
    } catch (const Error& e) {
      throw Error(fmt::format("{}:{}: {}", path, line, e.what()));
    }
  }
}

}  // namespace ghmdet::viz
