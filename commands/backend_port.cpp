#include "commands/backend_port.h"

#include <memory>

namespace smsgw::commands {

namespace {

constexpr FieldSpec kBillPayFields[] = {{field::kBiller, FieldType::kText, true},
                                        {field::kBillRef, FieldType::kText, true},
                                        {field::kAmount, FieldType::kAmount, true}};
constexpr FieldSpec kTransferFields[] = {{field::kRecipient, FieldType::kMsisdn, true},
                                         {field::kAmount, FieldType::kAmount, true}};
constexpr FieldSpec kWithdrawFields[] = {{field::kAgent, FieldType::kText, true},
                                         {field::kAmount, FieldType::kAmount, true}};
constexpr FieldSpec kCashOutFields[] = {{field::kRecipient, FieldType::kMsisdn, true},
                                        {field::kCode, FieldType::kText, true}};
constexpr FieldSpec kAirtimeFields[] = {{field::kAmount, FieldType::kAmount, true},
                                        {field::kRecipient, FieldType::kMsisdn, false}};

// {name, needs_pin, needs_new_pin, needs_account, fields}
constexpr OperationSpec kOperations[] = {
    {op::kBind, true, false, true, {}},
    {op::kBillPay, true, false, false, kBillPayFields},
    {op::kTransfer, true, false, false, kTransferFields},
    {op::kWithdraw, true, false, false, kWithdrawFields},
    {op::kCashOut, true, false, false, kCashOutFields},
    {op::kAirtimeTopUp, true, false, false, kAirtimeFields},
    {op::kBalance, true, false, false, {}},
    {op::kStatement, true, false, false, {}},
    {op::kPinVerify, true, false, false, {}},
    {op::kPinChange, true, true, false, {}},
    {op::kLock, false, false, false, {}},
};

bool AllDigits(std::string_view s, std::size_t min, std::size_t max) {
  if (s.size() < min || s.size() > max) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsPrintable(std::string_view s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s) {
    if (c < ' ' || c > '~') return false;
  }
  return true;
}

bool IsMsisdn(std::string_view s) {
  return AllDigits(s, 8, 15);
}

bool ValidField(const FieldSpec& spec, const FieldValue& value) {
  if (spec.type == FieldType::kAmount) {
    const int64_t* amount = std::get_if<int64_t>(&value);
    return amount && *amount > 0;
  }
  const std::string* text = std::get_if<std::string>(&value);
  if (!text) return false;
  return spec.type == FieldType::kMsisdn ? IsMsisdn(*text) : IsPrintable(*text, 64);
}

void Append(std::string& out, char tag, std::string_view bytes) {
  out.push_back(tag);
  out.append(std::to_string(bytes.size()));
  out.push_back(':');
  out.append(bytes);
}

}  // namespace

const std::string* FindText(const Fields& fields, std::string_view name) {
  auto it = fields.find(name);
  return it == fields.end() ? nullptr : std::get_if<std::string>(&it->second);
}

std::optional<int64_t> FindInt(const Fields& fields, std::string_view name) {
  auto it = fields.find(name);
  if (it == fields.end()) return std::nullopt;
  const int64_t* v = std::get_if<int64_t>(&it->second);
  return v ? std::optional<int64_t>(*v) : std::nullopt;
}

std::span<const OperationSpec> Operations() {
  return kOperations;
}

const OperationSpec* FindOperation(std::string_view name) {
  for (const OperationSpec& spec : kOperations) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

Status ValidateInstruction(const Instruction& in) {
  if (!IsPrintable(in.id, 128) || in.id.find(' ') != std::string::npos) {
    return Status::InvalidArgument("id");
  }
  const OperationSpec* spec = FindOperation(in.operation);
  if (!spec) return Status::InvalidArgument("operation");
  if (!IsMsisdn(in.msisdn)) return Status::InvalidArgument("msisdn");
  for (const FieldSpec& f : spec->fields) {
    auto it = in.fields.find(f.name);
    if (it == in.fields.end() ? f.required : !ValidField(f, it->second)) {
      return Status::InvalidArgument(std::string(f.name));
    }
  }
  for (const auto& [name, value] : in.fields) {
    bool known = false;
    for (const FieldSpec& f : spec->fields) known = known || f.name == name;
    if (!known) return Status::InvalidArgument(name);
  }
  if (spec->needs_pin != !in.pin.empty() || (!in.pin.empty() && !AllDigits(in.pin.view(), 4, 6))) {
    return Status::InvalidArgument("pin");
  }
  if (spec->needs_new_pin != !in.new_pin.empty()) return Status::InvalidArgument("new_pin");
  if (spec->needs_account != !in.account.empty() ||
      (!in.account.empty() && !AllDigits(in.account.view(), 6, 20))) {
    return Status::InvalidArgument("account");
  }
  return Status::OK();
}

store::SecretBytes CanonicalPayload(const Instruction& in) {
  // Reserved up front: a reallocation after the PIN is in would free an unwiped copy.
  std::size_t size = 64 + in.operation.size() + in.msisdn.size() + in.pin.size() +
                     in.new_pin.size() + in.account.size();
  for (const auto& [name, value] : in.fields) {
    size += 48 + name.size();
    if (const std::string* text = std::get_if<std::string>(&value)) size += text->size();
  }
  std::string out;
  out.reserve(size);
  out.append("smsgw-instruction-v1");
  Append(out, 'o', in.operation);
  Append(out, 'm', in.msisdn);
  for (const auto& [name, value] : in.fields) {
    Append(out, 'f', name);
    if (const int64_t* amount = std::get_if<int64_t>(&value)) {
      Append(out, 'i', std::to_string(*amount));
    } else {
      Append(out, 's', std::get<std::string>(value));
    }
  }
  Append(out, 'p', in.pin.view());
  Append(out, 'n', in.new_pin.view());
  Append(out, 'a', in.account.view());
  return store::SecretBytes(std::move(out));
}

BackendResult BackendResult::Accepted(Fields fields) {
  BackendResult r;
  r.outcome = Outcome::kAccepted;
  r.fields = std::move(fields);
  return r;
}

BackendResult BackendResult::Rejected(std::string_view reason, std::string_view detail) {
  BackendResult r;
  r.outcome = Outcome::kRejected;
  r.reason = reason;
  r.detail = detail;
  return r;
}

BackendResult BackendResult::Unavailable(std::string_view detail, std::string diagnostic) {
  BackendResult r;
  r.outcome = Outcome::kUnavailable;
  r.detail = detail;
  r.diagnostic = std::move(diagnostic);
  return r;
}

void Backend::SubmitBatch(std::vector<Instruction> instructions, BatchCompletion done) {
  auto shared = std::make_shared<BatchCompletion>(std::move(done));
  for (size_t i = 0; i < instructions.size(); ++i) {
    Submit(std::move(instructions[i]),
           [shared, i](BackendResult result) { (*shared)(i, std::move(result)); });
  }
}

}  // namespace smsgw::commands
