// Background WAL checkpoints on their own connection and thread.
//
// SQLite's automatic checkpoint runs inside the COMMIT that crosses wal_autocheckpoint, on
// the committing thread: the writer would stall for the copy of the WAL into the database
// file and two fsyncs. Here the write connection only reports the WAL's size after each
// commit (wal_grew); past `threshold` frames this thread runs a PASSIVE checkpoint, which
// copies frames while the writer keeps appending. A PASSIVE pass never blocks the writer.
//
// Under sustained load the writer appends during every pass, so the WAL never gets fully
// copied and cannot restart from its beginning. The writer therefore calls
// wait_for_pass() when the WAL exceeds its cap: a pass that starts after the writer paused
// copies everything, and the writer's next transaction restarts the WAL. That bounds the WAL
// at about `cap` frames and costs the writer one (mostly already done) pass now and then.
//
// When a pass is due: once `threshold` frames were committed beyond what the last pass copied
// (or since the WAL restarted), and after every commit only in the last `threshold` frames
// before the cap, so that the writer's pause there finds little left to copy. A pass sorts the
// page numbers of every frame in each 4096-frame segment it visits, those copied before
// included, and fsyncs the WAL and the file: a pass after every commit from `threshold` on
// (as before run Q) sorted ~1000-4000 frames to copy the last commit's few, ~14k instructions
// per message on the SMPP bench (bench/RESULTS.md run Q).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/database.h"

namespace lapor::store {

class checkpointer {
 public:
  // Opens its own connection with `co` (an existing database). `cap_frames`: where the writer
  // waits for a pass (0: nowhere). Throws db_error.
  checkpointer(const connection_options& co, int threshold_frames, int cap_frames = 0);
  ~checkpointer();
  checkpointer(const checkpointer&) = delete;
  checkpointer& operator=(const checkpointer&) = delete;

  // From the writer's WAL hook after each commit with the WAL's size in frames. Cheap: no lock
  // unless a pass is due.
  void wal_grew(int frames) noexcept;
  // Blocks until a pass that started after this call finished, or `timeout` passed.
  void wait_for_pass(std::chrono::milliseconds timeout);
  void stop();

  [[nodiscard]] std::uint64_t passes() const;
  [[nodiscard]] std::string last_error() const;

 private:
  void run();
  void checkpoint_once();

  connection_options co_;
  int threshold_;
  int continuous_from_;  // frames from which every commit makes a pass due (cap - threshold)
  std::unique_ptr<database> db_;

  mutable std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  bool requested_ = false;
  bool stopping_ = false;
  std::uint64_t started_ = 0, finished_ = 0;
  std::string last_error_;
  std::atomic<bool> due_{false};
  // Frames of the WAL the last pass had copied (0 before any, after a failed one, and once the
  // WAL restarted): wal_grew counts the frames beyond it.
  std::atomic<int> copied_{0};
  std::thread thread_;
  std::once_flag stopped_;
};

}  // namespace lapor::store
