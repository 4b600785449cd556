// The pipeline, the dedup engine and the real group writer together: the decision commits
// with the row, two near-duplicates in one group are told apart, the reporter gets the
// original's ID, evidence lands in status_meta, and the index comes back after a restart.
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <random>

#include <unistd.h>

#include "gateway/dedup_engine.h"
#include "gateway/pipeline.h"
#include "store/fault_vfs.h"
#include "store/store.h"

using namespace lapor::gateway;
using namespace lapor::dedup;
namespace store = lapor::store;

namespace {

tracking_key test_key() {
  tracking_key k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return k;
}

struct temp_dir {
  temp_dir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() /
           ("lapor-dedup-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::filesystem::path path;
};

submission report(channel_kind ch, std::optional<std::string> phone, std::string body) {
  submission s;
  s.channel = ch;
  s.who.phone = std::move(phone);
  s.body = std::move(body);
  s.received_at = clock::now();
  return s;
}

// A pipeline + engine + writer on one database file.
struct rig {
  explicit rig(const std::string& db, std::function<void(std::size_t)> before_apply = {}, const char* vfs = nullptr)
      : ids(test_key()) {
    store::options so;
    so.path = db;
    so.before_apply = std::move(before_apply);
    if (vfs != nullptr) {
      // The fault tests fail SQLite's own fsync inside COMMIT, which rolls the group back. (A
      // failed fsync after a pipelined COMMIT stops the store instead: tests/store/failure_test.)
      so.vfs = vfs;
      so.pipelined_sync = false;
    }
    writer = std::make_unique<store::group_writer>(so);
    pipeline_options po;
    po.dedup = true;
    core = std::make_unique<pipeline>(po, ids, calendar, *writer, stats);
    loaded = engine.attach(*writer, std::chrono::duration_cast<std::chrono::milliseconds>(
                                        clock::now().time_since_epoch()).count());
  }
  ~rig() { writer->stop(); }

  submit_result submit_sync(submission s) {
    std::promise<submit_result> p;
    core->submit(std::move(s), [&p](submit_result r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  tracking_id_codec ids;
  holiday_calendar calendar = holiday_calendar::embedded();
  metrics stats;
  dedup_engine engine{dedup_options{}, ids, stats};
  std::unique_ptr<store::group_writer> writer;
  std::unique_ptr<pipeline> core;
  std::size_t loaded = 0;
};

const char* const web_text =
    "Jalan Ahmad Yani di Desa Baamang Hulu, Kabupaten Kotawaringin Timur rusak parah dan berlubang besar. "
    "Sudah 3 bulan tidak diperbaiki, banyak pengendara motor jatuh saat hujan.";
const char* const sms_text = "jln ahmad yani baamang hulu rusakkk parah berlubang sdh 3 bln gak diperbaiki";

}  // namespace

TEST_CASE("engine: a cross-channel duplicate answers with the original ID and forwards a link") {
  temp_dir dir;
  const auto db = (dir.path / "lapor.db").string();
  std::string original;
  {
    rig r(db);
    const auto first = r.submit_sync(report(channel_kind::web, "0812-3456-7890", web_text));
    REQUIRE(first.code == submit_result::status::received);
    original = first.tracking_id;
    const auto second = r.submit_sync(report(channel_kind::sms, "+6281234567890", sms_text));
    CHECK(second.code == submit_result::status::duplicate);
    CHECK(second.tracking_id == original);
    CHECK(second.duplicate_of == original);
    CHECK(r.stats.get(counter::duplicates, channel_kind::sms) == 1);
    // Anonim: the evidence names the kind of identity only.
    submission anon = report(channel_kind::mobile, "0812-3456-7890", sms_text);
    anon.anonymous = true;
    const auto hidden = r.submit_sync(std::move(anon));
    CHECK(hidden.code == submit_result::status::duplicate);
    // Another person with the web text verbatim: stored as new, marked related.
    const auto campaign = r.submit_sync(report(channel_kind::mobile, "081199998888", web_text));
    CHECK(campaign.code == submit_result::status::received);
    CHECK(r.stats.get(counter::related, channel_kind::mobile) == 1);
    r.writer->stop();

    store::read_pool reader(db);
    auto parts = r.ids.decode(original);
    REQUIRE(parts);
    // The duplicate is the row after the original: its meta carries the evidence, its
    // outbox row the lapor.duplicate/v1 link.
    auto dup = reader.find_complaint_now(row_id(*parts) + 1);
    REQUIRE(dup);
    CHECK(dup->duplicate_of == original);
    CHECK(dup->status_meta.find(R"("dedup":{"decision":"duplicate","of":")" + original) != std::string::npos);
    CHECK(dup->status_meta.find(R"("identity":"tel:+62812*****890")") != std::string::npos);
    const auto pending = reader.pending_outbox_now("dispatcher", 0, 10);
    REQUIRE(pending.size() == 4);
    CHECK(pending[0].payload.starts_with(R"({"schema":"lapor.complaint/v1")"));
    CHECK(pending[1].payload.starts_with(R"({"schema":"lapor.duplicate/v1","tracking_id":")"));
    CHECK(pending[1].payload.find(R"("duplicate_of":")" + original) != std::string::npos);
    // SPEC §4: the duplicate carries its own complaint (its text reaches the original's ticket),
    // flags included.
    {
      const auto link = boost::json::parse(pending[1].payload).as_object();
      const auto& own = link.at("complaint").as_object();
      CHECK(own.at("schema") == "lapor.complaint/v1");
      CHECK(own.at("tracking_id") == link.at("tracking_id"));
      CHECK(std::string(own.at("body").as_string()) == sms_text);
      CHECK(own.at("channel") == "sms");
      const auto anon_link = boost::json::parse(pending[2].payload).as_object();
      CHECK(anon_link.at("complaint").at("anonymous") == true);
    }
    auto anonymous = reader.find_complaint_now(row_id(*parts) + 2);
    REQUIRE(anonymous);
    CHECK(anonymous->status_meta.find(R"("identity":"tel")") != std::string::npos);
    CHECK(anonymous->status_meta.find("890") == std::string::npos);
    auto related = reader.find_complaint_now(row_id(*parts) + 3);
    REQUIRE(related);
    CHECK(related->duplicate_of.empty());
    CHECK(related->status_meta.find(R"("decision":"related")") != std::string::npos);
    reader.stop();
  }
  // After a restart the index is rebuilt from SQLite: the app report still finds the original.
  rig again(db);
  CHECK(again.loaded == 4);
  submission s = report(channel_kind::mobile, "6281234567890", "Jalan Ahmad Yani Baamang Hulu berlubang, rusak parah 3 bulan");
  const auto third = again.submit_sync(std::move(s));
  CHECK(third.code == submit_result::status::duplicate);
  CHECK(third.tracking_id == original);
}

TEST_CASE("engine: two near-duplicates committed in one group do not both become originals") {
  temp_dir dir;
  std::mutex m;
  std::condition_variable cv;
  bool armed = false, entered = false, released = false;
  rig r((dir.path / "lapor.db").string(), [&](std::size_t) {
    std::unique_lock lk(m);
    if (!armed) return;
    armed = false;
    entered = true;
    cv.notify_all();
    cv.wait(lk, [&] { return released; });
  });
  {
    std::lock_guard lk(m);
    armed = true;
  }
  r.writer->set_cursor("hold", "1", {});  // the writer now waits before this group
  {
    std::unique_lock lk(m);
    cv.wait(lk, [&] { return entered; });
  }
  std::promise<submit_result> a, b;
  r.core->submit(report(channel_kind::web, "081234567890", web_text), [&](submit_result x) { a.set_value(x); });
  r.core->submit(report(channel_kind::sms, "081234567890", sms_text), [&](submit_result x) { b.set_value(x); });
  {
    std::lock_guard lk(m);
    released = true;
  }
  cv.notify_all();
  const auto ra = a.get_future().get(), rb = b.get_future().get();
  CHECK(ra.code == submit_result::status::received);
  CHECK(rb.code == submit_result::status::duplicate);
  CHECK(rb.tracking_id == ra.tracking_id);
}

TEST_CASE("engine: a group that fails to commit leaves no trace in the index") {
  temp_dir dir;
  rig r((dir.path / "lapor.db").string(), {}, store::fault_vfs::name());
  const auto first = r.submit_sync(report(channel_kind::web, "081234567890", web_text));
  REQUIRE(first.code == submit_result::status::received);
  store::fault_vfs::fail_next_syncs(1);
  const auto lost = r.submit_sync(report(channel_kind::sms, "081234567890", sms_text));
  store::fault_vfs::fail_next_syncs(0);
  CHECK(lost.code == submit_result::status::failed);  // refused: nothing acknowledged
  CHECK(r.engine.index().size() == 1);                 // and nothing staged survives
  // The citizen's retry: a duplicate of the original (the failed row never existed).
  const auto retry = r.submit_sync(report(channel_kind::sms, "081234567890", sms_text));
  CHECK(retry.code == submit_result::status::duplicate);
  CHECK(retry.tracking_id == first.tracking_id);
  CHECK(r.engine.index().size() == 2);
}

TEST_CASE("engine: disabled, nothing is sketched or merged") {
  temp_dir dir;
  store::options so;
  so.path = (dir.path / "lapor.db").string();
  store::group_writer w(so);
  tracking_id_codec ids(test_key());
  metrics stats;
  dedup_options off;
  off.enabled = false;
  dedup_engine engine(off, ids, stats);
  CHECK(engine.attach(w, 0) == 0);
  pipeline_options po;
  po.dedup = false;
  const holiday_calendar cal = holiday_calendar::embedded();
  pipeline core(po, ids, cal, w, stats);
  for (const char* text : {web_text, web_text}) {
    std::promise<submit_result> p;
    core.submit(report(channel_kind::web, "081234567890", text), [&](submit_result x) { p.set_value(x); });
    CHECK(p.get_future().get().code == submit_result::status::received);
  }
  std::size_t sketches = 0;
  w.scan_match_state(0, [](std::string_view, std::string_view) {}, [&](const store::match_record&) { ++sketches; });
  CHECK(sketches == 0);
}

TEST_CASE("engine: status_meta evidence and the unmerge correction payload") {
  CHECK(with_dedup_evidence(R"({"kind":"complaint"})", R"({"decision":"duplicate"})") ==
        R"({"kind":"complaint","dedup":{"decision":"duplicate"}})");
  CHECK(with_dedup_evidence("{}", R"({"decision":"related"})") == R"({"dedup":{"decision":"related"}})");
  // An existing "dedup" member is replaced, not repeated (the operator's unmerge).
  CHECK(with_dedup_evidence(R"({"kind":"complaint","dedup":{"decision":"duplicate"}})", R"({"decision":"unmerged"})") ==
        R"({"kind":"complaint","dedup":{"decision":"unmerged"}})");
  CHECK(with_dedup_evidence("not json", "{}") == "not json");
  const std::int64_t t0 = 1'795'000'000'000;
  const auto p = make_unmerge_payload("LPR-AAAA-BBBB-C", "LPR-DDDD-EEEE-F", t0);
  const std::string doc = p.prefix + R"({"schema":"lapor.complaint/v1"})" + p.suffix;
  CHECK(doc == R"({"schema":"lapor.unmerge/v1","tracking_id":"LPR-AAAA-BBBB-C","was_duplicate_of":"LPR-DDDD-EEEE-F",)"
               R"("unmerged_at":"2026-11-18T11:06:40.000Z","complaint":{"schema":"lapor.complaint/v1"}})");
}

TEST_CASE("engine: a possible duplicate is its own complaint, with possible_duplicates for the verifier") {
  temp_dir dir;
  const auto db = (dir.path / "lapor.db").string();
  rig r(db);
  const auto first =
      r.submit_sync(report(channel_kind::web, "0812-3456-7890", "Banjir di Kelurahan Palangka, air masuk rumah warga setinggi lutut"));
  REQUIRE(first.code == submit_result::status::received);
  // The same person, the same place and problem, but "lagi": maybe a second flood.
  const auto second =
      r.submit_sync(report(channel_kind::sms, "+6281234567890", "banjir lagi di kelurahan palangka pagi ini, air masuk rumah warga"));
  CHECK(second.code == submit_result::status::received);
  CHECK(second.tracking_id != first.tracking_id);
  CHECK(r.stats.get(counter::possible_duplicates, channel_kind::sms) == 1);
  // The same person, same words, another problem: a new complaint, no hint.
  const auto third =
      r.submit_sync(report(channel_kind::sms, "+6281234567890", "sampah di kelurahan palangka tidak diangkut, bau masuk rumah warga"));
  CHECK(third.code == submit_result::status::received);
  r.writer->stop();

  store::read_pool reader(db);
  const auto pending = reader.pending_outbox_now("dispatcher", 0, 10);
  REQUIRE(pending.size() == 3);
  const auto doc = boost::json::parse(pending[1].payload).as_object();
  CHECK(doc.at("schema") == "lapor.complaint/v1");
  const auto& hints = doc.at("possible_duplicates").as_array();
  REQUIRE(hints.size() == 1);
  CHECK(std::string(hints[0].at("tracking_id").as_string()) == first.tracking_id);
  CHECK(hints[0].at("score").to_number<double>() > 0);
  CHECK_FALSE(boost::json::parse(pending[2].payload).as_object().contains("possible_duplicates"));
  auto parts = r.ids.decode(second.tracking_id);
  REQUIRE(parts);
  auto row = reader.find_complaint_now(row_id(*parts));
  REQUIRE(row);
  CHECK(row->status_meta.find(R"("decision":"possible_duplicate")") != std::string::npos);
  CHECK(row->status_meta.find(R"("new_incident":true)") != std::string::npos);
  auto third_parts = r.ids.decode(third.tracking_id);
  REQUIRE(third_parts);
  auto other = reader.find_complaint_now(row_id(*third_parts));
  REQUIRE(other);
  CHECK(other->status_meta.find(R"("decision":"new","conflict":"problem")") != std::string::npos);
  reader.stop();
}

TEST_CASE("engine: a merge needs the problem and the place established; a doubt is named in the evidence") {
  temp_dir dir;
  const auto db = (dir.path / "lapor.db").string();
  rig r(db);
  const auto first = r.submit_sync(report(channel_kind::web, "0812-3456-7890",
                                          "Air PDAM di rumah saya di Kelurahan Oebufu, Oebobo tidak mengalir seminggu."));
  REQUIRE(first.code == submit_result::status::received);
  // The same problem at the parents' house: its own complaint, a hint with the doubt named.
  const auto relative = r.submit_sync(report(channel_kind::web, "+6281234567890",
                                             "Air PDAM di rumah orang tua saya di Kelurahan Oebufu juga tidak mengalir seminggu."));
  CHECK(relative.tracking_id != first.tracking_id);
  // The same problem at another beach than the first report's: no merge either.
  const auto kuta = r.submit_sync(report(channel_kind::sms, "+6281234567891", "Sampah menumpuk di Pantai Kuta dekat Pos 2."));
  const auto legian =
      r.submit_sync(report(channel_kind::sms, "+6281234567891", "Sampah menumpuk di Pantai Legian, lebih parah dari Kuta."));
  CHECK(legian.tracking_id != kuta.tracking_id);
  // The first report again as an SMS, with its abbreviations: the same problem in the same
  // kelurahan — merged.
  const auto sms = r.submit_sync(report(channel_kind::sms, "+6281234567890", "air pdam di rmh sy kel oebufu oebobo gk ngalir 7 hari"));
  CHECK(sms.tracking_id == first.tracking_id);
  r.writer->stop();

  store::read_pool reader(db);
  auto parts = r.ids.decode(relative.tracking_id);
  REQUIRE(parts);
  auto row = reader.find_complaint_now(row_id(*parts));
  REQUIRE(row);
  CHECK(row->status_meta.find(R"("decision":"possible_duplicate")") != std::string::npos);
  CHECK(row->status_meta.find(R"("doubt":"household")") != std::string::npos);
  parts = r.ids.decode(legian.tracking_id);
  REQUIRE(parts);
  row = reader.find_complaint_now(row_id(*parts));
  REQUIRE(row);
  CHECK(row->status_meta.find(R"("decision":"duplicate")") == std::string::npos);
  reader.stop();
}

TEST_CASE("pipeline: a long SMS whose parts were acknowledged is cut and flagged when too long, never refused") {
  temp_dir dir;
  rig r((dir.path / "t.db").string());
  std::string text;
  while (text.size() < 20'100) text += "Jalan rusak berlubang di desa kami. ";
  auto plain = report(channel_kind::web, "081234567891", text);
  CHECK(r.submit_sync(std::move(plain)).code == submit_result::status::rejected);  // a form gets an error
  auto sms = report(channel_kind::sms, "081234567892", text);
  sms.completes_parts = "telkomsel:6281234567892:7:131";  // its 131 parts were each acknowledged
  const auto got = r.submit_sync(std::move(sms));
  CHECK(got.code == submit_result::status::received);
  CHECK_FALSE(got.tracking_id.empty());
}

TEST_CASE("pipeline: a refusal names every field that is wrong, not only the first") {
  temp_dir dir;
  rig r((dir.path / "t.db").string());
  auto s = report(channel_kind::mobile, "TELKOMSEL", "Lampu jalan mati di Jl. Merdeka");
  s.who.email = "x@example..com";
  s.where.lat = 91;
  const auto got = r.submit_sync(std::move(s));
  REQUIRE(got.code == submit_result::status::rejected);
  CHECK(got.field == "reporter.email");
  REQUIRE(got.more_errors.size() == 2);
  CHECK(got.more_errors[0].first == "reporter.phone");
  CHECK(got.more_errors[1].first == "location.lat");
  // One wrong field: nothing more.
  auto one = report(channel_kind::mobile, "081234567893", "");
  const auto empty = r.submit_sync(std::move(one));
  REQUIRE(empty.code == submit_result::status::rejected);
  CHECK(empty.field == "body");
  CHECK(empty.more_errors.empty());
}
