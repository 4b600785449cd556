// How a submit_result is answered over HTTP (mobile API, web form with Accept: JSON, admin
// test channel), so every HTTP door answers the same way (SPEC §7 Mobile).
#pragma once

#include "gateway/channel.h"
#include "gateway/http_types.h"

namespace lapor::gateway {

// 201 {"tracking_id":…, "status":"received"|"duplicate", "duplicate_of":…|null} when
// acknowledged; 422 problem naming the field for rejections and key conflicts; 503 with
// Retry-After for overload and store failures.
[[nodiscard]] http_response submit_answer(const submit_result& r);

}  // namespace lapor::gateway
