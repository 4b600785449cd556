#include "gateway/metrics.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <string>
#include <thread>
#include <vector>

using namespace lapor::gateway;
using namespace std::chrono_literals;

namespace {

struct sample {
  std::string name;    // family or series name without labels
  std::string labels;  // "{...}" or empty
  double value = 0;
};

struct exposition {
  std::vector<sample> samples;
  std::map<std::string, std::string> types;  // family -> counter/gauge/histogram
  std::vector<std::string> errors;

  [[nodiscard]] std::optional<double> value(const std::string& name, const std::string& labels = "") const {
    for (const auto& s : samples)
      if (s.name == name && s.labels == labels) return s.value;
    return std::nullopt;
  }
};

// The family a sample belongs to: histogram samples carry _bucket/_sum/_count suffixes.
std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s = suffix;
    if (name.size() > s.size() && name.ends_with(s)) {
      const std::string base = name.substr(0, name.size() - s.size());
      if (auto it = types.find(base); it != types.end() && it->second == "histogram") return base;
    }
  }
  return name;
}

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

// Consumes [a-zA-Z_:][a-zA-Z0-9_:]* (no ':' for label names) from the front of s.
std::optional<std::string> take_name(std::string_view& s, bool label) {
  std::size_t n = 0;
  while (n < s.size() && (n == 0 ? is_name_start(s[n]) : is_name_char(s[n])) && !(label && s[n] == ':')) ++n;
  if (n == 0) return std::nullopt;
  std::string name(s.substr(0, n));
  s.remove_prefix(n);
  return name;
}

// Consumes `{k="v",...}` with \\, \" and \n escapes in values.
std::optional<std::string> take_labels(std::string_view& s) {
  if (s.empty() || s.front() != '{') return std::string();
  const std::string_view start = s;
  s.remove_prefix(1);
  while (true) {
    if (!take_name(s, true) || s.size() < 2 || s[0] != '=' || s[1] != '"') return std::nullopt;
    s.remove_prefix(2);
    while (!s.empty() && s.front() != '"') {
      if (s.front() == '\n') return std::nullopt;
      if (s.front() == '\\') {
        if (s.size() < 2 || (s[1] != '\\' && s[1] != '"' && s[1] != 'n')) return std::nullopt;
        s.remove_prefix(1);
      }
      s.remove_prefix(1);
    }
    if (s.empty()) return std::nullopt;
    s.remove_prefix(1);  // closing quote
    if (!s.empty() && s.front() == '}') break;
    if (s.empty() || s.front() != ',') return std::nullopt;
    s.remove_prefix(1);
  }
  s.remove_prefix(1);
  return std::string(start.substr(0, start.size() - s.size()));
}

// A Go ParseFloat-style number: decimal or exponent form, or +Inf/-Inf/NaN.
std::optional<double> parse_value(std::string_view s) {
  if (s == "+Inf" || s == "-Inf" || s == "NaN") return 0.0;
  const std::string str(s);
  if (str.empty() || str.find_first_not_of("0123456789.eE+-") != std::string::npos) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(str.c_str(), &end);
  if (end != str.c_str() + str.size()) return std::nullopt;
  return v;
}

std::optional<sample> parse_sample(std::string_view line) {
  auto name = take_name(line, false);
  if (!name) return std::nullopt;
  auto labels = take_labels(line);
  if (!labels || line.empty() || line.front() != ' ') return std::nullopt;
  line.remove_prefix(1);
  const auto v = parse_value(line);
  if (!v) return std::nullopt;
  return sample{*name, *labels, *v};
}

// `# HELP name text` or `# TYPE name kind`: the comment's name, or nullopt if malformed.
std::optional<std::pair<std::string, std::string>> parse_comment(std::string_view line, std::string_view keyword) {
  line.remove_prefix(2 + keyword.size());
  if (line.empty() || line.front() != ' ') return std::nullopt;
  line.remove_prefix(1);
  auto name = take_name(line, false);
  if (!name || line.empty() || line.front() != ' ') return std::nullopt;
  return std::pair{*name, std::string(line.substr(1))};
}

// A strict reader of the Prometheus text format (0.0.4): every line is a HELP or TYPE
// comment or `name{labels} value` / `name value`; a family's TYPE comes once, before its
// samples, and a family's samples are contiguous.
exposition parse(const std::string& text) {
  static const std::set<std::string> kinds{"counter", "gauge", "histogram", "summary", "untyped"};
  exposition e;
  std::set<std::string> closed_families;
  std::string current_family;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  if (!text.empty() && text.back() != '\n') e.errors.push_back("no final newline");
  while (std::getline(in, line)) {
    ++n;
    const std::string where = "line " + std::to_string(n) + ": " + line;
    if (line.starts_with("# HELP")) {
      if (!parse_comment(line, "HELP")) e.errors.push_back("bad HELP " + where);
      continue;
    }
    if (line.starts_with("# TYPE")) {
      const auto c = parse_comment(line, "TYPE");
      if (!c || !kinds.contains(c->second)) e.errors.push_back("bad TYPE " + where);
      else if (!e.types.emplace(c->first, c->second).second) e.errors.push_back("TYPE twice " + where);
      continue;
    }
    auto s = parse_sample(line);
    if (!s) {
      e.errors.push_back("malformed " + where);
      continue;
    }
    const std::string family = family_of(s->name, e.types);
    if (!e.types.contains(family)) e.errors.push_back("sample before its TYPE " + where);
    if (family != current_family) {
      if (closed_families.contains(family)) e.errors.push_back("family not contiguous " + where);
      closed_families.insert(current_family);
      current_family = family;
    }
    e.samples.push_back(std::move(*s));
  }
  return e;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

}  // namespace

TEST_CASE("metrics: the test reader itself rejects malformed exposition") {
  // Guards the guard: each of these must produce an error.
  for (const std::string bad : {
           "# TYPE a counter\na 1\n# TYPE a counter\n",     // TYPE twice
           "a 1\n",                                            // no TYPE
           "# TYPE a gauge\na{x=y} 1\n",                      // unquoted label value
           "# TYPE a gauge\na{x=\"y\"} one\n",               // not a number
           "# TYPE a gauge\na  1\n",                          // two spaces
           "# TYPE a gauge\na{x=\"y\" 1\n",                  // unterminated labels
           "# TYPE a thing\n",                                // unknown type
           "# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\na{x=\"1\"} 2\n",  // family split
           "# TYPE a gauge\na 1",                             // no final newline
       }) {
    CAPTURE(bad);
    CHECK_FALSE(parse(bad).errors.empty());
  }
  CHECK(parse("# HELP a x y\n# TYPE a gauge\na{x=\"1\",y=\"\\\"\"} -2.5e3\na 3\n").errors.empty());
}

TEST_CASE("metrics: a fresh registry renders valid Prometheus text") {
  const metrics m;
  const std::string text = m.render_prometheus();
  const auto e = parse(text);
  CHECK_MESSAGE(e.errors.empty(), joined(e.errors));
  CHECK(e.types.at("lapor_received_total") == "counter");
  CHECK(e.types.at("lapor_outbox_depth") == "gauge");
  CHECK(e.types.at("lapor_commit_latency_seconds") == "histogram");
  CHECK(e.value("lapor_outbox_oldest_pending_age_seconds") == 0.0);
  CHECK(e.value("lapor_ack_latency_seconds_count") == 0.0);
  CHECK(e.value("lapor_ack_latency_seconds_bucket", "{le=\"+Inf\"}") == 0.0);
}

TEST_CASE("metrics: counters show up per channel") {
  metrics m;
  m.add(counter::received, channel_kind::sms, 3);
  m.add(counter::received, channel_kind::web);
  m.add(counter::duplicates, channel_kind::twitter, 2);
  m.add(counter::dead_lettered, channel_kind::mobile, 7);
  CHECK(m.get(counter::received, channel_kind::sms) == 3);

  const auto e = parse(m.render_prometheus());
  CHECK_MESSAGE(e.errors.empty(), joined(e.errors));
  for (const char* name : {"received", "duplicates", "rejected", "throttled", "forwarded", "retried", "dead_lettered"}) {
    const std::string family = std::string("lapor_") + name + "_total";
    CAPTURE(family);
    CHECK(e.types.at(family) == "counter");
    for (const char* ch : {"sms", "twitter", "web", "mobile", "test"})
      CHECK(e.value(family, std::string("{channel=\"") + ch + "\"}").has_value());
  }
  CHECK(e.value("lapor_received_total", "{channel=\"sms\"}") == 3.0);
  CHECK(e.value("lapor_received_total", "{channel=\"web\"}") == 1.0);
  CHECK(e.value("lapor_received_total", "{channel=\"twitter\"}") == 0.0);
  CHECK(e.value("lapor_duplicates_total", "{channel=\"twitter\"}") == 2.0);
  CHECK(e.value("lapor_dead_lettered_total", "{channel=\"mobile\"}") == 7.0);
}

TEST_CASE("metrics: histogram buckets are cumulative with +Inf, _sum in seconds and _count") {
  latency_histogram h;
  h.observe(50us);      // <= 0.0001
  h.observe(100us);     // exactly on a bound: counted in le="0.0001"
  h.observe(101us);     // <= 0.00025
  h.observe(1ms);       // <= 0.001
  h.observe(300ms);     // <= 0.5
  h.observe(10s);       // +Inf only
  h.observe(-5us);      // clock step backwards: counted as 0
  std::string text;
  h.render(text, "x_seconds", "Test.");
  const auto e = parse(text);
  CHECK_MESSAGE(e.errors.empty(), joined(e.errors));
  CHECK(e.types.at("x_seconds") == "histogram");

  const std::vector<std::pair<std::string, double>> expected{
      {"0.0001", 3}, {"0.00025", 4}, {"0.0005", 4}, {"0.001", 5}, {"0.0025", 5}, {"0.005", 5}, {"0.01", 5},
      {"0.025", 5},  {"0.05", 5},    {"0.1", 5},    {"0.25", 5},  {"0.5", 6},    {"1", 6},     {"5", 6},
      {"+Inf", 7}};
  double previous = 0;
  std::size_t buckets = 0;
  for (const auto& s : e.samples) {
    if (s.name != "x_seconds_bucket") continue;
    CHECK(s.value >= previous);  // cumulative
    previous = s.value;
    ++buckets;
  }
  CHECK(buckets == latency_histogram::bounds_seconds.size() + 1);
  // Named references, not a structured binding: clang 14 cannot capture a binding in
  // the lambda CAPTURE makes.
  for (const auto& row : expected) {
    const auto& le = row.first;
    const auto& count = row.second;
    CAPTURE(le);
    CHECK(e.value("x_seconds_bucket", "{le=\"" + le + "\"}") == count);
  }
  CHECK(e.value("x_seconds_count") == 7.0);
  CHECK(e.value("x_seconds_sum") == doctest::Approx(10.301251));
}

TEST_CASE("metrics: gauges, commit counters and histograms render") {
  metrics m;
  m.outbox_pending = 12;
  m.outbox_dead = 2;
  m.store_queue_depth = 5;
  m.commit_groups = 40;
  m.commit_rows = 400;
  m.commit_failures = 1;
  m.commit_latency.observe(2ms);
  m.ack_latency.observe(4ms);
  m.ack_latency.observe(40ms);
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now().time_since_epoch()).count();
  m.outbox_oldest_pending_ms = now_ms - 90'000;

  const auto e = parse(m.render_prometheus());
  CHECK_MESSAGE(e.errors.empty(), joined(e.errors));
  CHECK(e.value("lapor_outbox_depth") == 12.0);
  CHECK(e.value("lapor_outbox_dead") == 2.0);
  CHECK(e.value("lapor_store_queue_depth") == 5.0);
  CHECK(e.value("lapor_commit_groups_total") == 40.0);
  CHECK(e.value("lapor_commit_rows_total") == 400.0);
  CHECK(e.value("lapor_commit_failures_total") == 1.0);
  CHECK(e.types.at("lapor_commit_groups_total") == "counter");
  const double age = e.value("lapor_outbox_oldest_pending_age_seconds").value_or(-1);
  CHECK(age >= 90.0);
  CHECK(age < 150.0);  // generous: the render happens a moment after
  CHECK(e.value("lapor_commit_latency_seconds_count") == 1.0);
  CHECK(e.value("lapor_commit_latency_seconds_bucket", "{le=\"0.0025\"}") == 1.0);
  CHECK(e.value("lapor_ack_latency_seconds_count") == 2.0);
  CHECK(e.value("lapor_ack_latency_seconds_bucket", "{le=\"0.005\"}") == 1.0);
  CHECK(e.value("lapor_ack_latency_seconds_bucket", "{le=\"0.05\"}") == 2.0);
  CHECK(e.value("lapor_ack_latency_seconds_sum") == doctest::Approx(0.044));
}

TEST_CASE("metrics: oldest pending age is 0 with nothing pending") {
  metrics m;
  m.outbox_oldest_pending_ms = 0;
  m.outbox_pending = 3;
  CHECK(parse(m.render_prometheus()).value("lapor_outbox_oldest_pending_age_seconds") == 0.0);
  m.outbox_oldest_pending_ms = 1'000;  // stale timestamp, but the queue drained
  m.outbox_pending = 0;
  CHECK(parse(m.render_prometheus()).value("lapor_outbox_oldest_pending_age_seconds") == 0.0);
}

TEST_CASE("metrics: free-form gauges get one TYPE line per family, grouped") {
  metrics m;
  m.set_gauge("lapor_smpp_binds{operator=\"telkomsel\"}", 2);
  m.set_gauge("lapor_smpp_binds{operator=\"indosat\"}", 1);
  m.set_gauge("lapor_smpp_binds_wanted", 4);  // sorts between the two spellings of the family above
  m.set_gauge("lapor_smpp_binds", 9);
  m.set_gauge("lapor_twitter_rate_remaining", 120);
  m.set_gauge("lapor_twitter_rate_remaining", 119);  // last value wins
  m.set_gauge("lapor_label_escape{path=\"a\\\"b\\\\c\"}", 1);
  // Names that would break the exposition are dropped.
  m.set_gauge("lapor bad name", 1);
  m.set_gauge("9lapor", 1);
  m.set_gauge("lapor_x{operator=telkomsel}", 1);
  m.set_gauge("lapor_x{operator=\"a\"", 1);
  m.set_gauge("lapor_x{}", 1);
  m.set_gauge("", 1);

  const std::string text = m.render_prometheus();
  const auto e = parse(text);
  CHECK_MESSAGE(e.errors.empty(), joined(e.errors));
  CHECK(e.types.at("lapor_smpp_binds") == "gauge");
  CHECK(e.types.at("lapor_smpp_binds_wanted") == "gauge");
  CHECK(e.value("lapor_smpp_binds", "{operator=\"telkomsel\"}") == 2.0);
  CHECK(e.value("lapor_smpp_binds", "{operator=\"indosat\"}") == 1.0);
  CHECK(e.value("lapor_smpp_binds") == 9.0);
  CHECK(e.value("lapor_smpp_binds_wanted") == 4.0);
  CHECK(e.value("lapor_twitter_rate_remaining") == 119.0);
  CHECK(e.value("lapor_label_escape", "{path=\"a\\\"b\\\\c\"}") == 1.0);
  CHECK(text.find("# TYPE lapor_smpp_binds gauge") != std::string::npos);
  CHECK(text.find("lapor_x") == std::string::npos);
  CHECK(text.find("bad name") == std::string::npos);
  CHECK(text.find("9lapor") == std::string::npos);
}

TEST_CASE("metrics: every family has a HELP line, free-form gauges too (promtool check metrics)") {
  metrics m;
  m.set_gauge("lapor_smpp_binds{operator=\"telkomsel\"}", 0);
  m.set_gauge("lapor_forwarder_healthy{destination=\"dispatcher\"}", 1);
  m.set_gauge("lapor_not_in_the_table", 3);
  const std::string text = m.render_prometheus();
  std::istringstream in(text);
  std::string line;
  std::set<std::string> helped;
  while (std::getline(in, line)) {
    if (line.starts_with("# HELP ")) helped.insert(line.substr(7, line.find(' ', 7) - 7));
    if (line.starts_with("# TYPE ")) {
      const std::string family = line.substr(7, line.find(' ', 7) - 7);
      CHECK_MESSAGE(helped.contains(family), "no HELP before TYPE of " << family);
    }
  }
  CHECK(text.find("# HELP lapor_smpp_binds Open SMPP binds per operator") != std::string::npos);
  CHECK(text.find("# HELP lapor_not_in_the_table Gauge set by a channel or a forwarder.") != std::string::npos);
}

TEST_CASE("metrics: concurrent updates while rendering stay consistent") {
  metrics m;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      m.add(counter::received, channel_kind::sms);
      m.ack_latency.observe(std::chrono::microseconds(i % 20000));
      if (i % 100 == 0) m.set_gauge("lapor_smpp_binds{operator=\"op" + std::to_string(i % 7) + "\"}", i);
    }
  });
  for (int r = 0; r < 50; ++r) {
    const auto e = parse(m.render_prometheus());
    REQUIRE_MESSAGE(e.errors.empty(), joined(e.errors));
    CHECK(e.value("lapor_ack_latency_seconds_bucket", "{le=\"+Inf\"}") == e.value("lapor_ack_latency_seconds_count"));
  }
  stop = true;
  writer.join();
}
