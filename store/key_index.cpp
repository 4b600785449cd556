#include "store/key_index.h"

#include <random>

namespace lapor::store {

namespace {

constexpr std::uint64_t rotl(std::uint64_t x, int b) noexcept { return (x << b) | (x >> (64 - b)); }

struct sip_state {
  std::uint64_t v0, v1, v2, v3;
  void round() noexcept {
    v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
    v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  }
};

std::uint64_t load_le64(const unsigned char* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

std::uint64_t siphash24(std::uint64_t k0, std::uint64_t k1, std::string_view data) noexcept {
  sip_state s{k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
              k1 ^ 0x7465646279746573ULL};
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const std::size_t n = data.size();
  const std::size_t full = n & ~std::size_t{7};
  for (std::size_t i = 0; i < full; i += 8) {
    const std::uint64_t m = load_le64(p + i);
    s.v3 ^= m;
    s.round();
    s.round();
    s.v0 ^= m;
  }
  std::uint64_t last = static_cast<std::uint64_t>(n & 0xff) << 56;
  for (std::size_t i = 0; i < (n & 7); ++i) last |= static_cast<std::uint64_t>(p[full + i]) << (8 * i);
  s.v3 ^= last;
  s.round();
  s.round();
  s.v0 ^= last;
  s.v2 ^= 0xff;
  s.round();
  s.round();
  s.round();
  s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

key_index::key_index() {
  std::random_device rd;
  k0_ = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  k1_ = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

void key_index::insert(std::uint64_t h, std::int64_t id) {
  if ((count_ + 1) * 10 > slots_.size() * 7) grow();
  place(slot{nonzero(h), id});
  ++count_;
}

void key_index::place(slot s) noexcept {
  std::size_t i = s.hash & mask_;
  while (slots_[i].hash != 0) i = (i + 1) & mask_;
  slots_[i] = s;
}

void key_index::clear() noexcept {
  slots_.clear();
  slots_.shrink_to_fit();
  mask_ = 0;
  count_ = 0;
}

void key_index::grow() {
  std::vector<slot> old = std::move(slots_);
  const std::size_t cap = old.empty() ? 1024 : old.size() * 2;
  slots_.assign(cap, slot{0, 0});
  mask_ = cap - 1;
  for (const slot& s : old)
    if (s.hash != 0) place(s);
}

const group_keys::entry* group_keys::find(std::uint64_t h, std::string_view key) const noexcept {
  if (entries_.empty()) return nullptr;
  const std::size_t mask = table_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    const std::uint32_t e = table_[i];
    if (e == 0) return nullptr;
    const entry& en = entries_[e - 1];
    if (en.hash == h && en.key == key) return &en;
  }
}

void group_keys::insert(std::uint64_t h, std::string_view key, std::int64_t complaint_id, std::uint32_t request) {
  if ((entries_.size() + 1) * 2 > table_.size()) {
    // Keep the load <= 1/2; rebuild from the entries (only while a group is growing).
    const std::size_t cap = table_.empty() ? 256 : table_.size() * 2;
    table_.assign(cap, 0);
    for (std::uint32_t n = 0; n < entries_.size(); ++n) {
      std::size_t i = entries_[n].hash & (cap - 1);
      while (table_[i] != 0) i = (i + 1) & (cap - 1);
      table_[i] = n + 1;
    }
  }
  entries_.push_back(entry{h, key, complaint_id, request});
  const std::size_t mask = table_.size() - 1;
  std::size_t i = h & mask;
  while (table_[i] != 0) i = (i + 1) & mask;
  table_[i] = static_cast<std::uint32_t>(entries_.size());
}

void group_keys::clear() noexcept {
  // Only the slots in use are cleared: O(group), not O(table).
  if (!table_.empty()) {
    const std::size_t mask = table_.size() - 1;
    for (const entry& en : entries_) {
      std::size_t i = en.hash & mask;
      while (table_[i] != 0) {
        table_[i] = 0;
        i = (i + 1) & mask;
      }
    }
  }
  entries_.clear();
}

}  // namespace lapor::store
