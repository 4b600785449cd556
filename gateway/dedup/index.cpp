#include "gateway/dedup/index.h"

#include <algorithm>
#include <array>

namespace lapor::dedup {

namespace {

constexpr std::size_t tables = 4;
constexpr std::size_t table_size = 65536;
// "Related" is advisory: the 16 newest complaints per bucket (64 over the four tables) are
// enough to find a running campaign, and bound the lookup when one floods a bucket.
constexpr std::size_t related_candidates_per_bucket = 16;

std::size_t bucket_of(std::size_t table, std::uint64_t simhash) noexcept {
  return table * table_size + static_cast<std::size_t>((simhash >> (16 * table)) & 0xffff);
}

void push_unique(std::vector<std::uint64_t>& v, std::uint64_t x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

bool has_region(const event& e) noexcept { return e.place || e.named_count; }

// A region, a named place, or a facet that says where ("pagi", "KK" or "tanggal 5" do not).
bool states_place(const match_sketch& x) noexcept {
  return has_region(x.what) || std::any_of(x.facets.begin(), x.facets.end(), [](std::uint32_t f) { return place_facet(static_cast<char>(f >> 24)); });
}

// The finest level (1 province … 4 village) at which a region or named place of one contains
// one of the other's; 0 when none does.
int agreement_level(const event& a, const event& b) noexcept {
  std::array<place_code, 7> pa{}, pb{};
  std::size_t na = 0, nb = 0;
  if (a.place) pa[na++] = a.place;
  for (std::uint8_t k = 0; k < a.named_count; ++k) pa[na++] = a.named[k];
  if (b.place) pb[nb++] = b.place;
  for (std::uint8_t k = 0; k < b.named_count; ++k) pb[nb++] = b.named[k];
  int level = 0;
  for (std::size_t x = 0; x < na; ++x)
    for (std::size_t y = 0; y < nb; ++y)
      if (pa[x].contains(pb[y]) || pb[y].contains(pa[x])) level = std::max<int>(level, std::min(pa[x].level, pb[y].level));
  return level;
}

// What makes `later` perhaps another complaint than `earlier` although nothing conflicts, or
// nullptr: the name the evidence gives it.
const char* doubt_of(const match_sketch& earlier, const match_sketch& later, const event_comparison& cmp, double score,
                     const dedup_thresholds& t) noexcept {
  const std::uint8_t cues = later.what.cues;
  if (cues & (cue_new_incident | cue_changed)) return "new_incident";  // "mati lagi", "sudah diperbaiki, tapi …"
  if (cmp.adds_problem || ((cues & cue_followup) && cmp.mentions_other)) return "adds_problem";
  // Another problem beside the shared one, in a text not much longer: the salty water and the
  // fee for a new meter at one PDAM unit, the broken planks and the dark lamps of one bridge.
  if (cmp.mentions_other && later.distinct_words <= t.detail_length_ratio * earlier.distinct_words) return "adds_problem";
  if (cmp.objects_differ) return "object";  // a leaking roof and a broken gate of one school
  if (cmp.household_differs) return "household";
  if (cmp.kind_differs) return "kind";  // a complaint and a request for information at one place
  if (cmp.elsewhere) return "elsewhere";
  if (cmp.day_conflict) return "day";
  if (sketch_adds_number(earlier, later)) return "number";
  if (sketch_spots_differ(earlier, later)) return "spot";
  if (sketch_facets_loosely_differ(earlier, later) || sketch_extends_name(earlier, later)) return "name";
  if (sketch_names_document_holder_once(earlier, later)) return "holder";
  // The same words about a relative on one side only: "Kartu BPJS PBI sy … nonaktif" and
  // "Kartu BPJS PBI istri sy … nonaktif" are two cards, two complaints.
  if (score >= t.kin_copy_score && sketch_names_kin_once(earlier, later)) return "holder";
  if (score >= t.swap_score && sketch_swaps_word(earlier, later)) return "swap";
  return nullptr;
}

}  // namespace

dedup_index::dedup_index(dedup_thresholds t) : t_(t), buckets_(tables * table_size) {}

const dedup_index::entry* dedup_index::at(seq_t seq) const noexcept {
  if (seq < base_ || seq - base_ >= entries_.size()) return nullptr;
  return &entries_[static_cast<std::size_t>(seq - base_)];
}

std::uint64_t dedup_index::find(std::uint64_t key) const {
  for (;;) {
    auto it = parent_.find(key);
    if (it == parent_.end() || it->second == key) return key;
    key = it->second;
  }
}

std::uint64_t dedup_index::find_compress(std::uint64_t key) {
  const std::uint64_t root = find(key);
  while (key != root) {
    auto it = parent_.find(key);
    const std::uint64_t next = it->second;
    it->second = root;
    key = next;
  }
  return root;
}

void dedup_index::unite(std::uint64_t a, std::uint64_t b) {
  a = find_compress(a);
  b = find_compress(b);
  if (a == b) return;
  auto ga = groups_.find(a), gb = groups_.find(b);
  // The larger group keeps its root; the smaller one's seqs merge into it (ascending, unique).
  if (ga != groups_.end() && gb != groups_.end() && ga->second.size() < gb->second.size()) {
    std::swap(a, b);
    std::swap(ga, gb);
  } else if (ga == groups_.end() && gb != groups_.end()) {
    std::swap(a, b);
    std::swap(ga, gb);
  }
  parent_[b] = a;
  parent_.try_emplace(a, a);
  if (gb == groups_.end()) return;
  std::vector<seq_t> merged;
  if (ga == groups_.end()) {
    groups_[a] = std::move(gb->second);
  } else {
    merged.reserve(ga->second.size() + gb->second.size());
    std::merge(ga->second.begin(), ga->second.end(), gb->second.begin(), gb->second.end(), std::back_inserter(merged));
    merged.erase(std::unique(merged.begin(), merged.end()), merged.end());
    ga->second = std::move(merged);
  }
  groups_.erase(b);
}

bool dedup_index::linked(std::uint64_t a, std::uint64_t b) const {
  if (find(a) == find(b)) return true;
  // Staged links: a small list, searched transitively from a.
  std::vector<std::uint64_t> reach{find(a)};
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [x, y] : staged_links_) {
      const std::uint64_t rx = find(x), ry = find(y);
      const bool hx = std::find(reach.begin(), reach.end(), rx) != reach.end();
      const bool hy = std::find(reach.begin(), reach.end(), ry) != reach.end();
      if (hx != hy) {
        reach.push_back(hx ? ry : rx);
        grew = true;
      }
    }
  }
  return std::find(reach.begin(), reach.end(), find(b)) != reach.end();
}

bool dedup_index::link(std::uint64_t a, std::uint64_t b) {
  if (linked(a, b)) return false;
  staged_links_.emplace_back(a, b);
  return true;
}

// "LPR-3KQ7-W8ND-2 kapan?": about the reporter's complaint that ID names (a duplicate, as a
// follow-up), else, when the ID is none of theirs (mistyped, another node's), a hint to their
// newest complaint in the window: the verifier sees which one it asks about.
dedup_decision dedup_index::reminder_of(const match_sketch& s, const std::vector<std::uint64_t>& roots,
                                        const std::vector<std::uint64_t>& root_identity, std::int64_t oldest) const {
  dedup_decision d;
  const entry* newest = nullptr;
  std::uint64_t newest_identity = 0;
  for (std::size_t i = 0; i < roots.size(); ++i) {
    auto g = groups_.find(roots[i]);
    if (g == groups_.end()) continue;
    for (auto it = g->second.rbegin(); it != g->second.rend(); ++it) {
      const entry* e = at(*it);
      if (e == nullptr || e->at_ms < oldest) break;
      if (newest == nullptr || e->at_ms > newest->at_ms) newest = e, newest_identity = root_identity[i];
      if (std::find(s.cites.begin(), s.cites.end(), e->id) != s.cites.end() && (!confidential(*e) || proven_by(s, *e))) {
        d.what = dedup_decision::kind::duplicate;
        d.of = e->original;
        d.matched = e->id;
        d.score = 1;
        d.identity = root_identity[i];
        d.followup = true;
        return d;
      }
    }
  }
  if (newest != nullptr) {
    d.what = dedup_decision::kind::possible;
    d.of = newest->original;
    d.matched = newest->id;
    d.identity = newest_identity;
    d.doubt = "reminder";
    d.possible.push_back({newest->original, 0});
  }
  return d;
}

dedup_decision dedup_index::lookup(const match_sketch& s, std::int64_t at_ms) const {
  dedup_decision d;
  const std::int64_t oldest = at_ms - t_.window_ms;

  std::vector<std::uint64_t> roots;
  std::vector<std::uint64_t> root_identity;  // the identity of `s` behind each root
  for (const std::uint64_t id : s.identities) {
    const std::uint64_t r = find(id);
    if (std::find(roots.begin(), roots.end(), r) == roots.end()) {
      roots.push_back(r);
      root_identity.push_back(id);
    }
  }
  if (s.tracking_reminder) return reminder_of(s, roots, root_identity, oldest);
  if (s.distinct_words < t_.min_words) return d;

  // 1. The same reporter: a duplicate only when the text is alike and the events agree;
  // a hint when they may be the same; nothing when the problem, the place or a stated fact
  // (km post, date, RT/RW) differs.
  const bool followup = s.what.cues & cue_followup;
  // "mati lagi", "kedua kalinya", "sudah diperbaiki, tapi sekarang …": maybe another incident
  // or another problem; the verifier decides (a hint, never a merge).
  const bool new_incident = (s.what.cues & (cue_new_incident | cue_changed)) != 0;
  double best_conflict_score = 0;
  std::vector<dedup_decision::hint> sure_of;  // originals a merge would be sure of, best score each
  for (std::size_t i = 0; i < roots.size(); ++i) {
    auto g = groups_.find(roots[i]);
    if (g == groups_.end()) continue;
    const auto& seqs = g->second;
    std::size_t seen = 0;
    for (auto it = seqs.rbegin(); it != seqs.rend() && seen < t_.max_candidates; ++it) {
      const entry* e = at(*it);
      if (e == nullptr) break;  // expired: everything before it too
      ++seen;
      if (e->at_ms < oldest || e->sketch.distinct_words < t_.min_words) continue;
      const double score = text_score(s, e->sketch);
      const event_comparison cmp = compare(e->sketch.what, s.what);
      const bool fact_conflict = sketch_facets_conflict(s, e->sketch);
      const bool region_conflict = cmp.place_conflict || cmp.named_conflict;
      if (cmp.problem_conflict || fact_conflict || region_conflict) {
        if (score > best_conflict_score) {
          best_conflict_score = score;
          d.conflict = cmp.problem_conflict ? "problem" : region_conflict ? "place" : "fact";
        }
        continue;
      }
      // Sure needs positive agreement, not just the absence of a conflict:
      //  - the problem: the main problems (what each names most) have one in common; when one
      //    side names no known problem, the text alone must carry it (unknown_problem_score)
      //    and the place must be positively the same;
      //  - the place: a shared village, hamlet, school, landmark or km post; regions or named
      //    places one inside the other at regency level or finer; a shared street (every city
      //    has a Jalan Sudirman) when neither names a region, or below; or one side names no
      //    place at all, or a province only (a short SMS: "PKH sy blm cair"), and the text
      //    agrees from unplaced_score;
      //  - nothing new (doubt_of): no added problem, no sign of a second incident, another
      //    household, another weekday, another place compared with, another spot or km post.
      const event& was = e->sketch.what;
      const bool one_unknown = !was.problems || !s.what.problems;
      const bool problem_sure = (was.main & s.what.main) != 0;
      const place_agreement shared = sketch_places_agree(s, e->sketch);
      const int level = agreement_level(was, s.what);
      // A shared street with a region on one side only ("jln ahmad yani baamang hulu" against
      // "Jalan Ahmad Yani di Desa Baamang Hulu, Kotawaringin Timur"): the one without a region
      // must be contained in the other from street_containment — a word more may name another
      // town ("Jalan Sultan Thaha, Kuala Tungkal" against "Jalan Sultan Thaha, Kota Jambi").
      bool street_sure = false;
      if (shared == place_agreement::street) {
        if (!has_region(was) && !has_region(s.what)) street_sure = true;
        else if (!has_region(s.what)) street_sure = text_containment(s, e->sketch) >= t_.street_containment;
        else if (!has_region(was)) street_sure = text_containment(e->sketch, s) >= t_.street_containment;
      }
      // One placed in a village or district, the other naming it in words where the resolver
      // found no place ("Token PLN gak masuk, Karang Anyar Pantai").
      const bool region_named = (!has_region(s.what) && sketch_names_region_of(s, e->sketch)) ||
                                (!has_region(was) && sketch_names_region_of(e->sketch, s));
      const bool place_established = shared == place_agreement::place || level >= 2 || street_sure || region_named;
      const bool place_unstated = !states_place(s) || !states_place(e->sketch) || level == 1;
      // Without a place on one side only the problem's description can tie them: the problem
      // must be known, and the text agree from unplaced_score.
      const bool place_sure = place_established || (place_unstated && !one_unknown && score >= t_.unplaced_score);
      const char* doubt = doubt_of(e->sketch, s, cmp, score, t_);
      // The same problem in the same district or village needs less of the wording.
      const double needed = one_unknown ? t_.unknown_problem_score
                            : (cmp.place_agrees_closely && (was.main & s.what.main) != 0) ? t_.same_event_score
                                                                                            : t_.duplicate_score;
      // A reply in the conversation of the reporter's complaint ("Sudah seminggu belum ada
      // tanggapan, masih gelap" under our reply to it) is about it whatever its words, unless
      // something conflicts (above) or it adds something (the doubts).
      const bool same_thread = s.conversation != 0 && s.conversation == e->sketch.tweet;
      bool sure = doubt == nullptr && (same_thread || ((problem_sure || one_unknown) && place_sure &&
                                                       (score >= needed || (followup && !one_unknown && score >= t_.followup_score))));
      // A copy with a name changed (sketch_substitutes_word: a longest common subsequence of
      // the words as written) is asked last, and only of a candidate that would merge: the
      // same reporter's earlier reports are up to max_candidates per lookup.
      if (sure && sketch_substitutes_word(e->sketch, s)) {
        sure = false;
        doubt = "swap";
      }
      // An Anonim or Rahasia original: a merge would tell the new report's sender its tracking
      // ID. Anyone can type another's phone number into a form, an app or a tweet; only an
      // identity the new report's channel proves (the SMS's sender, the tweet's author), one
      // of the matched report's own, shows it is the same citizen.
      if (sure && confidential(*e) && !proven_by(s, *e)) {
        sure = false;
        doubt = "unproven";
      }
      // Why it is at most a hint (the evidence): the first doubt, else what was not established.
      const char* why = doubt != nullptr ? doubt : !(problem_sure || one_unknown) ? "problem" : !place_sure ? "place" : "score";
      // The candidate `e` becomes the decision's best match of kind `k`.
      const auto take = [&](dedup_decision::kind k) {
        d.what = k;
        d.of = e->original;
        d.matched = e->id;
        d.score = score;
        d.identity = root_identity[i];
        d.events = cmp;
      };
      if (sure) {
        bool known = false;
        for (auto& x : sure_of)
          if (x.of == e->original) known = true, x.score = std::max(x.score, score);
        if (!known) sure_of.push_back({e->original, score});
        if (d.what == dedup_decision::kind::duplicate && score <= d.score) continue;
        take(dedup_decision::kind::duplicate);
        d.followup = followup && score < t_.duplicate_score;
        continue;
      }
      // Maybe the same: a new occurrence of the same problem, a follow-up that adds a
      // problem, or text alike enough without a shared problem word.
      // The same problem in the same village (or at one named place) is worth the verifier's
      // look however differently it is told: a dialect SMS and a formal web text share few words.
      const bool same_problem_here = problem_sure && (level >= 4 || shared == place_agreement::place);
      if (score >= t_.possible_score || (followup && cmp.problem_agrees) || same_problem_here) {
        bool known = false;
        for (auto& h : d.possible)
          if (h.of == e->original) known = true, h.score = std::max(h.score, score);
        if (!known) d.possible.push_back({e->original, score});
        if (d.what == dedup_decision::kind::original || (d.what == dedup_decision::kind::possible && score > d.score)) {
          take(dedup_decision::kind::possible);
          d.new_incident = new_incident;
          d.doubt = why;
        }
      }
    }
  }
  if (d.what == dedup_decision::kind::duplicate) {
    // Sure of two different complaints of this reporter about as much ("Jalan rusak di
    // Baamang" after one about the road at SD 3 and one at SMP 3): which one it belongs to is a
    // guess, so neither is merged; the verifier sees both.
    std::sort(sure_of.begin(), sure_of.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
    if (sure_of.size() > 1 && sure_of[1].score >= sure_of[0].score - t_.ambiguity_margin) {
      d.what = dedup_decision::kind::possible;
      d.doubt = "ambiguous";
      d.possible.clear();
      for (const auto& x : sure_of)
        if (d.possible.size() < t_.max_possible) d.possible.push_back(x);
      return d;
    }
    d.possible.clear();
    return d;
  }
  if (d.what == dedup_decision::kind::possible) {
    std::sort(d.possible.begin(), d.possible.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
    if (d.possible.size() > t_.max_possible) d.possible.resize(t_.max_possible);
    return d;
  }
  // 2. Other reporters, near-identical text. Advisory: the newest complaint that qualifies
  // ends the search (in a campaign every candidate would), and a complaint found through
  // several of the four tables is compared once.
  bool found = false;
  std::array<seq_t, tables * related_candidates_per_bucket> checked{};
  std::size_t n_checked = 0;
  const std::size_t per_bucket = std::min<std::size_t>(t_.max_candidates, related_candidates_per_bucket);
  for (std::size_t table = 0; table < tables && !found; ++table) {
    const auto& slots = buckets_[bucket_of(table, s.simhash)];
    std::size_t seen = 0;
    for (auto it = slots.rbegin(); it != slots.rend() && seen < per_bucket && !found; ++it) {
      if (it->seq < base_) break;  // expired, and everything before it
      ++seen;
      if (hamming(it->simhash, s.simhash) > t_.related_max_hamming) continue;
      if (std::find(checked.begin(), checked.begin() + static_cast<std::ptrdiff_t>(n_checked), it->seq) !=
          checked.begin() + static_cast<std::ptrdiff_t>(n_checked))
        continue;
      checked[n_checked++] = it->seq;
      const entry* e = at(it->seq);
      if (e == nullptr || e->at_ms < oldest) continue;
      const double score = sample_overlap(s.words, e->sketch.words);
      if (score < t_.related_score) continue;
      bool same_reporter = false;
      for (const std::uint64_t id : e->sketch.identities)
        if (std::find(roots.begin(), roots.end(), find(id)) != roots.end()) same_reporter = true;
      if (same_reporter) continue;
      found = true;
      d.what = dedup_decision::kind::related;
      d.of = e->original;
      d.matched = e->id;
      d.score = score;
      d.identity = 0;
    }
  }
  return d;
}

void dedup_index::add(std::int64_t id, std::int64_t original, std::int64_t at_ms, match_sketch s) {
  const seq_t seq = base_ + entries_.size();
  std::vector<std::uint64_t> roots;
  for (const std::uint64_t identity : s.identities) push_unique(roots, find(identity));
  for (const std::uint64_t r : roots) groups_[r].push_back(seq);
  for (std::size_t table = 0; table < tables; ++table) buckets_[bucket_of(table, s.simhash)].push_back(slot{seq, s.simhash});
  if (s.confidential) confidential_.insert(id);
  entries_.push_back(entry{id, original, at_ms, std::move(s)});
  ++staged_;
}

bool dedup_index::confidential(const entry& e) const noexcept {
  return e.sketch.confidential || (e.original != e.id && confidential_.contains(e.original));
}

bool dedup_index::proven_by(const match_sketch& s, const entry& e) noexcept {
  for (std::size_t i = 0; i < s.identities.size() && i < 16; ++i)
    if ((s.proven >> i & 1u) &&
        std::find(e.sketch.identities.begin(), e.sketch.identities.end(), s.identities[i]) != e.sketch.identities.end())
      return true;
  return false;
}

void dedup_index::rollback_last(std::size_t links) {
  staged_links_.resize(staged_links_.size() > links ? staged_links_.size() - links : 0);
  if (staged_ == 0) return;
  const seq_t seq = base_ + entries_.size() - 1;
  const entry& e = entries_.back();
  std::vector<std::uint64_t> roots;
  for (const std::uint64_t identity : e.sketch.identities) push_unique(roots, find(identity));
  for (const std::uint64_t r : roots) {
    auto g = groups_.find(r);
    if (g != groups_.end() && !g->second.empty() && g->second.back() == seq) {
      g->second.pop_back();
      if (g->second.empty()) groups_.erase(g);
    }
  }
  for (std::size_t table = 0; table < tables; ++table) {
    auto& b = buckets_[bucket_of(table, e.sketch.simhash)];
    if (!b.empty() && b.back().seq == seq) b.pop_back();
  }
  if (e.sketch.confidential) confidential_.erase(e.id);
  entries_.pop_back();
  --staged_;
}

void dedup_index::rollback() {
  while (staged_ > 0) rollback_last();
  staged_links_.clear();
}

void dedup_index::commit() {
  for (const auto& [a, b] : staged_links_) unite(a, b);
  staged_links_.clear();
  staged_ = 0;
}

bool dedup_index::set_original(std::int64_t id, std::int64_t original) {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
    if (it->id == id) {
      it->original = original;
      return true;
    }
  return false;
}

void dedup_index::expire(std::int64_t now_ms) {
  const std::int64_t oldest = now_ms - t_.window_ms;
  while (entries_.size() > staged_ && entries_.front().at_ms < oldest) {
    if (entries_.front().sketch.confidential) confidential_.erase(entries_.front().id);
    entries_.pop_front();
    ++base_;
    ++expired_since_sweep_;
  }
  if (expired_since_sweep_ > 1024 && expired_since_sweep_ > entries_.size()) sweep();
}

void dedup_index::sweep() {
  for (auto it = groups_.begin(); it != groups_.end();) {
    auto& v = it->second;
    v.erase(v.begin(), std::lower_bound(v.begin(), v.end(), base_));
    if (v.empty()) it = groups_.erase(it);
    else ++it;
  }
  for (auto& b : buckets_) {
    b.erase(b.begin(), std::lower_bound(b.begin(), b.end(), base_, [](const slot& x, seq_t v) { return x.seq < v; }));
    if (b.empty()) b.shrink_to_fit();
  }
  expired_since_sweep_ = 0;
}

std::size_t dedup_index::memory_bytes() const noexcept {
  std::size_t n = buckets_.capacity() * sizeof(std::vector<slot>);
  for (const auto& b : buckets_) n += b.capacity() * sizeof(slot);
  for (const auto& e : entries_)
    n += sizeof(entry) + e.sketch.words.capacity() * 2 + e.sketch.skeletons.capacity() * 2 +
         e.sketch.facets.capacity() * 4 + e.sketch.loose_facets.capacity() * 4 + e.sketch.identities.capacity() * 8 +
         e.sketch.places.capacity() * 2 + e.sketch.place_skeletons.capacity() * 2 + e.sketch.verbatim.capacity() * 4;
  n += groups_.size() * (sizeof(std::vector<seq_t>) + 32);
  for (const auto& [k, v] : groups_) n += v.capacity() * sizeof(seq_t);
  n += parent_.size() * 32;
  return n;
}

}  // namespace lapor::dedup
