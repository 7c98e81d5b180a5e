// Fuzz target: the history reader (HISTORY-FORMAT.md) on arbitrary bytes, as `fengqiao
// replay` meets a file someone else wrote. Whatever the bytes, the reader must answer with
// a line or with invalid_history: no crash, no exception escaping its Result, nothing the
// sanitizers object to. And its two paths (simdjson for the common lines, the full one for
// the rest) must give the same answer: a difference aborts, so the fuzzer reports it.
#include <cstddef>
#include <cstdlib>
#include <cstdint>
#include <sstream>
#include <string>

#include <fengqiao/history.hpp>

#include "history/reader_detail.hpp"

namespace {

// The same Line (as the writer spells it, with its kind), or the same refusal.
std::string answer(const fengqiao::Result<fengqiao::history::Line>& r) {
  if (!r) return "refused: " + r.error().describe();
  std::ostringstream out;
  {
    fengqiao::history::Writer writer(out, fengqiao::history::Header{});
    writer.write(*r);
  }
  return std::to_string(static_cast<int>(r->kind)) + out.str();
}

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
  for (int version : {1, 2}) {
    const auto read = history::parse_line(text, 1, fengqiao::UtcOffset(), version);
    const auto full = history::detail::parse_line_full(text, 1, fengqiao::UtcOffset(), version);
    if (answer(read) != answer(full)) std::abort();
  }
  return 0;
}
