#include "cli/config_error.hpp"

#include <iterator>
#include <vector>

#include <fmt/format.h>

namespace parzen::cli {

int SourceMap::line_of(const std::string& pointer) const {
  std::string p = pointer;
  while (true) {
    if (auto it = lines.find(p); it != lines.end()) return it->second;
    if (p.empty()) return 0;
    p.erase(p.rfind('/'));
  }
}

void SourceMap::fail(const std::string& pointer, const std::string& key,
                     const std::string& message) const {
  const int line = line_of(pointer);
  std::string where = file.empty() ? std::string() : file;
  if (line > 0) where += fmt::format("{}{}", where.empty() ? "line " : ":", line);
  if (!where.empty()) where += ": ";
  if (const auto it = keys.find(pointer); it != keys.end())
    where += fmt::format("key '{}': ", it->second);
  else if (!key.empty())
    where += fmt::format("key '{}': ", key);
  throw ConfigError(where + message);
}

std::string json_kind(const nlohmann::ordered_json& v) {
  if (v.is_boolean()) return "a boolean";
  if (v.is_number_integer()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "an array";
  if (v.is_object()) return "a table";
  if (v.is_null()) return "null";
  return "nothing";
}

std::string escaped_text(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string pointer_append(const std::string& pointer, const std::string& token) {
  std::string out = pointer + "/";
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

namespace {

// An input iterator over the text that counts the newlines the JSON lexer has consumed, so the
// SAX callbacks below know the line they are on.
struct LineCountingIterator {
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  const char* p = nullptr;
  int* line = nullptr;

  reference operator*() const { return *p; }
  LineCountingIterator& operator++() {
    if (*p == '\n') ++*line;
    ++p;
    return *this;
  }
  LineCountingIterator operator++(int) {
    auto copy = *this;
    ++*this;
    return copy;
  }
  bool operator==(const LineCountingIterator& o) const { return p == o.p; }
  bool operator!=(const LineCountingIterator& o) const { return p != o.p; }
};

// Records the line of every object key and array element by its JSON pointer.
class LineRecorder {
 public:
  using json = nlohmann::ordered_json;
  LineRecorder(const int* line, SourceMap& map) : line_(line), map_(map) {}

  bool null() { return value(); }
  bool boolean(bool) { return value(); }
  bool number_integer(json::number_integer_t) { return value(); }
  bool number_unsigned(json::number_unsigned_t) { return value(); }
  bool number_float(json::number_float_t, const json::string_t&) { return value(); }
  bool string(json::string_t&) { return value(); }
  bool binary(json::binary_t&) { return value(); }
  bool start_object(std::size_t) {
    open();
    frames_.push_back({path(), false, 0});
    return true;
  }
  bool key(json::string_t& k) {
    auto& f = frames_.back();
    f.current = pointer_append(f.pointer, k);
    // A pointer seen before is a key given twice in one object (JSON parsers keep the last).
    if (!map_.lines.emplace(f.current, *line_).second && duplicate_.empty()) {
      duplicate_ = f.current;
      duplicate_line_ = *line_;
    }
    return true;
  }
  // The first key given twice in one object (its pointer; empty: none) and its second line.
  const std::string& duplicate() const { return duplicate_; }
  int duplicate_line() const { return duplicate_line_; }
  bool end_object() {
    frames_.pop_back();
    return true;
  }
  bool start_array(std::size_t) {
    open();
    frames_.push_back({path(), true, 0});
    return true;
  }
  bool end_array() {
    frames_.pop_back();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    open();
    error_at_ = path();
    return false;
  }
  // The pointer of the value the parser failed on (e.g. a number too large for a double).
  const std::string& error_at() const { return error_at_; }

 private:
  struct Frame {
    std::string pointer;
    bool array = false;
    size_t next = 0;
    std::string current{};
  };
  // The pointer of the value being opened or read now.
  std::string path() const { return frames_.empty() ? std::string() : frames_.back().current; }
  void open() {
    if (!frames_.empty() && frames_.back().array) {
      auto& f = frames_.back();
      f.current = pointer_append(f.pointer, std::to_string(f.next++));
      map_.lines.emplace(f.current, *line_);
    }
  }
  bool value() {
    open();
    return true;
  }

  const int* line_;
  SourceMap& map_;
  std::vector<Frame> frames_{};
  std::string error_at_{};
  std::string duplicate_{};
  int duplicate_line_ = 0;
};

// "/a/b" -> "a.b", the key as messages name it.
std::string dotted(const std::string& pointer) {
  std::string key;
  for (size_t i = 1; i < pointer.size(); ++i) key += pointer[i] == '/' ? '.' : pointer[i];
  return key;
}

}  // namespace

nlohmann::ordered_json parse_json_with_lines(const std::string& text, SourceMap& map) {
  int line = 1;
  LineRecorder recorder(&line, map);
  map.lines.emplace("", 1);
  LineCountingIterator begin{text.data(), &line}, end{text.data() + text.size(), &line};
  nlohmann::ordered_json::sax_parse(begin, end, &recorder);  // stops at the first error
  // Refused as the YAML and TOML readers refuse it: the first definition would be dropped
  // silently (a copy-paste slip in a search space).
  if (!recorder.duplicate().empty())
    map.fail(recorder.duplicate(), dotted(recorder.duplicate()),
             fmt::format("is given twice (lines {} and {}); keep one",
                         map.lines.at(recorder.duplicate()), recorder.duplicate_line()));
  try {
    return nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line L, column C: ...".
    std::string what = e.what();
    if (auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
    // A number beyond a double's range is well-formed JSON: the message points at its key.
    if (e.id == 406 && !recorder.error_at().empty()) {
      std::string key;
      for (size_t i = 1; i < recorder.error_at().size(); ++i)
        key += recorder.error_at()[i] == '/' ? '.' : recorder.error_at()[i];
      map.fail(recorder.error_at(), key, what + "; write a finite number");
    }
    throw ConfigError(fmt::format("{}: {}", map.file.empty() ? "JSON" : map.file, what));
  }
}

}  // namespace parzen::cli
