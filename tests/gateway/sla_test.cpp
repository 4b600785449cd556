#include "gateway/complaint_status.h"
#include "gateway/sla.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

using namespace lapor::gateway;
using namespace std::chrono;

namespace {

year_month_day ymd(int y, unsigned m, unsigned d) { return year_month_day{year{y}, month{m}, day{d}}; }

// An instant given in UTC.
clock::time_point utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0, int ms = 0) {
  return clock::time_point{sys_days{ymd(y, m, d)} + hours{hh} + minutes{mm} + seconds{ss} + milliseconds{ms}};
}

const holiday_calendar& calendar() {
  static const holiday_calendar cal = holiday_calendar::embedded();
  return cal;
}

}  // namespace

TEST_CASE("sla: the embedded calendar holds the SKB days of 2025 and 2026 and the 2027 estimates") {
  const auto& cal = calendar();
  CHECK(cal.size() >= 60);
  struct hcase {
    year_month_day d;
    bool holiday;
  };
  const std::vector<hcase> cases = {
      {ymd(2025, 1, 1), true},   {ymd(2025, 1, 28), true},  {ymd(2025, 1, 29), true},
      {ymd(2025, 3, 28), true},  {ymd(2025, 3, 29), true},  {ymd(2025, 3, 31), true},
      {ymd(2025, 4, 1), true},   {ymd(2025, 4, 2), true},   {ymd(2025, 4, 7), true},
      {ymd(2025, 4, 8), false},  {ymd(2025, 6, 9), true},   {ymd(2025, 8, 18), true},
      {ymd(2025, 12, 26), true}, {ymd(2025, 12, 29), false}, {ymd(2026, 1, 16), true},
      {ymd(2026, 2, 16), true},  {ymd(2026, 3, 18), true},  {ymd(2026, 3, 20), true},
      {ymd(2026, 3, 24), true},  {ymd(2026, 3, 25), false}, {ymd(2026, 5, 28), true},
      {ymd(2026, 8, 25), true},  {ymd(2026, 12, 24), true}, {ymd(2026, 11, 23), false},
      {ymd(2027, 1, 1), true},   {ymd(2027, 3, 10), true},  {ymd(2027, 8, 17), true},
      {ymd(2027, 12, 25), true},
  };
  for (const auto& c : cases) {
    CAPTURE(format_date(c.d));
    CHECK(cal.is_holiday(c.d) == c.holiday);
  }
}

TEST_CASE("sla: is_working_day skips weekends and holidays") {
  const auto& cal = calendar();
  CHECK(cal.is_working_day(ymd(2026, 11, 23)));        // Monday
  CHECK(cal.is_working_day(ymd(2026, 11, 27)));        // Friday
  CHECK_FALSE(cal.is_working_day(ymd(2026, 11, 28)));  // Saturday
  CHECK_FALSE(cal.is_working_day(ymd(2026, 11, 29)));  // Sunday
  CHECK_FALSE(cal.is_working_day(ymd(2025, 4, 3)));    // Thursday, cuti bersama Idul Fitri
  CHECK_FALSE(cal.is_working_day(ymd(2025, 3, 29)));   // Saturday and Nyepi
  // Outside the listed years only weekends count.
  CHECK(cal.is_working_day(ymd(2030, 1, 1)));
}

TEST_CASE("sla: verify_by table across weekends, holidays and cuti bersama") {
  struct scase {
    const char* what;
    clock::time_point received;
    const char* verify_by;
  };
  const std::vector<scase> cases = {
      {"SPEC example: Sunday 2026-11-22", utc(2026, 11, 22, 10, 15, 30, 123), "2026-11-25"},
      {"plain Monday", utc(2026, 11, 2, 3), "2026-11-05"},
      {"Friday crosses the weekend", utc(2026, 11, 6, 3), "2026-11-11"},
      {"Saturday counts from Monday", utc(2026, 11, 7, 3), "2026-11-11"},
      {"Friday 2025-03-28 before Nyepi and Idul Fitri", utc(2025, 3, 28, 2), "2025-04-10"},
      {"Thursday 2025-03-27 before the cuti bersama", utc(2025, 3, 27, 2), "2025-04-10"},
      {"Wednesday 2025-03-26: one day before the break", utc(2025, 3, 26, 2), "2025-04-09"},
      {"Tuesday 2026-03-17 before Nyepi and Idul Fitri 2026", utc(2026, 3, 17, 2), "2026-03-27"},
      {"Friday 2025-08-15 before HUT RI ke-80 (18 Aug cuti bersama)", utc(2025, 8, 15, 2), "2025-08-21"},
      {"Christmas 2025", utc(2025, 12, 24, 2), "2025-12-31"},
      {"across the new year 2026", utc(2025, 12, 29, 2), "2026-01-02"},
      {"Christmas 2026 (24 Dec cuti bersama)", utc(2026, 12, 23, 2), "2026-12-30"},
      {"Jakarta boundary: 16:59:59.999Z is still 2026-11-22 WIB", utc(2026, 11, 22, 16, 59, 59, 999), "2026-11-25"},
      {"Jakarta boundary: 17:30Z is already Monday 2026-11-23 WIB", utc(2026, 11, 22, 17, 30), "2026-11-26"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    CHECK(compute_sla(c.received, complaint_kind::complaint, calendar()).verify_by == c.verify_by);
  }
}

TEST_CASE("sla: respond_within by kind") {
  const auto t = utc(2026, 11, 22, 10);
  CHECK(compute_sla(t, complaint_kind::complaint, calendar()).respond_within_working_days == 14);
  CHECK(compute_sla(t, complaint_kind::aspiration, calendar()).respond_within_working_days == 5);
  CHECK(compute_sla(t, complaint_kind::information_request, calendar()).respond_within_working_days == 5);
  // verify_by does not depend on the kind.
  CHECK(compute_sla(t, complaint_kind::aspiration, calendar()).verify_by == "2026-11-25");
}

TEST_CASE("sla: jakarta_date is UTC+7") {
  CHECK(jakarta_date(utc(2026, 11, 22, 17, 30)) == ymd(2026, 11, 23));
  CHECK(jakarta_date(utc(2026, 11, 22, 16, 59, 59, 999)) == ymd(2026, 11, 22));
  CHECK(jakarta_date(utc(2026, 11, 22, 17)) == ymd(2026, 11, 23));
  CHECK(jakarta_date(utc(2026, 12, 31, 17)) == ymd(2027, 1, 1));
  CHECK(jakarta_date(utc(2026, 11, 22, 0)) == ymd(2026, 11, 22));
}

TEST_CASE("sla: add_working_days") {
  const auto& cal = calendar();
  CHECK(cal.add_working_days(ymd(2026, 11, 23), 0) == ymd(2026, 11, 23));
  CHECK(cal.add_working_days(ymd(2026, 11, 23), 1) == ymd(2026, 11, 24));
  CHECK(cal.add_working_days(ymd(2026, 11, 27), 1) == ymd(2026, 11, 30));
  // 14 working days from Friday 2025-03-21 skip Nyepi, Idul Fitri, its cuti bersama and Good Friday.
  CHECK(cal.add_working_days(ymd(2025, 3, 21), 14) == ymd(2025, 4, 22));
  // Backwards too.
  CHECK(cal.add_working_days(ymd(2025, 4, 8), -1) == ymd(2025, 3, 27));
}

TEST_CASE("sla: parse table") {
  struct pcase {
    const char* what;
    std::string text;
    bool ok;
    std::size_t size;
    const char* error_part;
  };
  const std::vector<pcase> cases = {
      {"empty file", "", true, 0, ""},
      {"comments and blank lines", "# header\n\n   \n# more\n", true, 0, ""},
      {"two days", "2025-01-01  Tahun Baru\n2025-01-27  Isra Mikraj\n", true, 2, ""},
      {"CRLF lines, tab separator, no final newline", "2025-01-01\tTahun Baru\r\n2025-01-27 Isra Mikraj", true, 2, ""},
      {"date without a name", "2025-01-01\n", true, 1, ""},
      {"trailing comment", "2025-01-01  Tahun Baru  # libur nasional\n", true, 1, ""},
      {"duplicate day counted once", "2025-01-01 a\n2025-01-01 b\n", true, 1, ""},
      {"leap day in a leap year", "2028-02-29 x\n", true, 1, ""},
      {"month 13", "# c\n2025-01-01 ok\n2025-13-01 bad\n", false, 0, "line 3"},
      {"29 February 2025", "2025-02-29 x\n", false, 0, "line 1"},
      {"day 32", "2025-01-32 x\n", false, 0, "line 1"},
      {"compact date", "20250101 Tahun Baru\n", false, 0, "line 1"},
      {"no space after the date", "2025-01-01Tahun Baru\n", false, 0, "line 1"},
      {"free text only", "\n\nTahun Baru\n", false, 0, "line 3"},
      {"slashes", "2025/01/01 x\n", false, 0, "line 1"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    std::string error;
    const auto cal = holiday_calendar::parse(c.text, error);
    REQUIRE(cal.has_value() == c.ok);
    if (cal) {
      CHECK(cal->size() == c.size);
    } else {
      CHECK(error.find(c.error_part) != std::string::npos);
    }
  }
}

TEST_CASE("sla: a parsed calendar is used as given") {
  std::string error;
  const auto cal = holiday_calendar::parse("2030-01-02  Libur lokal\n", error);
  REQUIRE(cal);
  CHECK_FALSE(cal->is_working_day(ymd(2030, 1, 2)));
  // Received Tuesday 2030-01-01 (not listed here): Thu, Fri, Mon.
  CHECK(compute_sla(utc(2030, 1, 1, 3), complaint_kind::complaint, *cal).verify_by == "2030-01-07");
}

TEST_CASE("sla: format_date and format_timestamp_utc") {
  CHECK(format_date(ymd(2026, 11, 25)) == "2026-11-25");
  CHECK(format_date(ymd(2027, 1, 5)) == "2027-01-05");
  struct fcase {
    clock::time_point t;
    const char* text;
  };
  const std::vector<fcase> cases = {
      {clock::time_point{}, "1970-01-01T00:00:00.000Z"},
      {utc(2026, 11, 22, 10, 15, 30, 123), "2026-11-22T10:15:30.123Z"},
      {utc(2026, 11, 22, 10, 15, 30, 123) + microseconds{999}, "2026-11-22T10:15:30.123Z"},
      {utc(2026, 12, 31, 23, 59, 59, 999), "2026-12-31T23:59:59.999Z"},
      {utc(2028, 2, 29, 7, 5, 3, 9), "2028-02-29T07:05:03.009Z"},
      {clock::time_point{} - milliseconds{1}, "1969-12-31T23:59:59.999Z"},
  };
  for (const auto& c : cases) CHECK(format_timestamp_utc(c.t) == c.text);
  // Years outside 0000-9999 take the snprintf path; inside it, digits are padded.
  CHECK(format_date(ymd(999, 3, 4)) == "0999-03-04");
  CHECK(format_date(ymd(10000, 1, 1)) == "10000-01-01");
  CHECK(format_timestamp_utc(sys_time<milliseconds>{sys_days{ymd(10000, 1, 1)} + hours{1}}) == "10000-01-01T01:00:00.000Z");
  // utc_timestamp (stored milliseconds) is the same format.
  CHECK(utc_timestamp(1'795'000'000'123) == format_timestamp_utc(clock::time_point{milliseconds{1'795'000'000'123}}));
}
