// Service levels in working days (SPEC §4): weekends and national holidays are skipped.
// Days are counted in Asia/Jakarta time (UTC+7, no DST), where the reports are made.
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "gateway/complaint.h"

namespace lapor::gateway {

class holiday_calendar {
 public:
  // The national holidays and collective leave days (cuti bersama) for 2025–2027,
  // shipped in data/holidays-id.txt and embedded at build time.
  [[nodiscard]] static holiday_calendar embedded();
  // Parses lines "YYYY-MM-DD  free text"; '#' starts a comment. nullopt + `error`
  // (naming the line) when a line is malformed.
  [[nodiscard]] static std::optional<holiday_calendar> parse(std::string_view text, std::string& error);

  [[nodiscard]] bool is_holiday(std::chrono::year_month_day d) const;
  [[nodiscard]] bool is_working_day(std::chrono::year_month_day d) const;
  // The date `n` working days after `d` (d itself is not counted).
  [[nodiscard]] std::chrono::year_month_day add_working_days(std::chrono::year_month_day d, int n) const;
  [[nodiscard]] std::size_t size() const { return days_.size(); }

 private:
  std::set<std::chrono::sys_days> days_;
};

// The calendar date in Asia/Jakarta of an instant.
[[nodiscard]] std::chrono::year_month_day jakarta_date(clock::time_point t);

// verify_by = 3 working days after the Jakarta date of receipt; respond_within = 5 for
// information requests and aspirations, 14 for complaints.
[[nodiscard]] sla_dates compute_sla(clock::time_point received, complaint_kind kind,
                                    const holiday_calendar& cal);

[[nodiscard]] std::string format_date(std::chrono::year_month_day d);          // 2026-11-25
[[nodiscard]] std::string format_timestamp_utc(clock::time_point t);           // 2026-11-22T10:15:30.123Z
[[nodiscard]] std::string format_timestamp_utc(std::chrono::sys_time<std::chrono::milliseconds> t);

}  // namespace lapor::gateway
