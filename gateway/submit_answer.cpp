#include "gateway/submit_answer.h"

#include <boost/json/value.hpp>

#include "gateway/json_out.h"

namespace lapor::gateway {

http_response submit_answer(const submit_result& r) {
  using st = submit_result::status;
  switch (r.code) {
    case st::received:
    case st::duplicate: {
      boost::json::object o;
      o["tracking_id"] = r.tracking_id;
      // A retry of a new complaint was "received" the first time, and must be so again (SPEC §7:
      // a retry gets the same answer); a retry of a cross-channel duplicate stays "duplicate".
      const bool received = r.code == st::received || (r.retry && r.duplicate_of.empty());
      o["status"] = received ? "received" : "duplicate";
      if (r.duplicate_of.empty()) o["duplicate_of"] = nullptr;
      else o["duplicate_of"] = r.duplicate_of;
      return http_response::json(201, serialize_json(o));
    }
    case st::rejected: {
      std::vector<std::pair<std::string, std::string>> errors{{r.field, r.message}};
      errors.insert(errors.end(), r.more_errors.begin(), r.more_errors.end());
      return http_response::problem(422, "Unprocessable Content", r.message, errors);
    }
    case st::conflict:
      return http_response::problem(422, "Idempotency-Key reused", r.message, {{r.field, r.message}});
    case st::overloaded:
    case st::failed: {
      auto res = http_response::problem(503, "Service Unavailable",
                                        r.code == st::overloaded ? "the gateway is busy, retry shortly"
                                                                 : "the report could not be stored, retry shortly");
      res.headers.emplace_back("Retry-After", "1");
      return res;
    }
  }
  return http_response::problem(500, "Internal Server Error", "unexpected state");
}

}  // namespace lapor::gateway
