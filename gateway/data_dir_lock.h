// Who owns a data_dir: an exclusive flock(2) on <data_dir>/lapor.lock. The daemon holds it for
// as long as it runs, so a second daemon on the same folder refuses to start (only one process
// may write the database) and `lapor-gateway restore` refuses to replace the database under a
// running node. The kernel releases the lock when the process ends, kill -9 included, so a
// crash never leaves a stale lock; the file keeps the holder's pid for the refusal's message.
#pragma once

#include <optional>
#include <string>

namespace lapor::gateway {

class data_dir_lock {
 public:
  // Takes the lock without waiting. nullopt with `error` saying who holds it (or why the
  // file could not be opened).
  [[nodiscard]] static std::optional<data_dir_lock> try_acquire(const std::string& data_dir, std::string& error);

  data_dir_lock(data_dir_lock&& other) noexcept;
  data_dir_lock& operator=(data_dir_lock&&) = delete;
  data_dir_lock(const data_dir_lock&) = delete;
  data_dir_lock& operator=(const data_dir_lock&) = delete;
  ~data_dir_lock();  // releases the lock

 private:
  explicit data_dir_lock(int fd) noexcept : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace lapor::gateway
