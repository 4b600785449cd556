#include "channels/sms/smpp_status.h"

namespace lapor::sms::status {

std::string_view name(std::uint32_t s) noexcept {
  switch (s) {
    case esme_rok: return "ESME_ROK";
    case esme_rinvmsglen: return "ESME_RINVMSGLEN";
    case esme_rinvcmdlen: return "ESME_RINVCMDLEN";
    case esme_rinvcmdid: return "ESME_RINVCMDID";
    case esme_rinvbndsts: return "ESME_RINVBNDSTS";
    case esme_ralybnd: return "ESME_RALYBND";
    case esme_rinvprtflg: return "ESME_RINVPRTFLG";
    case esme_rinvregdlvflg: return "ESME_RINVREGDLVFLG";
    case esme_rsyserr: return "ESME_RSYSERR";
    case esme_rinvsrcadr: return "ESME_RINVSRCADR";
    case esme_rinvdstadr: return "ESME_RINVDSTADR";
    case esme_rinvmsgid: return "ESME_RINVMSGID";
    case esme_rbindfail: return "ESME_RBINDFAIL";
    case esme_rinvpaswd: return "ESME_RINVPASWD";
    case esme_rinvsysid: return "ESME_RINVSYSID";
    case esme_rcancelfail: return "ESME_RCANCELFAIL";
    case esme_rreplacefail: return "ESME_RREPLACEFAIL";
    case esme_rmsgqful: return "ESME_RMSGQFUL";
    case esme_rinvsertyp: return "ESME_RINVSERTYP";
    case esme_rinvnumdests: return "ESME_RINVNUMDESTS";
    case esme_rinvdlname: return "ESME_RINVDLNAME";
    case esme_rinvdestflag: return "ESME_RINVDESTFLAG";
    case esme_rinvsubrep: return "ESME_RINVSUBREP";
    case esme_rinvesmclass: return "ESME_RINVESMCLASS";
    case esme_rcntsubdl: return "ESME_RCNTSUBDL";
    case esme_rsubmitfail: return "ESME_RSUBMITFAIL";
    case esme_rinvsrcton: return "ESME_RINVSRCTON";
    case esme_rinvsrcnpi: return "ESME_RINVSRCNPI";
    case esme_rinvdstton: return "ESME_RINVDSTTON";
    case esme_rinvdstnpi: return "ESME_RINVDSTNPI";
    case esme_rinvsystyp: return "ESME_RINVSYSTYP";
    case esme_rinvrepflag: return "ESME_RINVREPFLAG";
    case esme_rinvnummsgs: return "ESME_RINVNUMMSGS";
    case esme_rthrottled: return "ESME_RTHROTTLED";
    case esme_rinvsched: return "ESME_RINVSCHED";
    case esme_rinvexpiry: return "ESME_RINVEXPIRY";
    case esme_rinvdftmsgid: return "ESME_RINVDFTMSGID";
    case esme_rx_t_appn: return "ESME_RX_T_APPN";
    case esme_rx_p_appn: return "ESME_RX_P_APPN";
    case esme_rx_r_appn: return "ESME_RX_R_APPN";
    case esme_rqueryfail: return "ESME_RQUERYFAIL";
    case esme_rinvoptparstream: return "ESME_RINVOPTPARSTREAM";
    case esme_roptparnotallwd: return "ESME_ROPTPARNOTALLWD";
    case esme_rinvparlen: return "ESME_RINVPARLEN";
    case esme_rmissingoptparam: return "ESME_RMISSINGOPTPARAM";
    case esme_rinvoptparamval: return "ESME_RINVOPTPARAMVAL";
    case esme_rdeliveryfailure: return "ESME_RDELIVERYFAILURE";
    case esme_runknownerr: return "ESME_RUNKNOWNERR";
    case esme_rinvdcs: return "ESME_RINVDCS";
    default: return {};
  }
}

bool is_transient(std::uint32_t s) noexcept {
  return s == esme_rthrottled || s == esme_rmsgqful || s == esme_rx_t_appn || s == esme_rsyserr;
}

}  // namespace lapor::sms::status
