#include <doctest/doctest.h>

#include "channels/twitter/reply_sink.h"

using namespace lapor::twitter;
using lapor::gateway::delivery_outcome;

TEST_CASE("reply text and body") {
  CHECK(reply_text("Nomor laporan Anda {tracking_id}. Cek: {tracking_id}", "LPR-7K3D-9QX2-M") ==
        "Nomor laporan Anda LPR-7K3D-9QX2-M. Cek: LPR-7K3D-9QX2-M");
  CHECK(reply_text("tanpa nomor", "LPR-1") == "tanpa nomor");
  CHECK(reply_body("Terima kasih \"warga\" — LPR-1", 2123616243545145355ull) ==
        R"({"text":"Terima kasih \"warga\" — LPR-1","reply":{"in_reply_to_tweet_id":"2123616243545145355"}})");
}

TEST_CASE("reply answers: posted, retried, or dead for good") {
  struct row {
    long status;
    const char* body;
    delivery_outcome want;
  };
  const row rows[] = {
      {201, R"({"data":{"id":"2123620000000000009","text":"…"}})", delivery_outcome::delivered},
      {200, "", delivery_outcome::delivered},
      {403, R"({"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403})",
       delivery_outcome::delivered},
      {403, R"({"title":"Unsupported Authentication","type":"https://api.twitter.com/2/problems/unsupported-authentication","status":403})",
       delivery_outcome::dead},
      {401, R"({"title":"Unauthorized","type":"about:blank","status":401})", delivery_outcome::dead},
      {400, R"({"title":"Invalid Request"})", delivery_outcome::dead},
      {408, "", delivery_outcome::retry},
      {429, R"({"title":"Too Many Requests"})", delivery_outcome::retry},
      {500, "", delivery_outcome::retry},
      {503, "<html>", delivery_outcome::retry},
  };
  for (const auto& r : rows) {
    CAPTURE(r.status);
    CAPTURE(r.body);
    CHECK(classify_reply(r.status, r.body, true) == r.want);
  }
}

TEST_CASE("a 403 duplicate content counts as posted only when an earlier attempt may have posted it") {
  const char* dup =
      R"({"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403})";
  // The answer to the first attempt of a row this process committed: X refuses the text as
  // another post's. Recorded as sent, the citizen would never get an answer.
  CHECK(classify_reply(403, dup, false) == delivery_outcome::dead);
  // After a lost answer or a crash during the attempt: it is ours, already posted.
  CHECK(classify_reply(403, dup, true) == delivery_outcome::delivered);
  CHECK(classify_reply(201, "{}", false) == delivery_outcome::delivered);
  CHECK(classify_reply(503, "", false) == delivery_outcome::retry);
}

TEST_CASE("every mention's reply text is unique, within 280 characters") {
  const std::string tmpl = "Terima kasih, laporan Anda kami terima dengan nomor {tracking_id}.";
  // A merged duplicate is answered with the original's tracking ID: same template, same ID.
  const auto first = mention_reply_text(tmpl, "LPR-H81E-3X03-5", 2123616243545145355ull);
  const auto merged = mention_reply_text(tmpl, "LPR-H81E-3X03-5", 2123616243545145999ull);
  CHECK(first == "Terima kasih, laporan Anda kami terima dengan nomor LPR-H81E-3X03-5. (ref. 2123616243545145355)");
  CHECK(first != merged);
  CHECK(merged.find("LPR-H81E-3X03-5") != std::string::npos);
  // A long template is cut, never the reference.
  const std::string long_tmpl = std::string(400, 'a') + " {tracking_id}";
  const auto cut = mention_reply_text(long_tmpl, "LPR-1", 7);
  CHECK(cut.size() == 280);
  CHECK(cut.ends_with(" (ref. 7)"));
}
