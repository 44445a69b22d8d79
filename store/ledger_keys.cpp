#include "store/ledger_keys.h"

namespace smsgw::store {

namespace {

// HKDF-Expand (RFC 5869) for a single 32-byte block: T(1) = HMAC(PRK, info || 0x01). The pepper
// is already a uniformly random key, so it serves as the PRK without an extract step.
SecretBytes Subkey(std::string_view pepper, std::string_view label) {
  std::string info(label);
  info.push_back('\x01');
  Digest d = HmacSha256(pepper, info);
  return SecretBytes(std::string(DigestBytes(d)));
}

// Splits "v1:<key id>:<payload>" after the second colon; npos when the form is wrong.
std::size_t PayloadStart(std::string_view sealed) {
  std::size_t first = sealed.find(':');
  if (first == std::string_view::npos) return first;
  std::size_t second = sealed.find(':', first + 1);
  return second == std::string_view::npos ? second : second + 1;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

Result<std::shared_ptr<const LedgerKeys>> LedgerKeys::FromPepper(const Key& pepper) {
  SecretBytes seal_bytes = Subkey(pepper.bytes(), "smsgw ledger seal v1");
  Result<Key> seal_key = Key::FromBytes(seal_bytes.view());
  if (!seal_key.ok()) return seal_key.status();
  const SecretBytes lookup = Subkey(pepper.bytes(), "smsgw ledger lookup v1");
  const SecretBytes request = Subkey(pepper.bytes(), "smsgw ledger request v1");
  return std::shared_ptr<const LedgerKeys>(new LedgerKeys(pepper.bytes(), pepper.id(),
                                                          lookup.view(), request.view(),
                                                          KeyRing(std::move(seal_key).value())));
}

Digest LedgerKeys::PinHash(std::string_view salt, std::string_view pin) const {
  std::string data;
  data.reserve(salt.size() + pin.size());
  data.append(salt).append(pin);
  Digest d = pin_mac_.Compute(data);
  Wipe(data);
  return d;
}

Digest LedgerKeys::AccountNumberHash(std::string_view number) const {
  return lookup_mac_.Compute("account:" + std::string(number));
}

Digest LedgerKeys::WithdrawalCodeHash(std::string_view recipient, std::string_view code) const {
  return lookup_mac_.Compute("withdrawal:" + std::string(recipient) + ":" + std::string(code));
}

Digest LedgerKeys::PayloadHash(std::string_view canonical_payload) const {
  return request_mac_.Compute(canonical_payload);
}

Result<std::string> LedgerKeys::SealBlob(std::string_view plaintext, std::string_view aad) const {
  Result<std::string> sealed = Seal(seal_, plaintext, aad);
  if (!sealed.ok()) return sealed.status();
  std::size_t start = PayloadStart(*sealed);
  std::string_view hex = std::string_view(*sealed).substr(start == std::string::npos ? 0 : start);
  if (start == std::string::npos || hex.size() % 2 != 0) {
    return Status::Internal("sealed value has an unexpected form");
  }
  std::string blob = sealed->substr(0, start);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = HexDigit(hex[i]);
    int lo = HexDigit(hex[i + 1]);
    if (hi < 0 || lo < 0) return Status::Internal("sealed value has an unexpected form");
    blob.push_back(static_cast<char>(hi << 4 | lo));
  }
  return blob;
}

Result<SecretBytes> LedgerKeys::OpenBlob(std::string_view blob, std::string_view aad) const {
  std::size_t start = PayloadStart(blob);
  if (start == std::string_view::npos) return Status::Corruption("sealed ledger value is damaged");
  std::string_view raw = blob.substr(start);
  std::string sealed(blob.substr(0, start));
  sealed += ToHex({reinterpret_cast<const uint8_t*>(raw.data()), raw.size()});
  return Open(seal_, sealed, aad);
}

}  // namespace smsgw::store
