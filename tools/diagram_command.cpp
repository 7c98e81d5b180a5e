// `fengqiao diagram`: the lifecycle drawn from the action table, so it cannot drift.
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include <fengqiao/diagram.hpp>

#include "commands.hpp"

namespace fengqiao::cli {

Command add_diagram(CLI::App& app) {
  auto format = std::make_shared<std::string>("mermaid");
  CLI::App* sub = app.add_subcommand("diagram", "The lifecycle drawn from the action table.");
  sub->add_option("--format", *format, "mermaid (default; renders on the forges) or dot (Graphviz)")
      ->type_name("mermaid|dot");
  return {sub, [format] {
            if (*format == "mermaid") std::cout << lifecycle_mermaid();
            else if (*format == "dot") std::cout << lifecycle_dot();
            else {
              std::cerr << "fengqiao diagram: unknown format " << *format << " (mermaid, dot)\n";
              return kUnusable;
            }
            return kClean;
          }};
}

}  // namespace fengqiao::cli
