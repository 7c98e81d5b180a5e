#include <iostream>

#include <fengqiao/diagram.hpp>

#include "commands.hpp"

namespace fengqiao::cli {

int diagram(const Args& args) {
  std::string format = "mermaid";
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--format" && i + 1 < args.size()) {
      format = args[++i];
    } else {
      std::cerr << "fengqiao diagram: unexpected argument " << args[i] << '\n';
      return usage(std::cerr, kUnusable);
    }
  }
  if (format == "mermaid") std::cout << lifecycle_mermaid();
  else if (format == "dot") std::cout << lifecycle_dot();
  else {
    std::cerr << "fengqiao diagram: unknown format " << format << " (mermaid, dot)\n";
    return kUnusable;
  }
  return kClean;
}

}  // namespace fengqiao::cli
