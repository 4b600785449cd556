#include "gateway/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>

#include "gateway/sla.h"

namespace lapor::gateway::log {

namespace {
std::atomic<int> min_level{static_cast<int>(level::info)};
std::atomic<bool> json_format{true};

const char* name(level l) {
  switch (l) {
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warn: return "warn";
    case level::error: return "error";
  }
  return "info";
}

void append_json_string(std::string& out, std::string_view s) {
  out += boost::json::serialize(boost::json::string_view(s.data(), s.size()));
}
}  // namespace

void configure(std::string_view format, std::string_view lvl) {
  json_format = format != "text";
  if (lvl == "debug") min_level = 0;
  else if (lvl == "warn") min_level = 2;
  else if (lvl == "error") min_level = 3;
  else min_level = 1;
}

bool enabled(level l) noexcept { return static_cast<int>(l) >= min_level.load(std::memory_order_relaxed); }

void write(level l, std::string_view event, std::initializer_list<field> fields) {
  if (!enabled(l)) return;
  std::string line;
  line.reserve(256);
  const std::string ts = format_timestamp_utc(std::chrono::system_clock::now());
  if (json_format) {
    line += "{\"ts\":\"" + ts + "\",\"level\":\"" + name(l) + "\",\"event\":";
    append_json_string(line, event);
    for (const auto& f : fields) {
      line += ',';
      append_json_string(line, f.key);
      line += ':';
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string_view>) append_json_string(line, v);
            else if constexpr (std::is_same_v<T, bool>) line += v ? "true" : "false";
            else line += std::to_string(v);
          },
          f.value);
    }
    line += "}\n";
  } else {
    line += ts + " " + name(l) + " " + std::string(event);
    for (const auto& f : fields) {
      line += ' ';
      line += f.key;
      line += '=';
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string_view>) line += v;
            else if constexpr (std::is_same_v<T, bool>) line += v ? "true" : "false";
            else line += std::to_string(v);
          },
          f.value);
    }
    line += '\n';
  }
  // One write(2) per line keeps lines from different threads whole.
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace lapor::gateway::log
