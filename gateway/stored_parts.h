// gateway::part_store over the store's group writer: parts of long messages and messages a
// channel queues on its own (status answers), in the same group commits as everything else.
#pragma once

#include "gateway/channel.h"
#include "store/store.h"

namespace lapor::gateway {

class stored_parts final : public part_store {
 public:
  // `reader`: cluster mode, where parts of dead nodes are taken over; nullptr = one node.
  explicit stored_parts(store::group_writer& writer, store::read_pool* reader = nullptr)
      : writer_(writer), reader_(reader) {}

  void store_part(part p, std::function<void(submit_result)> done) override;
  void finish_parts(std::string group, std::string answer) override;
  void purge_parts(std::int64_t done_before_ms, std::int64_t open_before_ms) override;
  void load_parts(const std::function<void(const part&)>& each) override;
  void take_over_parts(std::int64_t done_since_ms, std::function<void(std::vector<part>)> done) override;
  void queue_message(std::string destination, std::string payload, std::function<void(bool)> done) override;

 private:
  store::group_writer& writer_;
  store::read_pool* reader_;
};

}  // namespace lapor::gateway
