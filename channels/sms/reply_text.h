// The reply SMS texts (Bahasa Indonesia). Every text uses only GSM 03.38 default-alphabet
// characters and stays within one 160-septet SMS for a normal tracking ID, so a reply costs
// the citizen's operator one part; text the citizen typed is never echoed back.
#pragma once

#include <string>
#include <string_view>

#include "gateway/channel.h"
#include "gateway/complaint.h"
#include "gateway/complaint_status.h"

namespace lapor::sms {

// After a report was stored, or recognised as a retry / duplicate.
//   "LAPOR! Laporan Anda diterima. No. tiket: LPR-7K3D-9QX2-M. Cek status: kirim CEK LPR-7K3D-9QX2-M ke 1708"
[[nodiscard]] std::string receipt_reply(const gateway::submit_result& r, gateway::complaint_kind kind,
                                        std::string_view short_code);

// A report the core refused as input (e.g. an empty message): how to send one.
[[nodiscard]] std::string usage_reply(std::string_view short_code);

// The answer to STATUS / CEK <id>.
[[nodiscard]] std::string status_reply(const gateway::status_lookup& found, std::string_view short_code);

// STATUS / CEK with nothing after it.
[[nodiscard]] std::string status_usage_reply(std::string_view short_code);

}  // namespace lapor::sms
