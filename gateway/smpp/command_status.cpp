#include "gateway/smpp/command_status.h"

#include <cstdio>

namespace smsgw::smpp {
namespace {

const char* KnownName(uint32_t status) {
  switch (static_cast<CommandStatus>(status)) {
    case CommandStatus::kROk:
      return "ESME_ROK";
    case CommandStatus::kRInvMsgLen:
      return "ESME_RINVMSGLEN";
    case CommandStatus::kRInvCmdLen:
      return "ESME_RINVCMDLEN";
    case CommandStatus::kRInvCmdId:
      return "ESME_RINVCMDID";
    case CommandStatus::kRInvBndSts:
      return "ESME_RINVBNDSTS";
    case CommandStatus::kRAlyBnd:
      return "ESME_RALYBND";
    case CommandStatus::kRInvPrtFlg:
      return "ESME_RINVPRTFLG";
    case CommandStatus::kRInvRegDlvFlg:
      return "ESME_RINVREGDLVFLG";
    case CommandStatus::kRSysErr:
      return "ESME_RSYSERR";
    case CommandStatus::kRInvSrcAdr:
      return "ESME_RINVSRCADR";
    case CommandStatus::kRInvDstAdr:
      return "ESME_RINVDSTADR";
    case CommandStatus::kRInvMsgId:
      return "ESME_RINVMSGID";
    case CommandStatus::kRBindFail:
      return "ESME_RBINDFAIL";
    case CommandStatus::kRInvPaswd:
      return "ESME_RINVPASWD";
    case CommandStatus::kRInvSysId:
      return "ESME_RINVSYSID";
    case CommandStatus::kRCancelFail:
      return "ESME_RCANCELFAIL";
    case CommandStatus::kRReplaceFail:
      return "ESME_RREPLACEFAIL";
    case CommandStatus::kRMsgQFul:
      return "ESME_RMSGQFUL";
    case CommandStatus::kRInvSerTyp:
      return "ESME_RINVSERTYP";
    case CommandStatus::kRInvNumDests:
      return "ESME_RINVNUMDESTS";
    case CommandStatus::kRInvDlName:
      return "ESME_RINVDLNAME";
    case CommandStatus::kRInvDestFlag:
      return "ESME_RINVDESTFLAG";
    case CommandStatus::kRInvSubRep:
      return "ESME_RINVSUBREP";
    case CommandStatus::kRInvEsmClass:
      return "ESME_RINVESMCLASS";
    case CommandStatus::kRCntSubDl:
      return "ESME_RCNTSUBDL";
    case CommandStatus::kRSubmitFail:
      return "ESME_RSUBMITFAIL";
    case CommandStatus::kRInvSrcTon:
      return "ESME_RINVSRCTON";
    case CommandStatus::kRInvSrcNpi:
      return "ESME_RINVSRCNPI";
    case CommandStatus::kRInvDstTon:
      return "ESME_RINVDSTTON";
    case CommandStatus::kRInvDstNpi:
      return "ESME_RINVDSTNPI";
    case CommandStatus::kRInvSysTyp:
      return "ESME_RINVSYSTYP";
    case CommandStatus::kRInvRepFlag:
      return "ESME_RINVREPFLAG";
    case CommandStatus::kRInvNumMsgs:
      return "ESME_RINVNUMMSGS";
    case CommandStatus::kRThrottled:
      return "ESME_RTHROTTLED";
    case CommandStatus::kRInvSched:
      return "ESME_RINVSCHED";
    case CommandStatus::kRInvExpiry:
      return "ESME_RINVEXPIRY";
    case CommandStatus::kRInvDftMsgId:
      return "ESME_RINVDFTMSGID";
    case CommandStatus::kRxTAppn:
      return "ESME_RX_T_APPN";
    case CommandStatus::kRxPAppn:
      return "ESME_RX_P_APPN";
    case CommandStatus::kRxRAppn:
      return "ESME_RX_R_APPN";
    case CommandStatus::kRQueryFail:
      return "ESME_RQUERYFAIL";
    case CommandStatus::kRInvOptParStream:
      return "ESME_RINVOPTPARSTREAM";
    case CommandStatus::kROptParNotAllwd:
      return "ESME_ROPTPARNOTALLWD";
    case CommandStatus::kRInvParLen:
      return "ESME_RINVPARLEN";
    case CommandStatus::kRMissingOptParam:
      return "ESME_RMISSINGOPTPARAM";
    case CommandStatus::kRInvOptParamVal:
      return "ESME_RINVOPTPARAMVAL";
    case CommandStatus::kRDeliveryFailure:
      return "ESME_RDELIVERYFAILURE";
    case CommandStatus::kRUnknownErr:
      return "ESME_RUNKNOWNERR";
  }
  return nullptr;
}

}  // namespace

std::string CommandStatusName(uint32_t status) {
  if (const char* name = KnownName(status)) return name;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s 0x%08X",
                status >= 0x400 && status <= 0x4FF ? "vendor status" : "status", status);
  return buf;
}

StatusConsequence Classify(uint32_t status) {
  switch (static_cast<CommandStatus>(status)) {
    case CommandStatus::kROk:
      return {StatusClass::kOk, false, false};
    case CommandStatus::kRThrottled:
    case CommandStatus::kRMsgQFul:
      return {StatusClass::kTemporary, true, false};
    case CommandStatus::kRInvBndSts:
      return {StatusClass::kTemporary, false, true};
    case CommandStatus::kRSysErr:
    case CommandStatus::kRxTAppn:
    case CommandStatus::kRSubmitFail:
    case CommandStatus::kRDeliveryFailure:
    case CommandStatus::kRUnknownErr:
      return {StatusClass::kTemporary, false, false};
    default:
      break;
  }
  if (KnownName(status) == nullptr) return {StatusClass::kTemporary, false, false};
  return {StatusClass::kPermanent, false, false};
}

}  // namespace smsgw::smpp
