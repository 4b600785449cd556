#include <doctest/doctest.h>

#include <cctype>
#include <string>

#include "channels/sms/keywords.h"

using namespace lapor::sms;
using lapor::gateway::complaint_kind;

TEST_CASE("keywords table") {
  struct kw_case {
    const char* sms;
    sms_intent intent;
    complaint_kind kind;
    const char* text;
    const char* keyword;
  };
  const auto report = sms_intent::report;
  const auto query = sms_intent::status_query;
  const auto complaint = complaint_kind::complaint;
  const auto info = complaint_kind::information_request;
  const auto aspiration = complaint_kind::aspiration;
  const kw_case cases[] = {
      {"INFO jadwal posyandu", report, info, "jadwal posyandu", "INFO"},
      {"info jadwal posyandu", report, info, "jadwal posyandu", "INFO"},
      {"   Info   jadwal  posyandu  ", report, info, "jadwal  posyandu", "INFO"},
      {"\n\tINFO\njadwal", report, info, "jadwal", "INFO"},
      {"INFO", report, info, "", "INFO"},
      {"info   ", report, info, "", "INFO"},
      {"INFO#jadwal", report, info, "jadwal", "INFO"},
      {"INFO: jadwal", report, info, "jadwal", "INFO"},
      {"INFORMASI jalan", report, complaint, "INFORMASI jalan", ""},
      {"ASPIRASI taman kota perlu lampu", report, aspiration, "taman kota perlu lampu", "ASPIRASI"},
      {"aspirasi", report, aspiration, "", "ASPIRASI"},
      {"AsPiRaSi: bus sekolah", report, aspiration, "bus sekolah", "ASPIRASI"},
      {"STATUS LPR-7K3D-9QX2-M", query, complaint, "LPR-7K3D-9QX2-M", "STATUS"},
      {"status lpr 7k3d 9qx2 m", query, complaint, "lpr 7k3d 9qx2 m", "STATUS"},
      {"CEK 7K3D9QX2M", query, complaint, "7K3D9QX2M", "CEK"},
      {"cek 7k3d-9qx2-m ", query, complaint, "7k3d-9qx2-m", "CEK"},
      {"STATUS", query, complaint, "", "STATUS"},
      {"cek", query, complaint, "", "CEK"},
      {"Cek jalan rusak di km 5", report, complaint, "Cek jalan rusak di km 5", ""},
      {"status jembatan", report, complaint, "status jembatan", ""},
      {"CEKLIS jalan", report, complaint, "CEKLIS jalan", ""},
      {"Jalan rusak parah di Jl. Ahmad Yani km 5", report, complaint, "Jalan rusak parah di Jl. Ahmad Yani km 5", ""},
      {"  lampu mati  ", report, complaint, "lampu mati", ""},
      {"", report, complaint, "", ""},
      {"Ínfo accented is not the keyword", report, complaint, "Ínfo accented is not the keyword", ""},
      // Punctuation people type (the third outside probe): after the keyword, around the ID.
      {"INFO, jadwal posyandu", report, info, "jadwal posyandu", "INFO"},
      {"Aspirasi. taman kota", report, aspiration, "taman kota", "ASPIRASI"},
      {"INFO.jadwal", report, info, "jadwal", "INFO"},
      {"#INFO jadwal", report, info, "jadwal", "INFO"},
      {"CEK LPR-7K3D-9QX2-M.", query, complaint, "LPR-7K3D-9QX2-M", "CEK"},
      {"cek LPR-7K3D-9QX2-M?", query, complaint, "LPR-7K3D-9QX2-M", "CEK"},
      {"CEK \"LPR-7K3D-9QX2-M\"", query, complaint, "LPR-7K3D-9QX2-M", "CEK"},
      {"CEK \xE2\x80\x9CLPR-7K3D-9QX2-M\xE2\x80\x9D", query, complaint, "LPR-7K3D-9QX2-M", "CEK"},
      {"CEK LPR\xE2\x80\x93" "7K3D\xE2\x80\x93" "9QX2\xE2\x80\x93" "M", query, complaint, "LPR-7K3D-9QX2-M", "CEK"},
      {"STATUS LPR-7K3D-9QX2-M!", query, complaint, "LPR-7K3D-9QX2-M", "STATUS"},
      {"Cek status LPR-7K3D-9QX2-M", query, complaint, "LPR-7K3D-9QX2-M", "CEK"},
      {"#cek LPR-7K3D-9QX2-M", query, complaint, "LPR-7K3D-9QX2-M", "CEK"},
      {"Cek, jalan rusak di km 5", report, complaint, "Cek, jalan rusak di km 5", ""},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.sms));
    const sms_command cmd = parse_keywords(c.sms);
    CHECK(cmd.intent == c.intent);
    CHECK(cmd.kind == c.kind);
    CHECK(cmd.text == c.text);
    CHECK(cmd.keyword == std::string_view(c.keyword));
  }
}

TEST_CASE("keywords: a tracking-ID recogniser widens what STATUS / CEK accept") {
  auto is_id = [](std::string_view s) { return s == "KMXPQRSTV"; };  // an all-letter ID
  CHECK(parse_keywords("cek KMXPQRSTV").intent == sms_intent::report);  // no digit: not ID-like
  const sms_command cmd = parse_keywords("cek KMXPQRSTV", is_id);
  CHECK(cmd.intent == sms_intent::status_query);
  CHECK(cmd.text == "KMXPQRSTV");
}

TEST_CASE("keywords: a status query with words after a valid ID asks for that ID") {
  auto is_id = [](std::string_view s) { return s == "LPR-7K3D-9QX2-M" || s == "LPR 7K3D 9QX2 M"; };
  auto cmd = parse_keywords("CEK LPR-7K3D-9QX2-M terima kasih", is_id);
  CHECK(cmd.intent == sms_intent::status_query);
  CHECK(cmd.text == "LPR-7K3D-9QX2-M");
  cmd = parse_keywords("cek LPR 7K3D 9QX2 M, makasih ya", is_id);
  CHECK(cmd.intent == sms_intent::status_query);
  CHECK(cmd.text == "LPR 7K3D 9QX2 M");
  // An ID-shaped first word that is not valid: still a query (the reply says "tidak valid").
  cmd = parse_keywords("CEK LPR-7K3D-9QX2-X tolong", is_id);
  CHECK(cmd.intent == sms_intent::status_query);
  CHECK(cmd.text == "LPR-7K3D-9QX2-X");
  // Not an ID at all: a complaint that starts with "cek".
  cmd = parse_keywords("Cek jalan rusak di km 5", is_id);
  CHECK(cmd.intent == sms_intent::report);
}

TEST_CASE("keywords: a valid ID and at most three words, without CEK, ask after that report (set J)") {
  auto is_id = [](std::string_view s) {  // the codec reads any case
    std::string u(s);
    for (auto& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return u == "LPR-7K3D-9QX2-M" || u == "LPR 7K3D 9QX2 M";
  };
  for (const char* text : {"LPR-7K3D-9QX2-M kapan?", "LPR-7K3D-9QX2-M", "lpr-7k3d-9qx2-m gimane?", "LPR 7K3D 9QX2 M status",
                           "LPR-7K3D-9QX2-M sudah sampai mana?"}) {
    const auto cmd = parse_keywords(text, is_id);
    CHECK_MESSAGE(cmd.intent == sms_intent::status_query, std::string(text));
  }
  CHECK(parse_keywords("LPR-7K3D-9QX2-M kapan?", is_id).text == "LPR-7K3D-9QX2-M");
  // A longer text, or an ID failing its check symbol, is a report (the dedup links it).
  CHECK(parse_keywords("LPR-7K3D-9QX2-M lampu jalan di gang Melati masih mati juga", is_id).intent == sms_intent::report);
  CHECK(parse_keywords("LPR-7K3D-9QX2-X kapan?", is_id).intent == sms_intent::report);
}
