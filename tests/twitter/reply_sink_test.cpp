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
    CHECK(classify_reply(r.status, r.body) == r.want);
  }
}
