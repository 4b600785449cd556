#include <doctest/doctest.h>

#include "channels/twitter/twitter_api.h"

using namespace lapor::twitter;

TEST_CASE("mentions_url: every field the poller reads, since_id and an encoded pagination token") {
  fetch_params p;
  p.since_id = 2123553282847801346ull;
  p.pagination_token = "7140d+/=";
  p.max_results = 100;
  const auto u = mentions_url("http://127.0.0.1:8000/", 1497254331178708992ull, p);
  CHECK(u.starts_with("http://127.0.0.1:8000/2/users/1497254331178708992/mentions?max_results=100"));
  CHECK(u.find("&since_id=2123553282847801346") != std::string::npos);
  CHECK(u.find("&pagination_token=7140d%2B%2F%3D") != std::string::npos);
  CHECK(u.find("expansions=author_id%2Cattachments.media_keys%2Cgeo.place_id") != std::string::npos);
  CHECK(u.find("note_tweet") != std::string::npos);
  CHECK(u.find("entities") != std::string::npos);
  CHECK(u.find("user.fields=id%2Cname%2Cusername") != std::string::npos);
  CHECK(u.find("media.fields=") != std::string::npos);
  CHECK(u.find("place.fields=") != std::string::npos);

  fetch_params first;
  const auto f = mentions_url("https://api.x.com", 7, first);
  CHECK(f.find("since_id") == std::string::npos);
  CHECK(f.find("pagination_token") == std::string::npos);
}
