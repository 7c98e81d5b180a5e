// Fuzz target: the history reader (HISTORY-FORMAT.md) on arbitrary bytes, as `fengqiao
// replay` meets a file someone else wrote. Whatever the bytes, the reader must answer with
// a line or with invalid_history: no crash, no exception escaping its Result, nothing the
// sanitizers object to.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include <fengqiao/history.hpp>

namespace {

// A history can be millions of lines; a fuzz input is a few kilobytes, so this bound only
// stops a pathological input from making one run slow.
constexpr int kMaxLines = 4096;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace history = fengqiao::history;
  const std::string text(reinterpret_cast<const char*>(data), size);

  // As a whole file: the header, then each line in order (the reader also checks that
  // time does not go back), and what a configuration line asks for, as replay reads it.
  std::istringstream in(text);
  history::Reader reader(in);
  auto header = reader.header();
  if (header) {
    for (int i = 0; i < kMaxLines; ++i) {
      auto line = reader.next();
      if (!line || !*line) break;
      if ((*line)->kind == history::Line::Kind::config) (void)history::configuration_of(**line, header->utc_offset);
    }
    // What was read must be writable again (export writes the header it replayed).
    (void)history::header_line(*header);
  }

  // As one line on its own (parse_line is public for tools that filter histories), in
  // both format versions: version 1 refuses what version 2 added.
  for (int version : {1, 2}) (void)history::parse_line(text, 1, fengqiao::UtcOffset(), version);
  return 0;
}
