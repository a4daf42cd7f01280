// parzen_dashboard_make_study DB_OR_URL NAME N_TRIALS [N_OBJECTIVES] [N_PARAMS] [N_STEPS]:
// writes a demo study (demo_study.hpp) for the dashboard's browser tests and benchmark.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "demo_study.hpp"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr,
                 "usage: %s DB_OR_URL NAME N_TRIALS [N_OBJECTIVES=1] [N_PARAMS=10] [N_STEPS=10]\n",
                 argv[0]);
    return 2;
  }
  try {
    std::string url = argv[1];
    if (url.find("://") == std::string::npos && url != "memory:") url = "sqlite:///" + url;
    auto storage = parzen::make_storage(url);
    parzen_test::DemoStudy d;
    d.name = argv[2];
    d.n_trials = std::atoll(argv[3]);
    if (argc > 4) d.n_objectives = std::atoi(argv[4]);
    if (argc > 5) d.n_params = std::atoi(argv[5]);
    if (argc > 6) d.n_steps = std::atoi(argv[6]);
    const auto id = parzen_test::write_demo_study(*storage, d);
    std::printf("study '%s' (id %lld): %lld trials written\n", d.name.c_str(),
                static_cast<long long>(id), static_cast<long long>(d.n_trials));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
