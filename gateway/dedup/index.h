// The in-memory duplicate index: every complaint received within the window, its sketch, and
// the reporter identities linked so far (union-find over identity-key hashes).
//
// Lookup, for a new complaint:
//  1. duplicate: the complaints of the same linked identity (the union of every group its
//     identity keys belong to; the most recent `max_candidates` per group), within the
//     window, whose problem, place and stated facts (date, km, RT/RW, school, landmark) do
//     not conflict, whose main problem and place are positively the same, with nothing new
//     added (no second incident, other object, other household, other spot …), and whose text score
//     (sketch.h) reaches `duplicate_score`. The best one wins; the answer names its original
//     (a duplicate of a duplicate links to the first). Not sure but alike: a possible
//     duplicate, with the doubt that kept it from a merge.
//  2. otherwise related: a complaint of *another* identity within the window whose SimHash is
//     within `related_max_hamming` bits and whose word overlap reaches `related_score`: a
//     campaign or a shared grievance, marked, never merged. Candidates are the complaints
//     sharing one of the SimHash's four 16-bit blocks: every one within 3 bits is found, and
//     most within 10 (two texts differing by a few words).
// Blocking by identity is exact (the rule requires the same reporter), so duplicates need no
// LSH; the SimHash tables are the LSH for the global near-identical question.
//
// Group staging: add() makes an entry visible at once (later rows of the same commit group
// must see it) and remembers it; commit() makes the group's entries and identity links
// final, rollback() removes them again (entries are always the last ones appended, so this
// is a pop_back per structure); links are applied only at commit(), so a rollback never has
// to split a union.
//
// Memory: ~570 bytes per complaint (sketch, identity lists, four 16-byte SimHash table slots):
// ~570 MB for 1M complaints in the window (bench/dedup_bench prints the figure).
// Not thread-safe: owned by the store's writer thread (via dedup_engine), or by one thread.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "gateway/dedup/sketch.h"

namespace lapor::dedup {

struct dedup_thresholds {
  double duplicate_score = 0.25;      // same identity, events agree: merged from this text score
  double possible_score = 0.12;       // same identity: a hint for the verifier from this score
  // A follow-up ("sudah lapor …") on the same problem merges from this. As high as
  // duplicate_score: a follow-up adding a problem the taxonomy does not list reads like one
  // adding a photo, so the cue alone does not lower the bar.
  double followup_score = 0.25;
  double unplaced_score = 0.35;       // one side names no place (or a province only): merged from this
  double street_containment = 0.8;    // a shared street, a region on one side only: its text in the other's from this
  double unknown_problem_score = 0.6; // one side names no known problem: merged from this, the place established
  double same_event_score = 0.1;      // the same problem in the same district or village: from this
  double swap_score = 0.8;            // texts this alike with a word swapped (sketch_swaps_word): a doubt
  // A later report that names a problem the earlier one does not is detail of the same
  // complaint only when it is more than this many times as long (a web letter after a short SMS tells
  // more); otherwise it is perhaps about something else at that place: a doubt.
  double detail_length_ratio = 2.0;
  // Two different complaints of the reporter a report would merge into, scores this close:
  // which one is a guess, so a hint naming both instead.
  double ambiguity_margin = 0.1;
  // Texts this alike with a relative named on one side only are about two people (a doubt).
  // Chosen on the tune halves: from 0.8, 4 duplicates lost for one false merge; from 0.95, 1.
  double kin_copy_score = 0.95;
  std::size_t max_possible = 3;       // hints per complaint
  double related_score = 0.8;         // other identities: word overlap at least this …
  int related_max_hamming = 10;       // … and SimHash distance at most this (0..64)
  std::int64_t window_ms = 7LL * 24 * 3600 * 1000;
  std::size_t max_candidates = 64;    // per identity group and per SimHash bucket, newest first
  std::size_t min_words = 3;          // texts with fewer distinct words are never matched
};

// Three outcomes for the same reporter (SPEC §4, §6): *duplicate* only when sure (merged,
// the reporter gets the original's ID), *possible* (its own complaint, with hints for the
// human verifier), *original*; and *related* for another reporter's near-identical text (a
// campaign, marked, never merged).
struct dedup_decision {
  enum class kind { original, duplicate, possible, related };
  kind what = kind::original;
  std::int64_t of = 0;                // the original's complaint id (duplicate / related / best hint)
  std::int64_t matched = 0;           // the complaint that matched (may itself be a duplicate of `of`)
  double score = 0;
  std::uint64_t identity = 0;         // the new complaint's identity hash through which it matched
  event_comparison events;            // how the events compared (duplicate / possible)
  bool followup = false;              // merged as a follow-up of the original
  bool new_incident = false;          // the new report says it is a new occurrence
  struct hint {
    std::int64_t of;  // an original's complaint id
    double score;
  };
  std::vector<hint> possible;         // kind::possible: best first, at most max_possible
  // Same reporter, text alike, but the events disagree: what was decisive (for the evidence).
  std::string conflict;               // "problem", "place", "fact" (km, date, RT…), or ""
  // kind::possible: why it was not merged: a doubt ("new_incident", "adds_problem", "object",
  // "household", "kind", "elsewhere", "day", "number", "spot", "name", "holder", "swap", "ambiguous": sure
  // of two complaints alike; "reminder": a short text naming a tracking ID none of the
  // reporter's, hinted to their newest; "unproven": the original is Anonim or Rahasia and no identity the
  // new report's channel proves is one of the matched report's) or what was not established
  // ("problem", "place", "score").
  const char* doubt = nullptr;
};

class dedup_index {
 public:
  explicit dedup_index(dedup_thresholds t = {});

  // Pure with respect to the index: what add() would be told for `s` received at `at_ms`.
  [[nodiscard]] dedup_decision lookup(const match_sketch& s, std::int64_t at_ms) const;

  // Appends a complaint (staged until commit(); see above). `original` is its own id for an
  // original, else the id of the original it duplicates.
  void add(std::int64_t id, std::int64_t original, std::int64_t at_ms, match_sketch s);
  // Links two identities (staged until commit()). Returns false when already linked.
  bool link(std::uint64_t a, std::uint64_t b);
  // True when a and b are in one group, counting staged links.
  [[nodiscard]] bool linked(std::uint64_t a, std::uint64_t b) const;

  void commit();
  void rollback();
  // Removes the most recently staged entry (its insert was refused) and the last `links`
  // staged links (the ones that row made).
  void rollback_last(std::size_t links = 0);

  // Makes complaint `id` an original of its own (`original` = id) or a duplicate of `original`.
  // Returns false when `id` is not in the window. O(entries): an operator action.
  bool set_original(std::int64_t id, std::int64_t original);

  // Drops entries received before `now_ms - window` (oldest first).
  void expire(std::int64_t now_ms);

  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  [[nodiscard]] std::size_t memory_bytes() const noexcept;
  [[nodiscard]] const dedup_thresholds& thresholds() const noexcept { return t_; }

 private:
  struct entry {
    std::int64_t id;
    std::int64_t original;
    std::int64_t at_ms;
    match_sketch sketch;
  };
  // The ids of the confidential (Anonim or Rahasia) complaints in the window: a merge into a
  // duplicate of one would tell its original's tracking ID too.
  std::unordered_set<std::int64_t> confidential_;
  // `e` is confidential, or a duplicate of a confidential original.
  [[nodiscard]] bool confidential(const entry& e) const noexcept;
  // One of the identities `s`'s channel proves is one of `e`'s own.
  [[nodiscard]] static bool proven_by(const match_sketch& s, const entry& e) noexcept;
  [[nodiscard]] dedup_decision reminder_of(const match_sketch& s, const std::vector<std::uint64_t>& roots,
                                           const std::vector<std::uint64_t>& root_identity, std::int64_t oldest) const;
  using seq_t = std::uint64_t;

  [[nodiscard]] const entry* at(seq_t seq) const noexcept;
  [[nodiscard]] std::uint64_t find(std::uint64_t key) const;
  [[nodiscard]] std::uint64_t find_compress(std::uint64_t key);
  void unite(std::uint64_t a, std::uint64_t b);
  void sweep();  // drops expired seqs from the group lists and buckets

  dedup_thresholds t_;
  std::deque<entry> entries_;
  seq_t base_ = 0;  // seq of entries_.front()
  std::unordered_map<std::uint64_t, std::uint64_t> parent_;           // identity -> parent (roots absent or self)
  std::unordered_map<std::uint64_t, std::vector<seq_t>> groups_;      // root -> seqs, ascending
  // 4 x 65536 SimHash block tables; each slot carries the full SimHash, so that candidates
  // too far away are dropped without touching their entry.
  struct slot {
    seq_t seq;
    std::uint64_t simhash;
  };
  std::vector<std::vector<slot>> buckets_;
  std::size_t staged_ = 0;                                            // entries added since commit()
  std::vector<std::pair<std::uint64_t, std::uint64_t>> staged_links_;
  std::size_t expired_since_sweep_ = 0;
};

}  // namespace lapor::dedup
