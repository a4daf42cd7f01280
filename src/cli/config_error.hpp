#pragma once
// Errors in experiment and search-space files, and the source positions they point at.

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "parzen/error.hpp"

namespace parzen::cli {

// A mistake in a file the user wrote: the message starts with "FILE:LINE: key 'KEY': ".
class ConfigError : public InvalidArgument {
 public:
  using InvalidArgument::InvalidArgument;
};

// Where each key of a parsed document was written: JSON pointer ("/kernel/_value/1") -> line.
struct SourceMap {
  std::string file{};  // as shown in messages
  std::map<std::string, int> lines{};
  // For a document converted from another form (an NNI YAML file), the key as that file writes
  // it, by pointer in the converted document: "/sampler/type" -> "tuner.name". Messages name it
  // instead of the converted key.
  std::map<std::string, std::string> keys{};

  // The line of `pointer`, or of its nearest parent that has one (0: unknown).
  int line_of(const std::string& pointer) const;
  // "FILE:LINE: key 'KEY': MESSAGE" (the line left out when unknown; KEY from `keys` when the
  // pointer has an entry there).
  [[noreturn]] void fail(const std::string& pointer, const std::string& key,
                         const std::string& message) const;
};

// Parses JSON text in file order (ordered_json) and records the line of every key and array
// element. Throws ConfigError "FILE:LINE:COLUMN: ..." for a syntax error.
nlohmann::ordered_json parse_json_with_lines(const std::string& text, SourceMap& map);

// "a number", "a string", "a table", ... for messages about a value of the wrong type.
std::string json_kind(const nlohmann::ordered_json& value);

// `text` as a JSON string ("a\u0000b", quotes included): control characters in a name shown
// in a message stay visible, and a NUL does not end the message (what() is a C string).
std::string escaped_text(const std::string& text);
// `quoted` without its first and last character.
inline std::string unquoted(const std::string& quoted) {
  return quoted.size() < 2 ? quoted : quoted.substr(1, quoted.size() - 2);
}

// Appends a JSON-pointer token (escaping '~' and '/').
std::string pointer_append(const std::string& pointer, const std::string& token);

}  // namespace parzen::cli
