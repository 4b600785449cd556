#include "gateway/sla.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>

namespace lapor::gateway {

namespace {

// data/holidays-id.txt, embedded by CMake as a raw string literal.
static const char* const embedded_text =
#include "embedded_holidays.inc"
    ;

constexpr std::chrono::hours jakarta_offset{7};  // WIB, UTC+7, no daylight saving

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

int digits_value(std::string_view s) noexcept {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// "2026-03-21" -> the date; nullopt unless exactly YYYY-MM-DD and a real calendar day.
std::optional<std::chrono::year_month_day> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!is_digit(s[i])) return std::nullopt;
  const std::chrono::year_month_day d{std::chrono::year{digits_value(s.substr(0, 4))},
                                      std::chrono::month{static_cast<unsigned>(digits_value(s.substr(5, 2)))},
                                      std::chrono::day{static_cast<unsigned>(digits_value(s.substr(8, 2)))}};
  if (!d.ok()) return std::nullopt;
  return d;
}

bool is_blank(char c) noexcept { return c == ' ' || c == '\t' || c == '\r'; }

}  // namespace

holiday_calendar holiday_calendar::embedded() {
  // Parsed once; the text is part of the build, so a parse error is a packaging bug and
  // surfaces at start-up, where exceptions are allowed.
  static const holiday_calendar cal = [] {
    std::string error;
    auto parsed = parse(embedded_text, error);
    if (!parsed) throw std::logic_error("embedded data/holidays-id.txt: " + error);
    return std::move(*parsed);
  }();
  return cal;
}

std::optional<holiday_calendar> holiday_calendar::parse(std::string_view text, std::string& error) {
  holiday_calendar cal;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);

    if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
    while (!line.empty() && is_blank(line.back())) line.remove_suffix(1);
    if (line.empty()) continue;

    const std::string_view date_text = line.substr(0, std::min<std::size_t>(line.size(), 10));
    const auto date = parse_date(date_text);
    if (!date || (line.size() > 10 && !is_blank(line[10]))) {
      error = "line " + std::to_string(line_no) + ": expected \"YYYY-MM-DD  name\", got \"" +
              std::string(line.substr(0, 40)) + "\"";
      return std::nullopt;
    }
    cal.days_.insert(std::chrono::sys_days{*date});
  }
  return cal;
}

bool holiday_calendar::is_holiday(std::chrono::year_month_day d) const {
  return days_.contains(std::chrono::sys_days{d});
}

bool holiday_calendar::is_working_day(std::chrono::year_month_day d) const {
  const std::chrono::weekday wd{std::chrono::sys_days{d}};
  if (wd == std::chrono::Saturday || wd == std::chrono::Sunday) return false;
  return !is_holiday(d);
}

std::chrono::year_month_day holiday_calendar::add_working_days(std::chrono::year_month_day d, int n) const {
  std::chrono::sys_days day{d};
  const std::chrono::days step{n < 0 ? -1 : 1};
  for (int left = n < 0 ? -n : n; left > 0;) {
    day += step;
    if (is_working_day(std::chrono::year_month_day{day})) --left;
  }
  return std::chrono::year_month_day{day};
}

std::chrono::year_month_day jakarta_date(clock::time_point t) {
  return std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(t + jakarta_offset)};
}

sla_dates compute_sla(clock::time_point received, complaint_kind kind, const holiday_calendar& cal) {
  sla_dates s;
  s.verify_by = format_date(cal.add_working_days(jakarta_date(received), 3));
  s.respond_within_working_days = kind == complaint_kind::complaint ? 14 : 5;
  return s;
}

namespace {

// Writes `v` as exactly `width` decimal digits (zero-padded) at `p`; every call here passes a
// value that fits. snprintf costs more than the rest of a canonical document's timestamps.
char* put_digits(char* p, unsigned v, int width) noexcept {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return p + width;
}

bool four_digit_year(std::chrono::year y) noexcept { return static_cast<int>(y) >= 0 && static_cast<int>(y) <= 9999; }

}  // namespace

std::string format_date(std::chrono::year_month_day d) {
  if (!four_digit_year(d.year())) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                  static_cast<unsigned>(d.day()));
    return buf;
  }
  std::string out(10, '-');  // YYYY-MM-DD
  char* p = out.data();
  p = put_digits(p, static_cast<unsigned>(static_cast<int>(d.year())), 4) + 1;
  p = put_digits(p, static_cast<unsigned>(d.month()), 2) + 1;
  put_digits(p, static_cast<unsigned>(d.day()), 2);
  return out;
}

std::string format_timestamp_utc(clock::time_point t) {
  return format_timestamp_utc(std::chrono::floor<std::chrono::milliseconds>(t));
}

std::string format_timestamp_utc(std::chrono::sys_time<std::chrono::milliseconds> ms) {
  using namespace std::chrono;
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss<milliseconds> tod{ms - day};
  if (!four_digit_year(ymd.year())) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                  static_cast<int>(tod.seconds().count()), static_cast<int>(tod.subseconds().count()));
    return buf;
  }
  std::string out = format_date(ymd);  // YYYY-MM-DDThh:mm:ss.mmmZ: 24 characters, no allocation
  out.resize(24);
  char* p = out.data() + 10;
  *p++ = 'T';
  p = put_digits(p, static_cast<unsigned>(tod.hours().count()), 2);
  *p++ = ':';
  p = put_digits(p, static_cast<unsigned>(tod.minutes().count()), 2);
  *p++ = ':';
  p = put_digits(p, static_cast<unsigned>(tod.seconds().count()), 2);
  *p++ = '.';
  p = put_digits(p, static_cast<unsigned>(tod.subseconds().count()), 3);
  *p = 'Z';
  return out;
}

}  // namespace lapor::gateway
