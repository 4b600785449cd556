#include "gateway/metrics.h"

#include "gateway/metrics_help.h"
#include "gateway/region/region_table.h"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <vector>

namespace lapor::gateway {

namespace {

// Bucket bounds in whole microseconds, so observe() compares integers and a duration of
// exactly 1 ms lands in le="0.001" rather than missing it by a rounding error.
constexpr std::array<std::int64_t, latency_histogram::bounds_seconds.size()> bounds_us = [] {
  std::array<std::int64_t, latency_histogram::bounds_seconds.size()> us{};
  for (std::size_t i = 0; i < us.size(); ++i)
    us[i] = static_cast<std::int64_t>(latency_histogram::bounds_seconds[i] * 1e6 + 0.5);
  return us;
}();

// Shortest round-trip spelling in fixed notation ("0.0001", "0.00025", "1", "5"), the form
// Prometheus clients emit for `le`; plain shortest would give "1e-04", a different label value.
void append_double(std::string& out, double v) {
  char buf[64];  // fixed notation of any value we render (< 2^64 us) fits easily
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  out.append(buf, res.ptr);
}

void append_family_header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

template <typename Int>
void append_sample(std::string& out, std::string_view series, Int v) {
  out.append(series).append(" ").append(std::to_string(v)).append("\n");
}

template <typename Int>
void append_scalar(std::string& out, std::string_view name, std::string_view type, std::string_view help, Int v) {
  append_family_header(out, name, type, help);
  append_sample(out, name, v);
}

struct counter_info {
  std::string_view name;
  std::string_view help;
};

constexpr std::array<counter_info, static_cast<std::size_t>(counter::count_)> counter_infos{{
    {"received", "Complaints stored as new."},
    {"duplicates", "Retries and cross-channel duplicates answered with an existing tracking ID."},
    {"rejected", "Submissions rejected as invalid; nothing stored."},
    {"throttled", "Submissions refused under overload."},
    {"forwarded", "Complaints confirmed by the dispatcher."},
    {"retried", "Dispatcher attempts that will be retried."},
    {"dead_lettered", "Complaints permanently refused by the dispatcher."},
    {"related", "New complaints marked related to another reporter's near-identical complaint (not merged)."},
    {"auto_replies", "Messages taken for automatic answers to our reply SMS: stored and forwarded, not answered."},
    {"possible_duplicates", "Complaints stored as new with possible_duplicates hints for the verifier (not merged)."},
}};

constexpr std::array<channel_kind, metrics::channels> all_channels{
    channel_kind::sms, channel_kind::twitter, channel_kind::web, channel_kind::mobile, channel_kind::test};

// ---- Validation of free-form series names, e.g. lapor_smpp_binds{operator="telkomsel"} ----
// A malformed name would make the whole exposition unparsable and fail every scrape, so
// such gauges are dropped instead.

bool is_name_start(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) noexcept { return is_name_start(c) || (c >= '0' && c <= '9'); }

// Length of the [a-zA-Z_:][a-zA-Z0-9_:]* name at the start of s (0 if none).
std::size_t name_length(std::string_view s, bool allow_colon) noexcept {
  std::size_t n = 0;
  while (n < s.size() && ((n == 0 ? is_name_start(s[n]) : is_name_char(s[n])) || (allow_colon && s[n] == ':'))) ++n;
  return n;
}

// `{k="v",k2="v2"}` with \\, \" and \n escapes in values; empty braces are not allowed.
bool valid_labels(std::string_view s) noexcept {
  if (s.size() < 2 || s.front() != '{' || s.back() != '}') return false;
  s = s.substr(1, s.size() - 2);
  while (true) {
    const std::size_t n = name_length(s, false);
    if (n == 0 || s.size() < n + 2 || s[n] != '=' || s[n + 1] != '"') return false;
    s.remove_prefix(n + 2);
    std::size_t i = 0;
    for (; i < s.size() && s[i] != '"'; ++i) {
      if (s[i] == '\n') return false;
      if (s[i] == '\\') {
        if (i + 1 >= s.size() || (s[i + 1] != '\\' && s[i + 1] != '"' && s[i + 1] != 'n')) return false;
        ++i;
      }
    }
    if (i == s.size()) return false;  // unterminated value
    s.remove_prefix(i + 1);
    if (s.empty()) return true;
    if (s.front() != ',') return false;
    s.remove_prefix(1);
  }
}

// The metric family of a series: the name before the label set.
std::string_view family_of(std::string_view series) noexcept { return series.substr(0, series.find('{')); }

bool valid_series(std::string_view series) noexcept {
  const std::string_view family = family_of(series);
  if (family.empty() || name_length(family, true) != family.size()) return false;
  return family.size() == series.size() || valid_labels(series.substr(family.size()));
}

// The exposition wants every series of a family together under one TYPE line. Sorting by
// full series name does not give that ("a_b" sorts between "a" and "a{x=...}"), so group
// by family first.
void append_free_gauges(std::string& out, const std::map<std::string, std::int64_t>& gauges) {
  std::map<std::string_view, std::vector<std::pair<std::string_view, std::int64_t>>> families;
  for (const auto& [series, v] : gauges) families[family_of(series)].emplace_back(series, v);
  for (const auto& [family, series] : families) {
    append_family_header(out, family, "gauge", free_gauge_help(family));
    for (const auto& [name, v] : series) append_sample(out, name, v);
  }
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock::now().time_since_epoch()).count();
}

// lapor_<counter>_total{channel="..."}: one family per counter, every channel listed even
// at 0 so rate() sees a series from the first scrape.
void append_channel_counters(std::string& out, const metrics& m) {
  for (std::size_t c = 0; c < counter_infos.size(); ++c) {
    const std::string family = "lapor_" + std::string(counter_infos[c].name) + "_total";
    append_family_header(out, family, "counter", counter_infos[c].help);
    for (channel_kind ch : all_channels) {
      out.append(family).append("{channel=\"").append(to_string(ch)).append("\"} ");
      out.append(std::to_string(m.get(static_cast<counter>(c), ch))).append("\n");
    }
  }
}

// The oldest pending row's age is what an alert on a stuck dispatcher wants; 0 when nothing
// is pending (oldest_pending_ms is 0 then, and a stale value must not read as a backlog).
double oldest_pending_age_seconds(const metrics& m) {
  const std::int64_t oldest = m.outbox_oldest_pending_ms.load(std::memory_order_relaxed);
  if (oldest <= 0 || m.outbox_pending.load(std::memory_order_relaxed) <= 0) return 0.0;
  return static_cast<double>(std::max<std::int64_t>(now_ms() - oldest, 0)) / 1e3;
}

void append_queue_gauges(std::string& out, const metrics& m) {
  append_scalar(out, "lapor_outbox_depth", "gauge", "Outbox rows waiting for the dispatcher.",
                m.outbox_pending.load(std::memory_order_relaxed));
  append_scalar(out, "lapor_outbox_dead", "gauge", "Outbox rows the dispatcher refused for good.",
                m.outbox_dead.load(std::memory_order_relaxed));
  append_family_header(out, "lapor_outbox_oldest_pending_age_seconds", "gauge",
                       "Age of the oldest pending outbox row (0 when none).");
  out.append("lapor_outbox_oldest_pending_age_seconds ");
  append_double(out, oldest_pending_age_seconds(m));
  out.append("\n");
  append_scalar(out, "lapor_store_queue_depth", "gauge", "Submissions queued for the store writer.",
                m.store_queue_depth.load(std::memory_order_relaxed));
}

void append_commit_metrics(std::string& out, const metrics& m) {
  append_scalar(out, "lapor_commit_groups_total", "counter", "Group commits run by the store writer.",
                m.commit_groups.load(std::memory_order_relaxed));
  append_scalar(out, "lapor_commit_rows_total", "counter", "Complaints written by group commits.",
                m.commit_rows.load(std::memory_order_relaxed));
  append_scalar(out, "lapor_commit_failures_total", "counter", "Group commits that failed.",
                m.commit_failures.load(std::memory_order_relaxed));
  append_scalar(out, "lapor_store_refusals_total", "counter",
                "Requests of failed group commits (database error, unreachable or unknown outcome): refused, never acknowledged.",
                m.store_refusals.load(std::memory_order_relaxed));
  m.commit_latency.render(out, "lapor_commit_latency_seconds", "Wall time of one group commit (BEGIN until durable: COMMIT and the WAL fsync).");
}

}  // namespace

void latency_histogram::observe(std::chrono::microseconds d) noexcept {
  const std::int64_t us = std::max<std::int64_t>(d.count(), 0);  // a clock step must not wrap the sum
  // Buckets hold per-bucket counts; render() accumulates them. The last one is +Inf only.
  const auto it = std::lower_bound(bounds_us.begin(), bounds_us.end(), us);
  buckets_[static_cast<std::size_t>(it - bounds_us.begin())].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(static_cast<std::uint64_t>(us), std::memory_order_relaxed);
}

void latency_histogram::render(std::string& out, const std::string& name, const std::string& help) const {
  append_family_header(out, name, "histogram", help);
  // +Inf and _count come from the same bucket reads, so a scrape racing observe() is still
  // self-consistent (cumulative, +Inf == _count); only _sum may lag by a sample.
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds_seconds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out.append(name).append("_bucket{le=\"");
    append_double(out, bounds_seconds[i]);
    out.append("\"} ").append(std::to_string(cumulative)).append("\n");
  }
  cumulative += buckets_[bounds_seconds.size()].load(std::memory_order_relaxed);
  out.append(name).append("_bucket{le=\"+Inf\"} ").append(std::to_string(cumulative)).append("\n");
  out.append(name).append("_sum ");
  append_double(out, static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6);
  out.append("\n");
  out.append(name).append("_count ").append(std::to_string(cumulative)).append("\n");
}

void metrics::set_gauge(const std::string& name, std::int64_t v) {
  if (!valid_series(name)) return;
  const std::lock_guard lock(gauges_mutex_);
  gauges_[name] = v;
}

std::string metrics::render_prometheus() const {
  std::string out;
  out.reserve(8192);
  append_channel_counters(out, *this);
  append_queue_gauges(out, *this);
  append_commit_metrics(out, *this);
  ack_latency.render(out, "lapor_ack_latency_seconds", "Submission handed to the core until its acknowledgement.");
  append_family_header(out, "lapor_region_resolutions_total", "counter",
                       "Complaints by the most specific region level their text determined (none = not resolved).");
  for (std::size_t i = 0; i < region_resolutions.size(); ++i)
    out.append("lapor_region_resolutions_total{level=\"")
        .append(i == 0 ? std::string_view("none") : region::to_string(static_cast<region::level>(i)))
        .append("\"} ")
        .append(std::to_string(region_resolutions[i].load(std::memory_order_relaxed)))
        .append("\n");

  std::map<std::string, std::int64_t> gauges;
  {
    const std::lock_guard lock(gauges_mutex_);  // copy, so rendering never blocks set_gauge
    gauges = gauges_;
  }
  append_free_gauges(out, gauges);
  return out;
}

}  // namespace lapor::gateway
