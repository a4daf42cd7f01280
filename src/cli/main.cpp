// The parzen command line. This first version reports its version and what the library
// offers; the commands that tune programs (run, ask, tell, studies, ...) arrive with the CLI work.

#include <iostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "parzen/parzen.hpp"

int main(int argc, char** argv) {
  CLI::App app{"parzen: hyperparameter optimisation for any program", "parzen"};
  app.set_version_flag("--version", std::string("parzen ") + parzen::kVersion);
  auto* info =
      app.add_subcommand("info", "Print the version and the available samplers and storages");
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);

  if (info->parsed()) {
    fmt::print("parzen {}\n", parzen::kVersion);
    fmt::print("samplers: grid, random, qmc (scrambled Sobol), tpe\n");
    fmt::print("storages: memory:, sqlite:///relative.db, sqlite:////absolute.db\n");
    return 0;
  }
  std::cout << app.help();
  return 0;
}
