// Contact data and attachment names as tables: e-mail addresses (RFC 5321/5322), the one
// attachment-name sanitiser of both HTTP channels, and how a retry is answered.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "gateway/attachment_name.h"
#include "gateway/email_address.h"
#include "gateway/submit_answer.h"

using namespace lapor::gateway;

TEST_CASE("e-mail: RFC 5321/5322 addresses only, the domain lowercased") {
  const std::vector<std::pair<std::string, std::optional<std::string>>> rows = {
      {"budi@example.com", "budi@example.com"},
      {"Budi.S+lapor@Example.CO.ID", "Budi.S+lapor@example.co.id"},
      {"o'neil@example.org", "o'neil@example.org"},
      {"a@b.id", "a@b.id"},
      {"x@example..com", std::nullopt},
      {".x@example.com", std::nullopt},
      {"x.@example.com", std::nullopt},
      {"x..y@example.com", std::nullopt},
      {"x@-example.com", std::nullopt},
      {"x@example-.com", std::nullopt},
      {"x@example.com.", std::nullopt},
      {"x@.example.com", std::nullopt},
      {"x@example", std::nullopt},
      {"x@example.123", std::nullopt},
      {"x@[192.0.2.1]", std::nullopt},
      {"\"x y\"@example.com", std::nullopt},
      {"x y@example.com", std::nullopt},
      {"x@exa_mple.com", std::nullopt},
      {"@example.com", std::nullopt},
      {"x@", std::nullopt},
      {"x@@example.com", std::nullopt},
      {"x", std::nullopt},
      {std::string(64, 'a') + "@example.com", std::string(64, 'a') + "@example.com"},
      {std::string(65, 'a') + "@example.com", std::nullopt},
      {"x@" + std::string(64, 'a') + ".com", std::nullopt},
      {"x@" + std::string(63, 'a') + ".com", "x@" + std::string(63, 'a') + ".com"},
  };
  // Named references, not a structured binding: clang 14 cannot capture a binding in
  // the lambda CAPTURE makes.
  for (const auto& row : rows) {
    const auto& raw = row.first;
    const auto& want = row.second;
    CAPTURE(raw);
    CHECK(normalize_email(raw) == want);
  }
}

TEST_CASE("attachment names: one safe base name for every channel") {
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"foto.jpg", "foto.jpg"},
      {"C:\\Users\\budi\\foto.jpg", "foto.jpg"},
      {"../../etc/x.jpg", "x.jpg"},
      {"/etc/passwd", "passwd"},
      {"", "foto-3.jpg"},
      {".", "foto-3.jpg"},
      {"..", "foto-3.jpg"},
      {"...", "foto-3.jpg"},
      {"a/", "foto-3.jpg"},
      {"  spasi.jpg  ", "spasi.jpg"},
      {"ta\x01k\x7f.jpg", "tak.jpg"},
      {"line\r\nbreak.jpg", "linebreak.jpg"},
      {"c1\xC2\x85x.jpg", "c1x.jpg"},
      {"gpj\xE2\x80\xAE.exe", "gpj.exe"},
      {"bad\xff.jpg", "bad\xEF\xBF\xBD.jpg"},
      {"a\xD8\x9C.jpg", "a.jpg"},            // U+061C ARABIC LETTER MARK (bidi)
      {"zero\xE2\x80\x8Bwidth.jpg", "zerowidth.jpg"},  // U+200B
      {"line\xE2\x80\xA8sep.jpg", "linesep.jpg"},     // U+2028
      {"para\xE2\x80\xA9sep.jpg", "parasep.jpg"},     // U+2029
      {"\xEF\xBB\xBF" "bom.jpg", "bom.jpg"},             // U+FEFF
      {"lrm\xE2\x80\x8E.jpg", "lrm.jpg"},
      {"iso\xE2\x81\xA6x.jpg", "isox.jpg"},           // U+2066
      {"priv\xEE\x80\x80.jpg", "priv.jpg"},           // U+E000 private use
      {"k\xC3\xA9" "c\xC3\xA0m\xC3\xA1tan.jpg", "k\xC3\xA9" "c\xC3\xA0m\xC3\xA1tan.jpg"},
      {"jalan rusak \xF0\x9F\x9A\xA7.jpg", "jalan rusak \xF0\x9F\x9A\xA7.jpg"},
      {"\x01\x02", "foto-3.jpg"},
  };
  // Named references, not a structured binding: clang 14 cannot capture a binding in
  // the lambda CAPTURE makes.
  for (const auto& row : rows) {
    const auto& sent = row.first;
    const auto& kept = row.second;
    CAPTURE(sent);
    CHECK(safe_attachment_name(sent, 2, "image/jpeg") == kept);
  }
  CHECK(safe_attachment_name(std::string(500, 'a') + ".jpg", 0, "image/png").size() == 200);
  CHECK(safe_attachment_name("", 0, "image/png") == "foto-1.png");
}

TEST_CASE("submit_answer: a retry gets the first answer, field for field") {
  submit_result first;
  first.code = submit_result::status::received;
  first.tracking_id = "LPR-AAAA-BBBB-C";
  submit_result retry;
  retry.code = submit_result::status::duplicate;
  retry.retry = true;
  retry.tracking_id = "LPR-AAAA-BBBB-C";
  CHECK(submit_answer(first).body == submit_answer(retry).body);
  CHECK(submit_answer(retry).body.find("\"status\":\"received\"") != std::string::npos);
  // A cross-channel duplicate stays one, on the first answer and on its retries alike.
  submit_result dup;
  dup.code = submit_result::status::duplicate;
  dup.tracking_id = dup.duplicate_of = "LPR-ORIG-INAL-X";
  submit_result dup_retry = dup;
  dup_retry.retry = true;
  CHECK(submit_answer(dup).body == submit_answer(dup_retry).body);
  CHECK(submit_answer(dup).body.find("\"status\":\"duplicate\"") != std::string::npos);
}
