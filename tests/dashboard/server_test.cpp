// `parzen dashboard` end to end: the real binary on a free 127.0.0.1 port (--port 0; the test
// reads the port from its first line) over real SQLite studies, through httplib's client.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <sqlite3.h>
#include <nlohmann/json.hpp>

#include "cli/cli_helpers.hpp"
#include "dashboard/server.hpp"
#include "demo_study.hpp"
#include "parzen/importance.hpp"
#include "parzen/stop_request.hpp"
#include "parzen/system_attrs.hpp"

namespace {

using namespace parzen_test;
using nlohmann::json;

const std::string kXss = "<script>alert(1)</script>";

// A running `parzen dashboard`, stopped (SIGTERM) by the destructor.
struct Dashboard {
  fs::path dir;
  pid_t pid = -1;
  int port = 0;
  std::string first_line;
  Dashboard(const std::vector<std::string>& args, const fs::path& d, const std::string& tag)
      : dir(d), tag_(tag) {
    std::vector<std::string> all = {"dashboard", "--port", "0"};
    all.insert(all.end(), args.begin(), args.end());
    pid = start_cli(all, dir, tag);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string out = slurp(dir / (tag + ".out"));
      const auto at = out.find("http://127.0.0.1:");
      if (at != std::string::npos && out.find('\n', at) != std::string::npos) {
        port = std::stoi(out.substr(at + 17));
        first_line = out.substr(0, out.find('\n'));
        return;
      }
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "the dashboard did not start: " << slurp(dir / (tag + ".err"));
  }
  ~Dashboard() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      const auto r = finish_cli(pid, dir, tag_);
      EXPECT_EQ(r.status, 0) << r.err;
    }
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(30, 0);
    return c;
  }
  std::string output() const { return slurp(dir / (tag_ + ".out")); }

 private:
  std::string tag_;
};

json body_json(const httplib::Result& r) {
  EXPECT_TRUE(r) << "no answer";
  if (!r) return json();
  EXPECT_NE(r->get_header_value("Content-Type").find("application/json"), std::string::npos)
      << r->status << " " << r->body;
  return json::parse(r->body);
}

// The server answers /api/studies after whatever came before.
void expect_alive(const Dashboard& d) {
  auto c = d.client();
  auto r = c.Get("/api/studies");
  ASSERT_TRUE(r) << "the server stopped answering";
  EXPECT_EQ(r->status, 200);
}

// A raw request (what a client library would refuse to send), the status line back.
std::string raw_request(int port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "";
  }
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  size_t sent = 0;
  while (sent < request.size()) {
    const auto n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string reply;
  char buf[4096];
  for (;;) {
    const auto n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    reply.append(buf, static_cast<size_t>(n));
    if (reply.size() > (1u << 20)) break;
    // A whole answer (headers and Content-Length bytes): the server may keep the connection.
    const auto end = reply.find("\r\n\r\n");
    if (end == std::string::npos) continue;
    const auto at = reply.find("Content-Length: ");
    if (at != std::string::npos && at < end &&
        reply.size() >= end + 4 + std::stoul(reply.substr(at + 16)))
      break;
  }
  close(fd);
  return reply;
}

class DashboardTest : public ::testing::Test {
 protected:
  TempDir tmp;
  std::string db;
  parzen::StudyId single = -1, multi = -1, xss = -1;

  void SetUp() override {
    db = (tmp.path / "studies.db").string();
    auto storage = parzen::make_storage("sqlite:///" + db);
    single = write_demo_study(
        *storage, {.name = "single", .n_trials = 40, .n_params = 5, .n_steps = 4, .seed = 3});
    multi = write_demo_study(*storage, {.name = "multi",
                                        .n_trials = 30,
                                        .n_params = 3,
                                        .n_steps = 0,
                                        .n_objectives = 2,
                                        .seed = 4});
    xss = storage->create_study(kXss, {parzen::Direction::Maximize});
    storage->set_study_user_attr(xss, "owner", "<b>me</b> & you");
  }
};

TEST_F(DashboardTest, APortInUseIsRefused) {
  Dashboard d({db}, tmp.path, "d");
  ASSERT_GT(d.port, 0);
  const auto r = run_cli({"dashboard", db, "--port", std::to_string(d.port)}, tmp.path);
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("cannot listen on 127.0.0.1:" + std::to_string(d.port)), std::string::npos)
      << r.err;
}

TEST_F(DashboardTest, StudiesListsEveryStudyWithCountsBestAndEscapedNames) {
  Dashboard d({db}, tmp.path, "d");
  EXPECT_NE(d.first_line.find("read-only"), std::string::npos) << d.first_line;
  // The storage as a URL, as docs/dashboard.md shows it (a plain path is given here).
  EXPECT_NE(d.first_line.find("(sqlite:///" + db + "; read-only)"), std::string::npos)
      << d.first_line;
  auto c = d.client();
  auto r = c.Get("/api/studies");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_NE(r->get_header_value("Content-Security-Policy").find("default-src 'self'"),
            std::string::npos);
  // The XSS name is a JSON string with its markup escaped, never raw markup.
  EXPECT_EQ(r->body.find("<script>"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("\\u003cscript\\u003e"), std::string::npos);
  const json j = json::parse(r->body);
  ASSERT_EQ(j["studies"].size(), 3u);
  std::map<std::string, json> by_name;
  for (const auto& s : j["studies"]) by_name[s["name"].get<std::string>()] = s;
  ASSERT_TRUE(by_name.count(kXss));
  EXPECT_EQ(by_name[kXss]["user_attrs"]["owner"], "<b>me</b> & you");
  EXPECT_TRUE(by_name[kXss]["best_values"].is_null());
  EXPECT_TRUE(by_name[kXss]["last_activity"].is_null());
  EXPECT_EQ(by_name[kXss]["directions"], json::array({"maximize"}));

  const json& s = by_name["single"];
  EXPECT_EQ(s["id"], single);
  const auto trials = trials_of("sqlite:///" + db, "single");
  int64_t complete = 0, pruned = 0, failed = 0;
  double best = 1e300;
  int64_t best_number = -1;
  for (const auto& t : trials) {
    if (t.state == parzen::TrialState::Complete) {
      ++complete;
      if (t.values[0] < best) best = t.values[0], best_number = t.number;
    }
    pruned += t.state == parzen::TrialState::Pruned;
    failed += t.state == parzen::TrialState::Failed;
  }
  EXPECT_EQ(s["n_trials"]["COMPLETE"], complete);
  EXPECT_EQ(s["n_trials"]["PRUNED"], pruned);
  EXPECT_EQ(s["n_trials"]["FAIL"], failed);
  EXPECT_EQ(s["n_trials"]["RUNNING"], 0);
  EXPECT_EQ(s["n_trials"]["WAITING"], 0);
  EXPECT_GT(pruned + failed, 0);
  EXPECT_EQ(s["best_trial"], best_number);
  EXPECT_DOUBLE_EQ(s["best_values"][0].get<double>(), best);
  EXPECT_EQ(s["param_names"], json::array({"kernel", "layers", "lr", "x0", "x4"}));
  EXPECT_TRUE(s["objective_names"].is_null());
  EXPECT_TRUE(s["last_activity"].is_string());
  // Several objectives: the Pareto endpoint has them; no single best.
  EXPECT_TRUE(by_name["multi"]["best_values"].is_null());
  EXPECT_EQ(by_name["multi"]["directions"], json::array({"minimize", "maximize"}));
}

TEST_F(DashboardTest, TrialsSinceReturnsOnlyWhatChanged) {
  Dashboard d({db}, tmp.path, "d");
  auto c = d.client();
  const json all = body_json(c.Get("/api/studies/" + std::to_string(single) + "/trials"));
  ASSERT_EQ(all["trials"].size(), 40u);
  const json& t0 = all["trials"][0];
  EXPECT_EQ(t0["number"], 0);
  for (const char* key : {"trial_id", "state", "values", "params", "distributions",
                          "intermediate_values", "user_attrs", "system_attrs", "constraints",
                          "feasible", "datetime_start", "datetime_complete", "worker"})
    EXPECT_TRUE(t0.contains(key)) << key;
  EXPECT_EQ(t0["distributions"]["lr"]["type"], "float");
  EXPECT_EQ(t0["distributions"]["lr"]["log"], true);
  EXPECT_EQ(t0["distributions"]["kernel"]["choices"], json::array({"linear", "rbf", "poly"}));
  EXPECT_TRUE(t0["params"]["kernel"].is_string());
  EXPECT_EQ(t0["intermediate_values"].size(), 4u);
  EXPECT_EQ(t0["intermediate_values"][3][0], 3);
  EXPECT_TRUE(t0["feasible"].is_null());
  EXPECT_TRUE(t0["worker"].is_string());
  const uint64_t v1 = all["version"].get<uint64_t>();

  // Nothing new: no trials, the same version.
  json again = body_json(
      c.Get("/api/studies/" + std::to_string(single) + "/trials?since=" + std::to_string(v1)));
  EXPECT_EQ(again["trials"].size(), 0u);
  EXPECT_EQ(again["version"].get<uint64_t>(), v1);

  // Another process (here: this one, through its own storage) adds a trial and finishes it.
  auto storage = parzen::make_storage("sqlite:///" + db);
  parzen::NewTrial nt;
  nt.heartbeat = false;
  const auto t = storage->create_trial(single, nt);
  json running = body_json(
      c.Get("/api/studies/" + std::to_string(single) + "/trials?since=" + std::to_string(v1)));
  ASSERT_EQ(running["trials"].size(), 1u);
  EXPECT_EQ(running["trials"][0]["number"], 40);
  EXPECT_EQ(running["trials"][0]["state"], "RUNNING");
  const uint64_t v2 = running["version"].get<uint64_t>();
  EXPECT_GT(v2, v1);
  storage->set_trial_constraints(t.id, {0.5});
  storage->finish_trial(t.id, parzen::TrialState::Complete, {0.001}, "");
  json done = body_json(
      c.Get("/api/studies/" + std::to_string(single) + "/trials?since=" + std::to_string(v2)));
  ASSERT_EQ(done["trials"].size(), 1u);
  EXPECT_EQ(done["trials"][0]["state"], "COMPLETE");
  EXPECT_EQ(done["trials"][0]["feasible"], false);
  EXPECT_EQ(done["trials"][0]["constraints"], json::array({0.5}));
  // An older version gets both changes' trial once; 0 gets everything.
  EXPECT_EQ(body_json(c.Get("/api/studies/" + std::to_string(single) +
                            "/trials?since=" + std::to_string(v1)))["trials"]
                .size(),
            1u);
  EXPECT_EQ(body_json(c.Get("/api/studies/" + std::to_string(single) + "/trials?since=0"))["trials"]
                .size(),
            41u);
  // A version older than this server's first (an earlier run's) gets everything.
  EXPECT_EQ(body_json(c.Get("/api/studies/" + std::to_string(single) + "/trials?since=1"))["trials"]
                .size(),
            41u);
  // The infeasible 0.001 does not become the best; and now that a trial has constraint values,
  // the 40 trials without them count as infeasible too (Study::best_trial's rule): no best.
  // The summary counts the new trial.
  const auto summary = [&] {
    const json all = body_json(c.Get("/api/studies"));
    for (const auto& s : all["studies"])
      if (s["name"] == "single") return s;
    return json();
  };
  EXPECT_TRUE(summary()["best_trial"].is_null());
  EXPECT_EQ(summary()["n_trials"]["RUNNING"], 0);
  // A feasible trial, worse than every earlier value, is the best.
  const auto feasible = storage->create_trial(single, nt);
  storage->set_trial_constraints(feasible.id, {-1.0});
  storage->finish_trial(feasible.id, parzen::TrialState::Complete, {1e6}, "");
  EXPECT_EQ(summary()["best_trial"], 41);
  EXPECT_EQ(summary()["best_values"], json::array({1e6}));
}

TEST_F(DashboardTest, ParetoImportanceLogAndExport) {
  auto storage = parzen::make_storage("sqlite:///" + db);
  // A trial with logs, as `parzen run` leaves them.
  const fs::path trial_dir = tmp.path / "trial-0";
  fs::create_directories(trial_dir);
  std::ofstream(trial_dir / "stdout.log.1") << "old line\n";
  std::ofstream(trial_dir / "stdout.log") << "epoch 1 <b>\nepoch 2\n";
  parzen::NewTrial nt;
  nt.heartbeat = false;
  const auto logged = storage->create_trial(xss, nt);
  storage->set_trial_system_attr(logged.id, parzen::keys::trial_dir, trial_dir.string());
  storage->finish_trial(logged.id, parzen::TrialState::Complete, {1.0}, "");

  Dashboard d({"sqlite:///" + db}, tmp.path, "d");
  auto c = d.client();
  const std::string m = "/api/studies/" + std::to_string(multi);
  const json p = body_json(c.Get(m + "/pareto"));
  ASSERT_FALSE(p["front"].empty());
  EXPECT_EQ(p["reference_point"].size(), 2u);
  ASSERT_FALSE(p["hypervolume_history"].empty());
  double last = 0;
  for (const auto& h : p["hypervolume_history"]) {
    EXPECT_GE(h[1].get<double>(), last);  // never decreases
    last = h[1].get<double>();
  }
  // Every front member is complete and no other complete trial dominates it.
  const auto trials = trials_of("sqlite:///" + db, "multi");
  for (const auto& n : p["front"]) {
    const auto& t = trials[n.get<size_t>()];
    EXPECT_EQ(t.state, parzen::TrialState::Complete);
    for (const auto& o : trials)
      if (o.state == parzen::TrialState::Complete) {
        EXPECT_FALSE(o.values[0] <= t.values[0] && o.values[1] >= t.values[1] &&
                     (o.values[0] < t.values[0] || o.values[1] > t.values[1]));
      }
  }
  auto r = c.Get("/api/studies/" + std::to_string(single) + "/pareto");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(body_json(r).contains("error"));

  r = c.Get("/api/studies/" + std::to_string(single) + "/importance?evaluator=bogus");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  for (const char* evaluator : {"ped-anova", "fanova"}) {
    r = c.Get("/api/studies/" + std::to_string(single) + "/importance?evaluator=" + evaluator +
              "&objective=0");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const json imp = body_json(r)["importances"];
    ASSERT_EQ(imp.size(), 5u) << evaluator;
    double sum = 0, previous = 2;
    for (const auto& e : imp) {
      EXPECT_TRUE(e["param"].is_string());
      EXPECT_LE(e["importance"].get<double>(), previous);  // sorted, largest first
      previous = e["importance"].get<double>();
      sum += previous;
    }
    EXPECT_NEAR(sum, 1.0, 1e-9) << evaluator;
  }
  // The library's ranking for the same trials, as it is.
  {
    parzen::ImportanceOptions options;
    options.evaluator = parzen::ImportanceEvaluator::Fanova;
    const auto expected = parzen::param_importances(trials_of("sqlite:///" + db, "single"),
                                                    {parzen::Direction::Minimize}, options);
    const json got = body_json(c.Get("/api/studies/" + std::to_string(single) +
                                     "/importance?evaluator=fanova"))["importances"];
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(got[i]["param"], expected[i].first);
      EXPECT_DOUBLE_EQ(got[i]["importance"].get<double>(), expected[i].second);
    }
  }
  r = c.Get("/api/studies/" + std::to_string(single) + "/importance?objective=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  r = c.Get("/api/studies/" + std::to_string(multi) + "/importance?objective=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  r = c.Get("/api/studies/" + std::to_string(xss) + "/importance");  // no complete trials
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(body_json(r).contains("error"));

  const std::string x = "/api/studies/" + std::to_string(xss);
  json log = body_json(c.Get(x + "/trials/0/log"));
  EXPECT_EQ(log["text"], "old line\nepoch 1 <b>\nepoch 2\n");
  EXPECT_EQ(log["truncated"], false);
  log = body_json(c.Get(x + "/trials/0/log?tail_bytes=8"));
  EXPECT_EQ(log["text"], "epoch 2\n");
  EXPECT_EQ(log["truncated"], true);
  r = c.Get(x + "/trials/0/log?stream=stderr");
  ASSERT_TRUE(r);
  EXPECT_EQ(body_json(r)["text"], "");
  r = c.Get("/api/studies/" + std::to_string(single) + "/trials/0/log");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_NE(body_json(r)["error"].get<std::string>().find("no logs"), std::string::npos);
  for (const char* bad : {"/trials/0/log?stream=stdin", "/trials/0/log?tail_bytes=0",
                          "/trials/0/log?tail_bytes=x", "/trials/0/log?tail_bytes=999999999999"}) {
    r = c.Get(x + bad);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << bad;
  }
  r = c.Get(x + "/trials/7/log");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);

  r = c.Get("/api/studies/" + std::to_string(single) + "/export?format=csv");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->get_header_value("Content-Disposition").find("attachment; filename=\"single.csv\""),
            std::string::npos);
  EXPECT_EQ(r->body.rfind("number,state,value,", 0), 0u) << r->body.substr(0, 200);
  EXPECT_EQ(std::count(r->body.begin(), r->body.end(), '\n'), 41);
  r = c.Get(x + "/export?format=json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // The name's markup does not reach the file name.
  EXPECT_EQ(r->get_header_value("Content-Disposition").find('<'), std::string::npos);
  EXPECT_EQ(json::parse(r->body)["study"], kXss);
  r = c.Get(x + "/export?format=xml");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  expect_alive(d);
}

TEST_F(DashboardTest, MalformedRequestsGetJsonErrorsAndTheServerStaysUp) {
  Dashboard d({db}, tmp.path, "d");
  auto c = d.client();
  const std::vector<std::pair<std::string, int>> cases = {
      {"/api/studies/abc/trials", 400},
      {"/api/studies/-1/trials", 400},
      {"/api/studies/99999999999999999999999/trials", 400},
      {"/api/studies/999/trials", 404},
      {"/api/studies/1/trials?since=-1", 400},
      {"/api/studies/1/trials?since=abc", 400},
      {"/api/studies/1/trials?since=99999999999999999999999", 400},
      {"/api/studies/1/trials/abc/log", 400},
      {"/api/studies/999/pareto", 404},
      {"/api/nope", 404},
      {"/api/studies/1/bogus", 404},
      {"/no-such-file.js", 404},
  };
  for (const auto& [path, status] : cases) {
    auto r = c.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, status) << path << " " << r->body;
    const json j = body_json(r);
    EXPECT_TRUE(j.contains("error")) << path;
    expect_alive(d);
  }
  // Writes without --allow-writes: 403, token or not.
  auto r = c.Post("/api/studies/1/trials/0/note", "{\"note\":\"x\"}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_NE(body_json(r)["error"].get<std::string>().find("--allow-writes"), std::string::npos);
  r = c.Post("/api/studies/1/stop", "", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  // Unsupported methods.
  r = c.Delete("/api/studies/1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_TRUE(body_json(r).contains("error"));
  r = c.Put("/index.html", "x", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);

  // What a client library would not send: traversal, a huge header, garbage, a foreign Host.
  for (const std::string path :
       {"/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
        "/.%2e/CMakeLists.txt", "/static/..\\..\\etc\\passwd"}) {
    const std::string reply = raw_request(
        d.port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(reply.find("root:"), std::string::npos) << path;
    EXPECT_TRUE(reply.rfind("HTTP/1.1 404", 0) == 0 || reply.rfind("HTTP/1.1 400", 0) == 0)
        << path << ": " << reply.substr(0, 80);
    expect_alive(d);
  }
  const std::string huge(200000, 'a');
  std::string reply =
      raw_request(d.port, "GET /api/studies HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + huge +
                              "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(reply.find("HTTP/1.1 200"), std::string::npos);
  expect_alive(d);
  reply = raw_request(d.port, "GARBAGE\r\n\r\n");
  EXPECT_EQ(reply.find("HTTP/1.1 200"), std::string::npos);
  expect_alive(d);
  reply = raw_request(d.port,
                      "GET /" + std::string(20000, 'x') + " HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(reply.find("HTTP/1.1 200"), std::string::npos);
  expect_alive(d);
  reply = raw_request(
      d.port, "GET /api/studies HTTP/1.1\r\nHost: evil.example:80\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 403", 0), 0u) << reply.substr(0, 80);
  reply = raw_request(
      d.port, "GET /api/studies HTTP/1.1\r\nHost: localhost:1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply.substr(0, 80);
  // A body over the limit.
  r = c.Post("/api/studies/1/trials/0/note", std::string(2u << 20, 'x'), "application/json");
  if (r) {
    EXPECT_EQ(r->status, 413);
  }
  expect_alive(d);
}

TEST_F(DashboardTest, WritesNeedAllowWritesAndTheToken) {
  const std::string token = "0123456789abcdef0123456789abcdef";
  const std::string token_file = tmp.file("token", token + "\n");
  auto storage = parzen::make_storage("sqlite:///" + db);
  parzen::NewTrial nt;
  nt.heartbeat = false;
  const auto asked = storage->create_trial(xss, nt);  // like `parzen ask`: number 0

  Dashboard d({db, "--allow-writes", "--token-file", token_file}, tmp.path, "d");
  EXPECT_NE(d.first_line.find("writes allowed"), std::string::npos);
  EXPECT_EQ(d.output().find(token), std::string::npos);  // a token from a file is not printed
  auto c = d.client();
  const std::string note = "/api/studies/" + std::to_string(single) + "/trials/3/note";
  auto r = c.Post(note, "{\"note\":\"look <here>\"}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  httplib::Headers wrong = {{"Authorization", "Bearer " + token.substr(0, 31) + "0"}};
  r = c.Post(note, wrong, "{\"note\":\"x\"}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  // The scheme name is case-insensitive (RFC 9110): "bearer" is as good as "Bearer".
  httplib::Headers lower = {{"Authorization", "bearer " + token}};
  r = c.Post(note, lower, "{\"note\":\"lower\"}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  httplib::Headers right = {{"Authorization", "Bearer " + token}};
  r = c.Post(note, right, "{\"note\":\"look <here>\"}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(body_json(c.Get(note))["note"], "look <here>");
  for (const char* bad : {"not json", "[1]", "{\"note\":5}", "{}"}) {
    r = c.Post(note, right, bad, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << bad;
  }
  r = c.Post("/api/studies/" + std::to_string(single) + "/trials/999/note", right,
             "{\"note\":\"x\"}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);

  // Tell the asked trial; a finished one is refused.
  const std::string tell = "/api/studies/" + std::to_string(xss) + "/trials/0/tell";
  r = c.Post(tell, right, "{\"state\":\"complete\",\"values\":[1,2]}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;  // one objective
  r = c.Post(tell, wrong, "{\"state\":\"complete\",\"values\":[0.75]}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  r = c.Post(tell, right, "{\"state\":\"complete\",\"values\":[0.75]}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  const auto told = storage->trial(asked.id);
  EXPECT_EQ(told.state, parzen::TrialState::Complete);
  EXPECT_EQ(told.values, std::vector<double>{0.75});
  r = c.Post(tell, right, "{\"state\":\"fail\"}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409);
  // Stop: refused without the token; with it, the request is stored in the study (where every
  // run and worker reads it) and the study list shows it.
  const std::string stop = "/api/studies/" + std::to_string(single) + "/stop";
  r = c.Post(stop, "", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  r = c.Post(stop, wrong, "", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_FALSE(parzen::stop_request(*storage, single));
  r = c.Post(stop, right, "", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  const auto request = parzen::stop_request(*storage, single);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->by, "the dashboard (127.0.0.1)");
  EXPECT_EQ(json::parse(r->body)["stop_request"]["requested_at"], request->requested_at);
  // The answer is kept in a variable: a range-for over a temporary's subscript reads freed memory.
  const json listed = body_json(c.Get("/api/studies"));
  for (const auto& s : listed["studies"])
    if (s["id"] == single)
      EXPECT_EQ(s["stop_request"]["by"], "the dashboard (127.0.0.1)") << s.dump();
    else
      EXPECT_TRUE(s["stop_request"].is_null()) << s.dump();
  r = c.Post("/api/studies/999/stop", right, "", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(body_json(c.Get("/api/server"))["allow_writes"], true);
  expect_alive(d);
}

TEST_F(DashboardTest, ReadOnlyServerRefusesStopAndSaysSo) {
  Dashboard d({db}, tmp.path, "d");
  auto c = d.client();
  EXPECT_EQ(body_json(c.Get("/api/server"))["allow_writes"], false);
  httplib::Headers any = {{"Authorization", "Bearer 0123456789abcdef0123456789abcdef"}};
  auto r = c.Post("/api/studies/" + std::to_string(single) + "/stop", any, "", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_NE(r->body.find("--allow-writes"), std::string::npos) << r->body;
  auto storage = parzen::make_storage("sqlite:///" + db);
  EXPECT_FALSE(parzen::stop_request(*storage, single));
}

// compact=1: each trial without "distributions" and "system_attrs", the distributions once at
// top level; the plain answer is unchanged. A trial whose distribution differs from the first
// seen one keeps its own. One trial in full: /trials/N.
TEST_F(DashboardTest, CompactAnswersCarryEachDistributionOnce) {
  auto storage = parzen::make_storage("sqlite:///" + db);
  const auto id = storage->create_study("ranges", {parzen::Direction::Minimize});
  for (double high : {1.0, 1.0, 2.0}) {
    parzen::NewTrial nt;
    nt.system_attrs = {{"seen", high}};
    const auto t = storage->create_trial(id, nt);
    storage->set_trial_param(t.id, "x", 0.5, parzen::FloatDistribution{.low = 0.0, .high = high});
    storage->finish_trial(t.id, parzen::TrialState::Complete, {0.5}, "");
  }
  Dashboard d({db}, tmp.path, "d");
  auto c = d.client();
  const std::string base = "/api/studies/" + std::to_string(id) + "/trials";
  const json plain = body_json(c.Get(base + "?since=0"));
  const json compact = body_json(c.Get(base + "?since=0&compact=1"));
  ASSERT_EQ(plain["trials"].size(), 3u);
  ASSERT_EQ(compact["trials"].size(), 3u);
  EXPECT_EQ(plain["version"], compact["version"]);
  EXPECT_FALSE(plain.contains("distributions"));
  ASSERT_TRUE(compact.contains("distributions"));
  EXPECT_EQ(compact["distributions"]["x"], plain["trials"][0]["distributions"]["x"]);
  EXPECT_EQ(compact["distributions"]["x"]["high"], 1.0);
  for (size_t i = 0; i < 3; ++i) {
    const json& p = plain["trials"][i];
    json q = compact["trials"][i];
    EXPECT_EQ(p["system_attrs"]["seen"], i == 2 ? 2.0 : 1.0);
    EXPECT_FALSE(q.contains("system_attrs"));
    // Trial 2's range differs from the shared one: it keeps its own.
    EXPECT_EQ(q.contains("distributions"), i == 2) << q.dump();
    // Otherwise the same trial.
    json r = p;
    r.erase("system_attrs");
    if (i != 2) r.erase("distributions");
    EXPECT_EQ(q, r);
  }
  // The compact answer is the smaller one (the point of it).
  EXPECT_LT(c.Get(base + "?since=0&compact=1")->body.size(), c.Get(base + "?since=0")->body.size());
  // A poll after a new trial: only it, with the distributions.
  const uint64_t v = compact["version"];
  const auto t = storage->create_trial(id, parzen::NewTrial{});
  storage->set_trial_param(t.id, "y", 1.0, parzen::IntDistribution{.low = 0, .high = 3});
  const json poll = body_json(c.Get(base + "?since=" + std::to_string(v) + "&compact=1"));
  ASSERT_EQ(poll["trials"].size(), 1u);
  EXPECT_EQ(poll["trials"][0]["number"], 3);
  EXPECT_TRUE(poll["distributions"].contains("y"));
  // One trial in full, as the detail view reads it.
  const json one = body_json(c.Get(base + "/2"));
  EXPECT_EQ(one, plain["trials"][2]);
  auto r = c.Get(base + "/9");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  r = c.Get(base + "?compact=yes");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
}

// The try-out's findings: one corrupt row does not take the study list down; a %00 in an id is
// shown escaped; a Content-Length that is no number is answered at once; an empty file is
// refused.
TEST_F(DashboardTest, TryOutFindings) {
  {
    sqlite3* handle = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &handle), SQLITE_OK);
    const std::string sql = fmt::format(
        "INSERT INTO trial_user_attrs (trial_id, key, value) SELECT trial_id, 'notjson', '{{{{{{' "
        "FROM trials WHERE study_id = {} AND number = 4",
        single);
    EXPECT_EQ(sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    EXPECT_EQ(sqlite3_changes(handle), 1);
    sqlite3_close(handle);
  }
  Dashboard d({db}, tmp.path, "d");
  auto c = d.client();
  const json studies = body_json(c.Get("/api/studies"));
  ASSERT_EQ(studies["studies"].size(), 3u);
  for (const auto& s : studies["studies"]) {
    if (s["id"] == single) {
      const std::string error = s["error"];
      EXPECT_NE(error.find("study 'single'"), std::string::npos) << error;
      EXPECT_NE(error.find("trial 4's user attribute 'notjson'"), std::string::npos) << error;
    } else {
      EXPECT_TRUE(s["error"].is_null()) << s.dump();
      EXPECT_TRUE(s.contains("n_trials")) << s.dump();
    }
  }

  auto r = c.Get("/api/studies/1%00/trials");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json::parse(r->body)["error"],
            "study id '1\\x00' is not a number (expected 0, 1, 2, ...)");

  const std::string note = "/api/studies/" + std::to_string(multi) + "/trials/0/note";
  for (const auto& [length, status] :
       std::vector<std::pair<std::string, std::string>>{{"-5", "400"}, {"abc", "400"}}) {
    const auto start = std::chrono::steady_clock::now();
    const std::string reply = raw_request(
        d.port,
        "POST " + note + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + length + "\r\n\r\n");
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(reply.substr(0, 12), "HTTP/1.1 " + status) << reply;
    EXPECT_LT(seconds, 3.0) << length;
  }
  expect_alive(d);

  const auto empty = tmp.file("empty.db", "");
  const auto res = run_cli({"dashboard", empty, "--port", "0"}, tmp.path);
  EXPECT_NE(res.status, 0);
  EXPECT_NE(res.err.find("is an empty file (0 bytes), not a Parzen database"), std::string::npos)
      << res.err;
  EXPECT_EQ(fs::file_size(empty), 0u);
}

TEST_F(DashboardTest, StaticFilesWithTypesAndNoEscape) {
  const fs::path dist = tmp.path / "dist";
  fs::create_directories(dist / "assets");
  std::ofstream(dist / "index.html") << "<!doctype html><title>parzen</title>";
  std::ofstream(dist / "assets" / "app.js") << "console.log(1)";
  std::ofstream(dist / "assets" / "app.css") << "body{}";
  std::ofstream(tmp.path / "secret.txt") << "secret";
  fs::create_symlink(tmp.path / "secret.txt", dist / "link.txt");
  Dashboard d({db, "--static-dir", dist.string()}, tmp.path, "d");
  auto c = d.client();
  auto r = c.Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(r->get_header_value("Content-Security-Policy").find("default-src 'self'"),
            std::string::npos);
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  r = c.Get("/assets/app.js");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(r->body, "console.log(1)");
  r = c.Get("/assets/app.css");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/css; charset=utf-8");
  for (const char* path : {"/link.txt", "/../secret.txt", "/assets/../../secret.txt", "/assets"}) {
    r = c.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_NE(r->body, "secret") << path;
    EXPECT_GE(r->status, 400) << path;
  }
  expect_alive(d);
}

TEST_F(DashboardTest, ConcurrentPollsWhileTrialsArrive) {
  Dashboard d({db}, tmp.path, "d");
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> pollers;
  for (int i = 0; i < 6; ++i)
    pollers.emplace_back([&] {
      auto c = d.client();
      uint64_t version = 0;
      size_t seen = 0;
      while (!done) {
        auto r = c.Get("/api/studies/" + std::to_string(single) +
                       "/trials?since=" + std::to_string(version));
        if (!r || r->status != 200) {
          ++bad;
          continue;
        }
        const json j = json::parse(r->body, nullptr, false);
        if (j.is_discarded() || j["version"].get<uint64_t>() < version) ++bad;
        version = j["version"].get<uint64_t>();
        seen += j["trials"].size();
      }
      if (seen < 40) ++bad;
    });
  auto storage = parzen::make_storage("sqlite:///" + db);
  write_demo_study(*storage,
                   {.name = "single", .n_trials = 20, .n_params = 5, .n_steps = 2, .seed = 9});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  done = true;
  for (auto& t : pollers) t.join();
  EXPECT_EQ(bad, 0);
  auto c = d.client();
  EXPECT_EQ(body_json(c.Get("/api/studies/" + std::to_string(single) + "/trials"))["trials"].size(),
            60u);
}

TEST(DashboardCli, RefusesAMissingDatabaseAndABadPort) {
  TempDir tmp;
  auto r = run_cli({"dashboard", (tmp.path / "missing.db").string(), "--port", "0"}, tmp.path);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("no such database file"), std::string::npos) << r.err;
  r = run_cli({"dashboard", "sqlite:///" + (tmp.path / "x.db").string(), "--port", "70000"},
              tmp.path);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("--port"), std::string::npos) << r.err;
}

TEST(DashboardSecret, SameSecretComparesWholeStrings) {
  EXPECT_TRUE(parzen::dashboard::same_secret("abc", "abc"));
  EXPECT_FALSE(parzen::dashboard::same_secret("abc", "abd"));
  EXPECT_FALSE(parzen::dashboard::same_secret("abc", "abcd"));
  EXPECT_FALSE(parzen::dashboard::same_secret("", "a"));
  EXPECT_TRUE(parzen::dashboard::same_secret("", ""));
}

}  // namespace
