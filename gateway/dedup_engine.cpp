#include "gateway/dedup_engine.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "gateway/complaint_json.h"
#include "gateway/complaint_status.h"
#include "gateway/json_out.h"
#include "gateway/reporter_identity.h"

namespace lapor::gateway {

using namespace lapor::dedup;

namespace {

double rounded(double score) { return std::round(score * 1000.0) / 1000.0; }

}  // namespace

std::vector<std::string> identity_keys_of(const submission& s) {
  std::vector<std::string> keys;
  auto add = [&keys](std::string k) {
    for (const auto& e : keys)
      if (e == k) return;
    keys.push_back(std::move(k));
  };
  if (s.who.phone) add(phone_identity(*s.who.phone));
  if (s.who.email) add(email_identity(*s.who.email));
  if (s.who.twitter) add(twitter_identity(*s.who.twitter));
  // The X account's numeric id: it outlives a change of handle, and it is all a post of a
  // suspended or protected author carries (no handle in includes.users).
  if (s.channel == channel_kind::twitter)
    for (const auto& [k, v] : s.channel_ref)
      if (k == "author_id" && !v.empty()) add(twitter_account_identity(v));
  // A tweet cannot state a phone in a field: "… hub 0812-…" in its text links the handle.
  if (s.channel == channel_kind::twitter && s.who.twitter && !s.who.phone)
    for (const auto& p : contact_phones_in_text(s.body)) add(phone_identity(p));
  return keys;
}

namespace {

// What the normaliser reads: the title (when it is the body's first words, read as part of the
// body), the body and the location field, a line each.
std::string matching_text(const submission& s) {
  std::string text;
  const auto title = own_title(s);
  text.reserve(title.size() + s.body.size() + s.where.text.size() + 2);
  text.append(title).append("\n").append(s.body).append("\n").append(s.where.text);
  return text;
}

// The tracking IDs ("LPR-…", any case) a body names when it says little else: at most four
// other words ("LPR-3KQ7-W8ND-2 kapan?", "@lapor1708 LPR-6FJ2-QX9A-4 status"), mentions and
// hashtags not counted. Empty for a longer text: that is read as a report of its own.
std::vector<std::string> reminder_ids(std::string_view body) {
  std::vector<std::string> ids;
  std::size_t other = 0;
  for (std::size_t i = 0; i < body.size();) {
    while (i < body.size() && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r')) ++i;
    std::size_t end = i;
    while (end < body.size() && !(body[end] == ' ' || body[end] == '\t' || body[end] == '\n' || body[end] == '\r')) ++end;
    if (end == i) break;
    std::string_view w = body.substr(i, end - i);
    i = end;
    if (w.front() == '@' || w.front() == '#') continue;
    if (w.size() >= 12 && (w[0] == 'L' || w[0] == 'l') && (w[1] == 'P' || w[1] == 'p') && (w[2] == 'R' || w[2] == 'r')) {
      while (!w.empty() && !std::isalnum(static_cast<unsigned char>(w.back()))) w.remove_suffix(1);  // "LPR-…?"
      if (ids.size() < 3) ids.emplace_back(w);
      continue;
    }
    if (++other > 4) return {};
  }
  return ids;
}

// The context of `s`, whose text (matching_text) is `text` and whose event `what`.
std::shared_ptr<dedup_context> context_of(const submission& s, std::string_view text, const event& what,
                                          const region::input_words& words) {
  auto ctx = std::make_shared<dedup_context>();
  ctx->sketch = make_sketch(normalize_for_matching(text));
  ctx->sketch.what = what;
  // The words as written, of what the citizen wrote (a web form's title restates it in others).
  add_verbatim_words(ctx->sketch, words.body(), words.location(), lexicon::embedded());
  // The day it was sent, in western Indonesia's time (UTC+7, where most reports come from).
  // In central and eastern Indonesia (UTC+8, +9) a report sent in the first hour or two after
  // midnight is dated the day before: a day doubt gained or lost in that rare case.
  {
    const auto days_since_epoch = std::chrono::floor<std::chrono::days>(s.received_at + std::chrono::hours(7));
    const std::chrono::weekday wd{std::chrono::sys_days{days_since_epoch.time_since_epoch()}};
    with_sent_day(ctx->sketch.what, static_cast<int>(wd.iso_encoding()) - 1);  // 0 Senin … 6 Minggu
  }
  // Sent as a request for information (SMS "INFO …", the form's or the app's kind): as the
  // text's own words would say (event.h cue_information).
  if (s.kind == complaint_kind::information_request) ctx->sketch.what.cues |= cue_information;
  if (s.where.region) {
    const region_ref& r = *s.where.region;
    ctx->sketch.what.place = place_code::parse(r.code);
    if (r.level == "village") set_region_name(ctx->sketch, r.village);
    else if (r.level == "district") set_region_name(ctx->sketch, r.district);
  }
  for (const auto& code : s.where.named_places)
    if (ctx->sketch.what.named_count < ctx->sketch.what.named.size())
      if (const auto p = place_code::parse(code)) ctx->sketch.what.named[ctx->sketch.what.named_count++] = p;
  ctx->cited_ids = reminder_ids(s.body);
  ctx->sketch.tracking_reminder = !ctx->cited_ids.empty();
  ctx->identity_keys = identity_keys_of(s);
  for (const auto& k : ctx->identity_keys) ctx->sketch.identities.push_back(stable_hash64(k));
  ctx->sketch.confidential = s.anonymous || s.confidential;
  // A tweet: its own id, and the conversation it replies in (channel_ref: conversation_id is
  // there only when another tweet began it).
  if (s.channel == channel_kind::twitter)
    for (const auto& [k, v] : s.channel_ref) {
      if (k == "tweet_id") ctx->sketch.tweet = stable_hash64(v);
      else if (k == "conversation_id") ctx->sketch.conversation = stable_hash64(v);
    }
  // What the channel proves, among the keys above: the operator's network the SMS's sender
  // (its only key), X the tweet's author (handle and account id). A form's or an app's phone
  // and e-mail, and a phone a tweet states ("tel:" keys of a tweet), are only stated.
  for (std::size_t i = 0; i < ctx->identity_keys.size() && i < 16; ++i) {
    const std::string_view key = ctx->identity_keys[i];
    if ((s.channel == channel_kind::sms && key.starts_with("tel:")) ||
        (s.channel == channel_kind::twitter && (key.starts_with("twitter:") || key.starts_with("twitter-id:"))))
      ctx->sketch.proven |= static_cast<std::uint16_t>(1u << i);
  }
  ctx->stored_sketch = serialize_sketch(ctx->sketch);
  ctx->channel = s.channel;
  ctx->received_at = s.received_at;
  ctx->anonymous = s.anonymous;
  return ctx;
}

}  // namespace

std::shared_ptr<dedup_context> make_dedup_context(const submission& s) {
  const std::string text = matching_text(s);
  thread_local region::input_words words;
  region::split_input(s.where.text, own_title(s), s.body, words);
  return context_of(s, text, event_taxonomy::embedded().read(text), words);
}

std::shared_ptr<dedup_context> make_dedup_context(const submission& s, const region::input_words& words) {
  return context_of(s, matching_text(s), event_taxonomy::embedded().read(words), words);
}


std::string with_dedup_evidence(const std::string& meta, const std::string& evidence_json) {
  // The writer's path: the pipeline's own serialised object, no "dedup" member yet. Appending
  // saves a parse and a serialisation per decision on the writer thread.
  if (meta.size() >= 2 && meta.front() == '{' && meta.back() == '}' && meta.find("\"dedup\"") == std::string::npos) {
    std::string out = meta;
    out.pop_back();
    if (out.size() > 1) out += ',';
    out += "\"dedup\":";
    out += evidence_json;
    out += '}';
    return out;
  }
  boost::system::error_code ec;
  auto v = boost::json::parse(meta, ec);
  if (ec || !v.is_object()) return meta;
  auto e = boost::json::parse(evidence_json, ec);
  if (ec) return meta;
  v.get_object()["dedup"] = std::move(e);
  return serialize_json(v);
}

unmerge_payload make_unmerge_payload(const std::string& tracking_id, const std::string& was_duplicate_of,
                                     std::int64_t at_ms) {
  boost::json::object o;
  o["schema"] = "lapor.unmerge/v1";
  o["tracking_id"] = tracking_id;
  o["was_duplicate_of"] = was_duplicate_of;
  o["unmerged_at"] = utc_timestamp(at_ms);
  std::string head = serialize_json(o);
  head.pop_back();  // the closing brace: the document follows as "complaint"
  head += ",\"complaint\":";
  return unmerge_payload{std::move(head), "}"};
}

dedup_engine::dedup_engine(dedup_options o, const tracking_id_codec& ids, metrics& m)
    : opts_(o), ids_(ids), metrics_(m), index_(o.thresholds) {}

std::size_t dedup_engine::attach(store::group_writer& w, std::int64_t now_ms) {
  if (!opts_.enabled) return 0;
  std::size_t loaded = 0;
  w.scan_match_state(
      now_ms - opts_.thresholds.window_ms, [this](std::string_view a, std::string_view b) { load_link(a, b); },
      [this, &loaded](const store::match_record& m) {
        if (load_match(m)) ++loaded;
      });
  index_.commit();
  index_.expire(now_ms);
  w.set_insert_decider(this);
  return loaded;
}

void dedup_engine::load_link(std::string_view a, std::string_view b) {
  (void)index_.link(stable_hash64(a), stable_hash64(b));
  index_.commit();
}

bool dedup_engine::load_match(const store::match_record& m) {
  auto sketch = parse_sketch(m.sketch);
  if (!sketch) return false;  // written by another version: not comparable, skipped
  std::int64_t original = m.complaint_id;
  if (!m.duplicate_of.empty())
    if (auto parts = ids_.decode(m.duplicate_of)) original = row_id(*parts);
  index_.add(m.complaint_id, original, m.received_at_ms, std::move(*sketch));
  latest_ms_ = std::max(latest_ms_, m.received_at_ms);
  return true;
}

// Another node's rows join the index as committed state, like the start-up scan's. Called
// by the writer before it decides (no row of this node is staged then).
void dedup_engine::absorb_link(std::string_view a, std::string_view b) noexcept {
  if (!opts_.enabled) return;
  try {
    load_link(a, b);
  } catch (...) {
  }
}

void dedup_engine::absorb_match(const store::match_record& m) noexcept {
  if (!opts_.enabled) return;
  try {
    if (load_match(m)) index_.commit();
  } catch (...) {
  }
}

void dedup_engine::decide(store::complaint_row& row) noexcept {
  staged_links_ = 0;
  last_was_related_ = last_was_possible_ = false;
  auto* ctx = dynamic_cast<dedup_context*>(row.context.get());
  if (ctx == nullptr || !opts_.enabled) return;
  try {
    const std::int64_t at = row.received_at_ms;
    latest_ms_ = std::max(latest_ms_, at);
    for (const auto& cited : ctx->cited_ids)
      if (const auto parts = ids_.decode(cited)) ctx->sketch.cites.push_back(row_id(*parts));
    const dedup_decision d = index_.lookup(ctx->sketch, at);

    // A report that states several identities links them for every later report.
    const auto& keys = ctx->identity_keys;
    for (std::size_t i = 1; i < keys.size(); ++i)
      if (index_.link(ctx->sketch.identities[0], ctx->sketch.identities[i])) {
        row.identity_links.emplace_back(keys[0], keys[i]);
        ++staged_links_;
      }

    std::int64_t original = row.id;
    if (d.what != dedup_decision::kind::original) {
      // The evidence, written as it goes (json_out: Boost.JSON's bytes, without building an
      // object per decision on the writer thread, which every commit waits for).
      std::string evidence;
      json_out ev(evidence);
      const std::string of = ids_.encode(parts_of_row(d.of));
      ev.begin_object();
      ev.key("decision").string(d.what == dedup_decision::kind::duplicate  ? "duplicate"
                                : d.what == dedup_decision::kind::possible ? "possible_duplicate"
                                                                           : "related");
      ev.key("of").string(of);
      ev.key("matched").string(d.matched == d.of ? of : ids_.encode(parts_of_row(d.matched)));
      ev.key("score").number(rounded(d.score));
      if (d.what != dedup_decision::kind::related) {
        // Which facets of the event agreed: what the verifier (and an operator undoing a
        // merge) needs to judge the decision.
        if (d.what == dedup_decision::kind::possible && d.doubt != nullptr) ev.key("doubt").string(d.doubt);
        const auto& tax = event_taxonomy::embedded();
        ev.key("facets").begin_object();
        ev.key("problem").string(d.events.problem_agrees ? "agrees" : "unknown");
        ev.key("place").string(d.events.place_agrees ? "agrees" : "unknown");
        if (ctx->sketch.what.problems) ev.key("problems").string(tax.problem_names(ctx->sketch.what.problems));
        if (d.followup) ev.key("followup").boolean(true);
        if (d.new_incident) ev.key("new_incident").boolean(true);
        if (d.events.adds_problem) ev.key("adds_problem").boolean(true);
        ev.end_object();
        for (std::size_t i = 0; i < keys.size(); ++i)
          if (ctx->sketch.identities[i] == d.identity) {
            ev.key("identity").string(ctx->anonymous ? keys[i].substr(0, keys[i].find(':')) : mask_identity(keys[i]));
            break;
          }
      }
      if (d.what == dedup_decision::kind::duplicate) {
        original = d.of;
        row.duplicate_of = of;
        duplicate_link link;
        link.tracking_id = row.tracking_id;
        link.duplicate_of = of;
        link.channel = ctx->channel;
        link.received_at = ctx->received_at;
        link.score = rounded(d.score);
        link.complaint_json = row.document;  // the duplicate carries its own content (SPEC §4)
        row.outbox_payload = to_duplicate_json(link);
      } else if (d.what == dedup_decision::kind::possible) {
        std::vector<possible_duplicate> hints;
        ev.key("possible").begin_array();
        for (const auto& h : d.possible) {
          hints.push_back({ids_.encode(parts_of_row(h.of)), rounded(h.score)});
          ev.begin_object().key("tracking_id").string(hints.back().tracking_id);
          ev.key("score").number(hints.back().score).end_object();
        }
        ev.end_array();
        row.document = with_possible_duplicates(row.document, hints);
        staged_possible_.push_back(ctx->channel);
        last_was_possible_ = true;
      } else {
        staged_related_.push_back(ctx->channel);
        last_was_related_ = true;
      }
      ev.end_object();
      row.status_meta = with_dedup_evidence(row.status_meta, evidence);
    } else if (!d.conflict.empty()) {
      // The same reporter wrote alike before, about another problem, place or fact: not a
      // duplicate, and the evidence says why.
      std::string evidence;
      json_out(evidence).begin_object().key("decision").string("new").key("conflict").string(d.conflict).end_object();
      row.status_meta = with_dedup_evidence(row.status_meta, evidence);
    }
    row.match_sketch = std::move(ctx->stored_sketch);
    ctx->sketch.proven = 0;  // asked of the incoming report only; not kept per entry
    ctx->sketch.conversation = 0;
    ctx->sketch.cites = {};
    index_.add(row.id, original, at, std::move(ctx->sketch));
  } catch (...) {
    // Out of memory while deciding: the row is stored as an original, unindexed.
  }
}

void dedup_engine::undo_last() noexcept {
  index_.rollback_last(staged_links_);
  staged_links_ = 0;
  if (last_was_related_ && !staged_related_.empty()) staged_related_.pop_back();
  if (last_was_possible_ && !staged_possible_.empty()) staged_possible_.pop_back();
  last_was_related_ = last_was_possible_ = false;
}

void dedup_engine::relinked(std::int64_t id, const std::string& duplicate_of) noexcept {
  std::int64_t original = id;
  if (!duplicate_of.empty())
    if (auto parts = ids_.decode(duplicate_of)) original = row_id(*parts);
  (void)index_.set_original(id, original);
}

void dedup_engine::group_committed() noexcept {
  index_.commit();
  for (const channel_kind ch : staged_related_) metrics_.add(counter::related, ch);
  for (const channel_kind ch : staged_possible_) metrics_.add(counter::possible_duplicates, ch);
  staged_related_.clear();
  staged_possible_.clear();
  staged_links_ = 0;
  // The wall clock, not the newest row's time: a channel's bogus future timestamp must not
  // expire the whole window.
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  try {
    index_.expire(std::min(latest_ms_, now));
  } catch (...) {
    // shrink_to_fit may allocate: expiry is retried after the next group.
  }
}

void dedup_engine::group_failed() noexcept {
  index_.rollback();
  staged_related_.clear();
  staged_possible_.clear();
  staged_links_ = 0;
}

}  // namespace lapor::gateway
