// SMPP command_status values (SMPP 3.4 §5.1.3, plus the few SMPP 5.0 codes 3.4 peers use).
#pragma once

#include <cstdint>
#include <string_view>

namespace lapor::sms::status {

inline constexpr std::uint32_t esme_rok = 0x00000000;            // no error
inline constexpr std::uint32_t esme_rinvmsglen = 0x00000001;     // message length invalid
inline constexpr std::uint32_t esme_rinvcmdlen = 0x00000002;     // command length invalid
inline constexpr std::uint32_t esme_rinvcmdid = 0x00000003;      // invalid command id
inline constexpr std::uint32_t esme_rinvbndsts = 0x00000004;     // wrong bind state for the command
inline constexpr std::uint32_t esme_ralybnd = 0x00000005;        // already bound
inline constexpr std::uint32_t esme_rinvprtflg = 0x00000006;     // invalid priority_flag
inline constexpr std::uint32_t esme_rinvregdlvflg = 0x00000007;  // invalid registered_delivery
inline constexpr std::uint32_t esme_rsyserr = 0x00000008;        // system error
inline constexpr std::uint32_t esme_rinvsrcadr = 0x0000000A;     // invalid source address
inline constexpr std::uint32_t esme_rinvdstadr = 0x0000000B;     // invalid destination address
inline constexpr std::uint32_t esme_rinvmsgid = 0x0000000C;      // invalid message id
inline constexpr std::uint32_t esme_rbindfail = 0x0000000D;      // bind failed
inline constexpr std::uint32_t esme_rinvpaswd = 0x0000000E;      // invalid password
inline constexpr std::uint32_t esme_rinvsysid = 0x0000000F;      // invalid system_id
inline constexpr std::uint32_t esme_rcancelfail = 0x00000011;    // cancel_sm failed
inline constexpr std::uint32_t esme_rreplacefail = 0x00000013;   // replace_sm failed
inline constexpr std::uint32_t esme_rmsgqful = 0x00000014;       // message queue full
inline constexpr std::uint32_t esme_rinvsertyp = 0x00000015;     // invalid service_type
inline constexpr std::uint32_t esme_rinvnumdests = 0x00000033;   // invalid number of destinations
inline constexpr std::uint32_t esme_rinvdlname = 0x00000034;     // invalid distribution list name
inline constexpr std::uint32_t esme_rinvdestflag = 0x00000040;   // invalid dest_flag (submit_multi)
inline constexpr std::uint32_t esme_rinvsubrep = 0x00000042;     // invalid "submit with replace"
inline constexpr std::uint32_t esme_rinvesmclass = 0x00000043;   // invalid esm_class
inline constexpr std::uint32_t esme_rcntsubdl = 0x00000044;      // cannot submit to distribution list
inline constexpr std::uint32_t esme_rsubmitfail = 0x00000045;    // submit_sm/submit_multi failed
inline constexpr std::uint32_t esme_rinvsrcton = 0x00000048;     // invalid source_addr_ton
inline constexpr std::uint32_t esme_rinvsrcnpi = 0x00000049;     // invalid source_addr_npi
inline constexpr std::uint32_t esme_rinvdstton = 0x00000050;     // invalid dest_addr_ton
inline constexpr std::uint32_t esme_rinvdstnpi = 0x00000051;     // invalid dest_addr_npi
inline constexpr std::uint32_t esme_rinvsystyp = 0x00000053;     // invalid system_type
inline constexpr std::uint32_t esme_rinvrepflag = 0x00000054;    // invalid replace_if_present_flag
inline constexpr std::uint32_t esme_rinvnummsgs = 0x00000055;    // invalid number of messages
inline constexpr std::uint32_t esme_rthrottled = 0x00000058;     // throttling: retry later
inline constexpr std::uint32_t esme_rinvsched = 0x00000061;      // invalid schedule_delivery_time
inline constexpr std::uint32_t esme_rinvexpiry = 0x00000062;     // invalid validity_period
inline constexpr std::uint32_t esme_rinvdftmsgid = 0x00000063;   // predefined message not found
inline constexpr std::uint32_t esme_rx_t_appn = 0x00000064;      // receiver temporary app error
inline constexpr std::uint32_t esme_rx_p_appn = 0x00000065;      // receiver permanent app error
inline constexpr std::uint32_t esme_rx_r_appn = 0x00000066;      // receiver reject message error
inline constexpr std::uint32_t esme_rqueryfail = 0x00000067;     // query_sm failed
inline constexpr std::uint32_t esme_rinvoptparstream = 0x000000C0;  // error in the TLV part
inline constexpr std::uint32_t esme_roptparnotallwd = 0x000000C1;   // TLV not allowed
inline constexpr std::uint32_t esme_rinvparlen = 0x000000C2;        // invalid TLV length
inline constexpr std::uint32_t esme_rmissingoptparam = 0x000000C3;  // expected TLV missing
inline constexpr std::uint32_t esme_rinvoptparamval = 0x000000C4;   // invalid TLV value
inline constexpr std::uint32_t esme_rdeliveryfailure = 0x000000FE;  // delivery failure (data_sm_resp)
inline constexpr std::uint32_t esme_runknownerr = 0x000000FF;       // unknown error

// SMPP 5.0 names of the 0xC0..0xC4 codes (same values), and 5.0's invalid data_coding code,
// which many 3.4 implementations also send.
inline constexpr std::uint32_t esme_rinvtlvstream = esme_rinvoptparstream;
inline constexpr std::uint32_t esme_rtlvnotallwd = esme_roptparnotallwd;
inline constexpr std::uint32_t esme_rinvtlvlen = esme_rinvparlen;
inline constexpr std::uint32_t esme_rmissingtlv = esme_rmissingoptparam;
inline constexpr std::uint32_t esme_rinvtlvval = esme_rinvoptparamval;
inline constexpr std::uint32_t esme_rinvdcs = 0x00000104;

// The spec name ("ESME_RTHROTTLED") for logs and metrics; an empty view for values the
// specs reserve or vendors define, so the caller prints the number instead.
[[nodiscard]] std::string_view name(std::uint32_t status) noexcept;

// True for the statuses a client should retry later on the same or another bind
// (RTHROTTLED, RMSGQFUL, RX_T_APPN, RSYSERR); everything else is permanent.
[[nodiscard]] bool is_transient(std::uint32_t status) noexcept;

}  // namespace lapor::sms::status
