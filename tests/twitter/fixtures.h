// Mentions pages in the shape the X API v2 sends (field names and structure documented;
// values invented): page 1 and 2 of one page set, and the empty answer.
#pragma once

namespace lapor::twitter::fixtures {

// Photo + place, a reply in a thread, a long note post; next_token on a short page.
inline constexpr const char* page1 = R"json({
  "data": [
    {"id": "2123616243545145355", "edit_history_tweet_ids": ["2123616243545145355"],
     "text": "@lapor1708 Jalan berlubang besar di Jl. Sudirman depan halte Dago, sudah 2 minggu belum diperbaiki. Mohon segera ditindaklanjuti. https://t.co/Xy7Qp2LmZa",
     "author_id": "1182734015987654656", "created_at": "2026-11-20T03:15:42.000Z",
     "conversation_id": "2123616243545145355", "lang": "in",
     "attachments": {"media_keys": ["3_2123616230001111040"]},
     "geo": {"place_id": "0a3e119020705b64"},
     "entities": {
       "mentions": [{"start": 0, "end": 10, "username": "lapor1708", "id": "1497254331178708992"}],
       "urls": [{"start": 130, "end": 153, "url": "https://t.co/Xy7Qp2LmZa",
                 "expanded_url": "https://x.com/dewi_rahma88/status/2123616243545145355/photo/1",
                 "display_url": "pic.x.com/Xy7Qp2LmZa", "media_key": "3_2123616230001111040"}]}},
    {"id": "2123611818554425347", "edit_history_tweet_ids": ["2123611818554425347"],
     "text": "@budi_santoso @lapor1708 Sama, di Kel. Cihapit sampah juga menumpuk sudah 3 hari tidak diangkut.",
     "author_id": "98765432", "created_at": "2026-11-20T02:58:07.000Z",
     "conversation_id": "2123593971790905348", "in_reply_to_user_id": "1045557713331122176", "lang": "in",
     "referenced_tweets": [{"type": "replied_to", "id": "2123593971790905348"}],
     "entities": {"mentions": [
       {"start": 0, "end": 13, "username": "budi_santoso", "id": "1045557713331122176"},
       {"start": 14, "end": 24, "username": "lapor1708", "id": "1497254331178708992"}]}},
    {"id": "2123607590695993351", "edit_history_tweet_ids": ["2123607590695993351"],
     "text": "@lapor1708 Laporan: lampu penerangan jalan umum di sepanjang Jl. Soekarno-Hatta km 5 sampai km 7 padam total sejak Senin malam. Mohon",
     "note_tweet": {
       "text": "@lapor1708 Laporan: lampu penerangan jalan umum di sepanjang Jl. Soekarno-Hatta km 5 sampai km 7 padam total sejak Senin malam. Mohon dinas terkait segera memeriksa panel listrik di dekat SPBU. Terima kasih.",
       "entities": {"mentions": [{"start": 0, "end": 10, "username": "lapor1708", "id": "1497254331178708992"}]}},
     "author_id": "1301122334455667788", "created_at": "2026-11-20T02:41:19.000Z",
     "conversation_id": "2123607590695993351", "lang": "in",
     "entities": {"mentions": [{"start": 0, "end": 10, "username": "lapor1708", "id": "1497254331178708992"}]}}
  ],
  "includes": {
    "users": [
      {"id": "1182734015987654656", "name": "Dewi Rahmawati", "username": "dewi_rahma88", "location": "Bandung", "verified": false, "protected": false},
      {"id": "98765432", "name": "Rina", "username": "rina_cihapit", "verified": false, "protected": false},
      {"id": "1045557713331122176", "name": "Budi Santoso", "username": "budi_santoso", "verified": false, "protected": false},
      {"id": "1301122334455667788", "name": "Forum Warga Sukapura", "username": "wargasukapura", "verified": false, "protected": false}],
    "media": [
      {"media_key": "3_2123616230001111040", "type": "photo", "url": "https://pbs.twimg.com/media/G7kLmNoPqRsTuVw.jpg",
       "width": 1600, "height": 1200, "alt_text": "Lubang besar di aspal dekat halte"}],
    "places": [
      {"id": "0a3e119020705b64", "full_name": "Bandung, Indonesia", "name": "Bandung", "country": "Indonesia",
       "country_code": "ID", "place_type": "city",
       "geo": {"type": "Feature", "bbox": [107.5467, -6.9804, 107.7393, -6.8383], "properties": {}}}],
    "tweets": [
      {"id": "2123593971790905348", "edit_history_tweet_ids": ["2123593971790905348"],
       "text": "@lapor1708 Sampah di TPS Jl. Cihapit belum diangkut sejak Jumat, bau sekali.",
       "author_id": "1045557713331122176", "created_at": "2026-11-20T01:47:12.000Z",
       "conversation_id": "2123593971790905348", "lang": "in"}]
  },
  "meta": {"result_count": 3, "newest_id": "2123616243545145355", "oldest_id": "2123607590695993351",
           "next_token": "7140dibdnow9c7btw4827l0b8vcp7ndsb5n7khpuirtx4"}
})json";

// An edited post, a quote of a deleted post, a retweet, partial errors; the last page.
inline constexpr const char* page2 = R"json({
  "data": [
    {"id": "2123604973450297345", "edit_history_tweet_ids": ["2123602771440697349", "2123604973450297345"],
     "text": "@lapor1708 Koreksi: banjir setinggi 50 cm di Jl. Pagarsih RT 04/RW 07, bukan RT 05. Air belum surut sejak subuh.",
     "author_id": "1182734015987654656", "created_at": "2026-11-20T02:30:55.000Z",
     "conversation_id": "2123602771440697349", "lang": "in",
     "entities": {"mentions": [{"start": 0, "end": 10, "username": "lapor1708", "id": "1497254331178708992"}]}},
    {"id": "2123599709598777353", "edit_history_tweet_ids": ["2123599709598777353"],
     "text": "@lapor1708 Ini masih terjadi, tolong dicek lagi pak https://t.co/Qw3rTy8UiO",
     "author_id": "1701234567890123776", "created_at": "2026-11-20T02:10:00.000Z",
     "conversation_id": "2123599709598777353", "lang": "in",
     "referenced_tweets": [{"type": "quoted", "id": "2123580000000000001"}],
     "entities": {
       "mentions": [{"start": 0, "end": 10, "username": "lapor1708", "id": "1497254331178708992"}],
       "urls": [{"start": 52, "end": 75, "url": "https://t.co/Qw3rTy8UiO",
                 "expanded_url": "https://x.com/someone/status/2123580000000000001",
                 "display_url": "x.com/someone/status/…"}]}},
    {"id": "2123598000000000007", "edit_history_tweet_ids": ["2123598000000000007"],
     "text": "RT @dewi_rahma88: @lapor1708 Pohon tumbang menutup Jl. Riau, mohon bantuan evakuasi.",
     "author_id": "1600000000000000001", "created_at": "2026-11-20T02:03:12.000Z",
     "conversation_id": "2123598000000000007", "lang": "in",
     "referenced_tweets": [{"type": "retweeted", "id": "2123590000000000002"}],
     "entities": {"mentions": [
       {"start": 3, "end": 16, "username": "dewi_rahma88", "id": "1182734015987654656"},
       {"start": 18, "end": 28, "username": "lapor1708", "id": "1497254331178708992"}]}}
  ],
  "includes": {
    "users": [
      {"id": "1182734015987654656", "name": "Dewi Rahmawati", "username": "dewi_rahma88"},
      {"id": "1701234567890123776", "name": "Agus P.", "username": "agus_p_bdg"},
      {"id": "1600000000000000001", "name": "Info Bandung", "username": "infobdg_rt"}]
  },
  "errors": [
    {"value": "2123580000000000001",
     "detail": "Could not find tweet with referenced_tweets.id: [2123580000000000001].",
     "title": "Not Found Error", "resource_type": "tweet", "parameter": "referenced_tweets.id",
     "resource_id": "2123580000000000001", "type": "https://api.twitter.com/2/problems/resource-not-found"}],
  "meta": {"result_count": 3, "newest_id": "2123604973450297345", "oldest_id": "2123598000000000007",
           "previous_token": "77qpymm88g5h9vqkluxdnrmaxhecakrtq1j2s39cb0z2b"}
})json";

inline constexpr const char* empty = R"json({"meta":{"result_count":0}})json";

inline constexpr const char* problem_401 = R"json({"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"})json";
inline constexpr const char* problem_429 = R"json({"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429})json";
inline constexpr const char* usage_capped =
    R"json({"account_id":1234567890,"product_name":"standard-basic","title":"UsageCapExceeded","period":"Monthly","scope":"Product","detail":"Usage cap exceeded: Monthly product cap","type":"https://api.twitter.com/2/problems/usage-capped"})json";
inline constexpr const char* bad_token =
    R"json({"errors":[{"parameters":{"pagination_token":["x"]},"message":"The `pagination_token` query parameter value [x] is not valid"}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"})json";

}  // namespace lapor::twitter::fixtures
