// text_path_dump: the correctness gate of a change to the per-message text path (the region
// resolver, the dedup normaliser, the event reader, the sketch). Prints one deterministic line
// per text of the corpora, computed by the daemon's own functions; a change that must not
// change any output leaves the dump byte-identical:
//
//   build/bench/text_path_dump > /tmp/before.txt   # before the change
//   build/bench/text_path_dump | cmp - /tmp/before.txt
//
//   text_path_dump [SOURCE_DIR=.]   (reads SOURCE_DIR/tests/data/{dedup,region}/*.jsonl)
//   text_path_dump --sms-only       only the SMS texts: what bench/instructions_per_message.sh
//                                   smpp sends, for a callgrind profile of the text path alone
//
// The texts: every report (a and b) of tests/data/dedup/cases_*.jsonl, made a submission as
// tests/gateway/dedup_eval_test.cpp does; every case of tests/data/region/*.jsonl; and the SMS
// texts bench/smpp_load sends (both styles), titled as the pipeline titles an SMS. Per text:
//   <id> R <region code/level/source/names> N <named places> E <event_taxonomy::read's event>
//   T <tokens> F <facets> P <places> K <identity keys> S <stored sketch as hex>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "bench/smpp_load/complaint_texts.h"
#include "gateway/dedup/event.h"
#include "gateway/dedup/text.h"
#include "gateway/dedup_engine.h"
#include "gateway/phone.h"
#include "gateway/pipeline.h"
#include "gateway/region/resolver.h"
#include "gateway/text.h"

using namespace lapor::gateway;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t base_ms = 1'795'000'000'000;  // as dedup_eval_test

std::optional<std::string> str(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

std::int64_t day_of(const boost::json::object& r) {
  const auto* d = r.if_contains("day");
  return d != nullptr && d->is_number() ? d->to_number<std::int64_t>() : 0;
}

// A report of the dedup corpus or a region case, as dedup_eval_test's to_submission builds it
// (the region cases have no identities).
submission to_submission(const boost::json::object& r) {
  submission s;
  if (auto c = str(r, "channel")) s.channel = parse_channel_kind(*c).value_or(channel_kind::test);
  if (auto p = str(r, "phone")) s.who.phone = normalize_phone(*p);
  s.who.email = str(r, "email");
  if (auto t = str(r, "twitter")) s.who.twitter = t->starts_with("@") ? t->substr(1) : *t;
  s.title = str(r, "title").value_or("");
  s.body = str(r, "body").value_or("");
  s.where.text = str(r, "location").value_or("");
  s.received_at = clock::time_point(std::chrono::milliseconds(base_ms + day_of(r) * 86'400'000));
  return s;
}

// An SMS as the pipeline holds it when it reads the text: the title is the body's first words.
submission sms_submission(std::string text, std::uint64_t index) {
  submission s;
  s.channel = channel_kind::sms;
  s.body = std::move(text);
  s.title = utf8_prefix_words(s.body, 80);
  s.who.phone = normalize_phone(lapor::bench::source_number(62'000'000, index));
  s.received_at = clock::time_point(std::chrono::milliseconds(base_ms + static_cast<std::int64_t>(index % 7) * 86'400'000));
  return s;
}

void hex(std::string& out, std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  for (const unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
}

void list(std::string& out, const char* tag, const std::vector<std::string>& items) {
  out += ' ';
  out += tag;
  for (const auto& x : items) out.append(" ").append(x);
}

std::string event_text(const lapor::dedup::event& e) {
  char b[160];
  std::snprintf(b, sizeof b, "p=%llx m=%llx o=%llx c=%u wd=%u rd=%u", static_cast<unsigned long long>(e.problems),
                static_cast<unsigned long long>(e.main), static_cast<unsigned long long>(e.objects), e.cues,
                e.weekdays, e.relative_days);
  return b;
}

// The line of one text: everything the text path computes from it, as the pipeline computes
// it (pipeline::submit: the words split once for the resolver and the event reader).
std::string dump_line(const std::string& id, submission s) {
  std::string out = id;
  thread_local lapor::region::input_words words;
  lapor::region::split_input(s.where.text, own_title(s), s.body, words);
  s.where.region = resolve_region(s, words);
  out += " R";
  if (const auto& r = s.where.region)
    for (const auto* f : {&r->code, &r->level, &r->source, &r->province, &r->regency, &r->district, &r->village})
      out.append(" ").append(*f);
  list(out, "N", s.where.named_places);
  out += " E ";
  out += event_text(lapor::dedup::event_taxonomy::embedded().read(words));
  std::string text;
  text.append(own_title(s)).append("\n").append(s.body).append("\n").append(s.where.text);
  const auto m = lapor::dedup::normalize_for_matching(text);
  list(out, "T", m.tokens);
  list(out, "F", m.facets);
  list(out, "P", m.places);
  const auto ctx = make_dedup_context(s, words);
  list(out, "K", ctx->identity_keys);
  out += " S ";
  hex(out, ctx->stored_sketch);
  return out;
}

// Every line of a JSONL file, parsed.
template <class F>
std::size_t for_each_object(const fs::path& path, F&& fn) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    std::exit(2);
  }
  std::size_t n = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto v = boost::json::parse(line);
    fn(v.as_object());
    ++n;
  }
  return n;
}

std::vector<fs::path> sorted_files(const fs::path& dir, std::string_view prefix) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".jsonl" && e.path().filename().string().starts_with(prefix)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Each prints its lines and returns how many.
std::size_t dump_dedup_cases(const fs::path& src) {
  std::size_t texts = 0;
  for (const auto& f : sorted_files(src / "tests/data/dedup", "cases_"))
    for_each_object(f, [&](const boost::json::object& p) {
      const std::string id(p.at("id").as_string());
      for (const char* side : {"a", "b"}) {
        std::puts(dump_line(id + side, to_submission(p.at(side).as_object())).c_str());
        ++texts;
      }
    });
  return texts;
}

std::size_t dump_region_cases(const fs::path& src) {
  std::size_t texts = 0;
  for (const auto& f : sorted_files(src / "tests/data/region", "region_cases"))
    for_each_object(f, [&](const boost::json::object& p) {
      std::puts(dump_line(f.stem().string() + ":" + std::string(p.at("id").as_string()), to_submission(p)).c_str());
      ++texts;
    });
  return texts;
}

std::size_t dump_sms_texts() {
  std::size_t texts = 0;
  for (std::uint64_t i = 0; i < 2000; ++i)
    for (const auto style : {lapor::bench::text_style::varied, lapor::bench::text_style::templates}) {
      const bool varied = style == lapor::bench::text_style::varied;
      std::puts(dump_line((varied ? "smsv" : "smst") + std::to_string(i),
                          sms_submission(lapor::bench::complaint_text(i, style), i))
                    .c_str());
      ++texts;
    }
  return texts;
}

}  // namespace

int main(int argc, char** argv) {
  const bool sms_only = argc > 1 && std::string_view(argv[1]) == "--sms-only";
  const fs::path src = argc > 1 && !sms_only ? argv[1] : ".";
  // The embedded data loaded first, as the pipeline loads it at start-up: a profile of the
  // text path (callgrind --toggle-collect on resolve_region, make_dedup_context) counts texts only.
  (void)lapor::region::resolver::embedded();
  (void)lapor::dedup::lexicon::embedded();
  (void)lapor::dedup::event_taxonomy::embedded();
  std::size_t texts = 0;
  if (!sms_only) texts += dump_dedup_cases(src) + dump_region_cases(src);
  texts += dump_sms_texts();
  std::fprintf(stderr, "texts: %zu\n", texts);
  return 0;
}
