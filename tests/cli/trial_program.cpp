// A trial program for the CLI tests: behaves as the first argument says.
//
//   value X                 print a line of noise, then X
//   quadratic X [Y]         print (X - 2)^2 (+ (Y + 1)^2)
//   echo-args FILE ARGS...  write ARGS (JSON array) to FILE (-: args-$PARZEN_TRIAL_NUMBER.json)
//   env FILE                write {"params": $PARZEN_PARAMS, "file": <params file>, ...} to FILE
//   fail                    write to stderr, exit with status 3
//   crash                   die by SIGSEGV
//   garbage                 print text without a number
//   huge MEGABYTES          print that much output (one very long line too), then 0.5
//   sleep SECONDS PIDFILE   start a grandchild that sleeps too, write its pid, sleep
//   report N                print parzen:report lines for steps 0..N-1, then parzen:result
//   ignore-term SECONDS     ignore SIGTERM and sleep
//   metrics                 print "parzen:result loss=0.25 accuracy=0.75"
//   flaky FILE              fail the first time (FILE missing: create it), then print 1
//   curve V STEPS MS [stubborn]  report V + 1/(i+1) at steps 0..STEPS-1, MS apart, then V;
//                           stubborn: ignore SIGTERM
//   dir-value MS            write PARZEN_TRIAL_NUMBER to ./log.txt, sleep, print what the file
//                           holds then (another trial's number if it shares the directory)
//   record MS               write $PARZEN_TRIAL_DIR/record.json (slot, CUDA_VISIBLE_DEVICES,
//                           PYTHONUNBUFFERED, cwd, steady-clock start and end), print 1

#include <signal.h>
#include <unistd.h>

#include <filesystem>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

int main(int argc, char** argv) {
  if (argc < 2) return 64;
  const std::string mode = argv[1];
  if (mode == "value" && argc >= 3) {
    std::cout << "some noise\n" << argv[2] << std::endl;
    return 0;
  }
  if (mode == "quadratic" && argc >= 3) {
    double v = (std::atof(argv[2]) - 2) * (std::atof(argv[2]) - 2);
    if (argc >= 4) v += (std::atof(argv[3]) + 1) * (std::atof(argv[3]) + 1);
    std::printf("%.17g\n", v);
    return 0;
  }
  if (mode == "echo-args" && argc >= 3) {
    nlohmann::json args = nlohmann::json::array();
    for (int i = 3; i < argc; ++i) args.push_back(argv[i]);
    std::string file = argv[2];
    if (file == "-") file = std::string("args-") + std::getenv("PARZEN_TRIAL_NUMBER") + ".json";
    std::ofstream(file) << args.dump();
    std::cout << "1\n";
    return 0;
  }
  if (mode == "env" && argc >= 3) {
    nlohmann::json j;
    const char* params = std::getenv("PARZEN_PARAMS");
    const char* file = std::getenv("PARZEN_PARAMS_FILE");
    j["params"] = params ? nlohmann::json::parse(params) : nlohmann::json();
    if (file) {
      std::ifstream in(file);
      std::stringstream ss;
      ss << in.rdbuf();
      j["file"] = nlohmann::json::parse(ss.str());
    }
    j["number"] = std::getenv("PARZEN_TRIAL_NUMBER") ? std::getenv("PARZEN_TRIAL_NUMBER") : "";
    j["study"] = std::getenv("PARZEN_STUDY") ? std::getenv("PARZEN_STUDY") : "";
    j["custom"] = std::getenv("CUSTOM_VAR") ? std::getenv("CUSTOM_VAR") : "";
    std::ofstream(argv[2]) << j.dump();
    std::cout << "1\n";
    return 0;
  }
  if (mode == "fail") {
    std::cerr << "Traceback: something went wrong\nValueError: bad learning rate" << std::endl;
    return 3;
  }
  if (mode == "crash") {
    std::cout << "about to crash" << std::endl;
    ::signal(SIGSEGV, SIG_DFL);  // a sanitizer's handler would turn the crash into an exit
    ::raise(SIGSEGV);
    return 0;
  }
  if (mode == "garbage") {
    std::cout << "hello world\nno number here\n";
    return 0;
  }
  if (mode == "huge" && argc >= 3) {
    const long mb = std::atol(argv[2]);
    std::string line(1023, 'x');
    for (long i = 0; i < mb * 1024; ++i) std::cout << line << '\n';
    std::string long_line(1 << 20, 'y');  // one 1 MiB line without a newline until the end
    for (long i = 0; i < mb / 4 + 1; ++i) std::cout << long_line;
    std::cout << "\n0.5" << std::endl;
    return 0;
  }
  if (mode == "sleep" && argc >= 4) {
    const pid_t child = ::fork();
    if (child == 0) {
      ::sleep(static_cast<unsigned>(std::atoi(argv[2])));
      ::_exit(0);
    }
    std::ofstream(argv[3]) << child;
    std::this_thread::sleep_for(std::chrono::duration<double>(std::atof(argv[2])));
    std::cout << "0.1\n";
    return 0;
  }
  if (mode == "report" && argc >= 3) {
    const int n = std::atoi(argv[2]);
    for (int i = 0; i < n; ++i) std::cout << "parzen:report " << i << " " << 1.0 / (i + 1) << "\n";
    std::cout << "parzen:result " << 1.0 / n << "\nsome trailing text\n";
    return 0;
  }
  if (mode == "ignore-term" && argc >= 3) {
    ::signal(SIGTERM, SIG_IGN);
    std::cout << "parzen:report 0 1.0" << std::endl;
    std::this_thread::sleep_for(std::chrono::duration<double>(std::atof(argv[2])));
    return 0;
  }
  if (mode == "metrics") {
    std::cout << "parzen:result loss=0.25 accuracy=0.75\n";
    return 0;
  }
  if (mode == "curve" && argc >= 5) {
    const double v = std::atof(argv[2]);
    const int steps = std::atoi(argv[3]);
    const int ms = std::atoi(argv[4]);
    if (argc >= 6 && std::string(argv[5]) == "stubborn") ::signal(SIGTERM, SIG_IGN);
    for (int i = 0; i < steps; ++i) {
      std::cout << "parzen:report " << i << " " << v + 1.0 / (i + 1) << std::endl;
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    }
    std::cout << v << std::endl;
    return 0;
  }
  if (mode == "flaky" && argc >= 3) {
    if (!std::ifstream(argv[2])) {
      std::ofstream(argv[2]) << "seen";
      std::cerr << "first attempt fails" << std::endl;
      return 1;
    }
    std::cout << "1\n";
    return 0;
  }
  if (mode == "dir-value" && argc >= 3) {
    const char* number = std::getenv("PARZEN_TRIAL_NUMBER");
    std::ofstream("log.txt") << (number ? number : "-1");
    std::cerr << "stderr of trial " << (number ? number : "?") << std::endl;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(argv[2])));
    std::ifstream in("log.txt");
    std::string got;
    in >> got;
    std::cout << "read back\n" << got << std::endl;
    return 0;
  }
  if (mode == "record" && argc >= 3) {
    const auto now = [] {
      return std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::steady_clock::now().time_since_epoch())
          .count();
    };
    const auto env = [](const char* name) -> nlohmann::json {
      const char* v = std::getenv(name);
      return v ? nlohmann::json(v) : nlohmann::json();
    };
    nlohmann::json j;
    j["start"] = now();
    std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(argv[2])));
    j["end"] = now();
    j["slot"] = env("PARZEN_SLOT");
    j["cuda"] = env("CUDA_VISIBLE_DEVICES");
    j["unbuffered"] = env("PYTHONUNBUFFERED");
    j["dir"] = env("PARZEN_TRIAL_DIR");
    j["cwd"] = std::filesystem::current_path().string();
    const char* dir = std::getenv("PARZEN_TRIAL_DIR");
    std::ofstream(std::string(dir ? dir : ".") + "/record.json") << j.dump();
    std::cout << "1\n";
    return 0;
  }
  return 64;
}
