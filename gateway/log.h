// Structured logs: one JSON object per line on stderr (or text with log_format=text).
// Thread-safe; a line is written with one write(2). Never pass secrets or the phone
// numbers of Anonim reports as fields: log the tracking ID instead.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace lapor::gateway::log {

enum class level { debug = 0, info = 1, warn = 2, error = 3 };

struct field {
  std::string_view key;
  std::variant<std::string_view, std::int64_t, double, bool> value;
  field(std::string_view k, std::string_view v) : key(k), value(v) {}
  field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  field(std::string_view k, bool v) : key(k), value(v) {}
  field(std::string_view k, double v) : key(k), value(v) {}
  template <class I, class = std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>>>
  field(std::string_view k, I v) : key(k), value(static_cast<std::int64_t>(v)) {}
};

void configure(std::string_view format, std::string_view min_level);
[[nodiscard]] bool enabled(level l) noexcept;
void write(level l, std::string_view event, std::initializer_list<field> fields = {});

inline void debug(std::string_view e, std::initializer_list<field> f = {}) { if (enabled(level::debug)) write(level::debug, e, f); }
inline void info(std::string_view e, std::initializer_list<field> f = {}) { write(level::info, e, f); }
inline void warn(std::string_view e, std::initializer_list<field> f = {}) { write(level::warn, e, f); }
inline void error(std::string_view e, std::initializer_list<field> f = {}) { write(level::error, e, f); }

}  // namespace lapor::gateway::log
