// In-memory hash indexes of idempotency keys, so the database needs no random-key b-tree.
//
// `key_index` maps a keyed 64-bit hash (SipHash-2-4, random key per process) of an
// idempotency key to the complaint ids stored with that key. A hash match is only a
// candidate: the caller compares the stored key, so a collision costs one extra row read,
// never a wrong answer, and an adversary who chooses keys cannot aim for collisions.
// Open addressing with linear probing, 16-byte slots, load <= 0.7: ~24-48 bytes per key
// (1M keyed complaints ~ 32 MB). A miss (the common case: a new key) touches one or two
// cache lines and no database page.
//
// `group_keys` holds the keys inserted by the group being committed: a later request in the
// same group must see them, and they join `key_index` only after the commit succeeds.
//
// Not thread-safe: both belong to the writer thread.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace lapor::store {

// SipHash-2-4 (Aumasson & Bernstein) of `data` under the 128-bit key (k0, k1).
[[nodiscard]] std::uint64_t siphash24(std::uint64_t k0, std::uint64_t k1, std::string_view data) noexcept;

class key_index {
 public:
  key_index();  // a random hash key per instance

  [[nodiscard]] std::uint64_t hash(std::string_view key) const noexcept { return siphash24(k0_, k1_, key); }

  // Calls `candidate(complaint_id)` for every id stored under hash `h` until it returns true.
  // Returns whether one did.
  template <class F>
  bool find(std::uint64_t h, F&& candidate) const {
    if (count_ == 0) return false;
    h = nonzero(h);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      if (s.hash == 0) return false;
      if (s.hash == h && candidate(s.id)) return true;
    }
  }

  void insert(std::uint64_t h, std::int64_t id);
  void clear() noexcept;
  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] std::size_t memory_bytes() const noexcept { return slots_.capacity() * sizeof(slot); }

 private:
  struct slot {
    std::uint64_t hash;  // 0 = empty
    std::int64_t id;
  };
  static std::uint64_t nonzero(std::uint64_t h) noexcept { return h == 0 ? 1 : h; }
  void place(slot s) noexcept;
  void grow();

  std::vector<slot> slots_;
  std::size_t mask_ = 0;
  std::size_t count_ = 0;
  std::uint64_t k0_ = 0, k1_ = 0;
};

class group_keys {
 public:
  struct entry {
    std::uint64_t hash;
    std::string_view key;    // points into the request, alive for the group
    std::int64_t complaint_id;
    std::uint32_t request;   // index of the request in the group
  };

  // Returns the entry for `key`, or nullptr.
  [[nodiscard]] const entry* find(std::uint64_t h, std::string_view key) const noexcept;
  void insert(std::uint64_t h, std::string_view key, std::int64_t complaint_id, std::uint32_t request);
  [[nodiscard]] const std::vector<entry>& entries() const noexcept { return entries_; }
  void clear() noexcept;

 private:
  std::vector<std::uint32_t> table_;  // entry index + 1; 0 = empty
  std::vector<entry> entries_;
};

}  // namespace lapor::store
