#include "gateway/request_signing.h"

#include <charconv>

namespace smsgw::gateway {

namespace {

constexpr std::string_view kSchemeLabel = "smsgw-hmac-sha256-v1";
constexpr std::size_t kMaxKeyIdLength = 64;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsKeyIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string HmacHex(const store::SharedHmacKey& key, const SignedParts& parts,
                    int64_t unix_seconds) {
  return store::ToHex(key.Compute(CanonicalString(parts, unix_seconds)));
}

}  // namespace

std::string CanonicalString(const SignedParts& parts, int64_t unix_seconds) {
  store::Digest body_hash = store::Sha256(parts.body);
  std::string status = parts.status == 0 ? "-" : std::to_string(parts.status);
  std::string out;
  out.reserve(kSchemeLabel.size() + parts.method.size() + parts.target.size() +
              parts.idempotency_key.size() + 110);
  out.append(kSchemeLabel).push_back('\n');
  out.append(parts.method).push_back('\n');
  out.append(parts.target).push_back('\n');
  out.append(status).push_back('\n');
  out.append(std::to_string(unix_seconds)).push_back('\n');
  out.append(parts.idempotency_key).push_back('\n');
  out.append(store::ToHex(body_hash));
  return out;
}

Result<SignatureHeader> ParseSignatureHeader(std::string_view value) {
  SignatureHeader h;
  bool have_key = false, have_ts = false, have_sig = false;
  while (!value.empty()) {
    auto comma = value.find(',');
    std::string_view item = Trim(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    auto eq = item.find('=');
    if (eq == std::string_view::npos) return Status::InvalidArgument("signature field without '='");
    std::string_view name = item.substr(0, eq), v = item.substr(eq + 1);
    if (name == "keyId" && !have_key) {
      if (v.empty() || v.size() > kMaxKeyIdLength) {
        return Status::InvalidArgument("signature keyId has a bad length");
      }
      for (char c : v) {
        if (!IsKeyIdChar(c)) return Status::InvalidArgument("signature keyId has a bad character");
      }
      h.key_id = std::string(v);
      have_key = true;
    } else if (name == "ts" && !have_ts) {
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), h.timestamp);
      if (v.empty() || ec != std::errc() || end != v.data() + v.size() || h.timestamp < 0) {
        return Status::InvalidArgument("signature ts is not a unix time in seconds");
      }
      have_ts = true;
    } else if (name == "sig" && !have_sig) {
      if (v.size() != 64 || !IsLowerHex(v)) {
        return Status::InvalidArgument("signature sig is not 64 lower-case hex digits");
      }
      h.sig_hex = std::string(v);
      have_sig = true;
    } else {
      return Status::InvalidArgument("signature has an unknown or repeated field");
    }
  }
  if (!have_key || !have_ts || !have_sig) {
    return Status::InvalidArgument("signature needs keyId, ts and sig");
  }
  return h;
}

std::string FormatSignatureHeader(const SignatureHeader& header) {
  return "keyId=" + header.key_id + ",ts=" + std::to_string(header.timestamp) +
         ",sig=" + header.sig_hex;
}

RequestSigner::RequestSigner(std::string key_id, store::SecretBytes secret)
    : key_id_(std::move(key_id)), key_(std::make_unique<store::SharedHmacKey>(secret.view())) {}

RequestSigner RequestSigner::FromKey(const store::Key& key) {
  return RequestSigner(key.id(), store::SecretBytes(std::string(key.bytes())));
}

std::string RequestSigner::Sign(const SignedParts& parts, int64_t unix_seconds) const {
  return FormatSignatureHeader({key_id_, unix_seconds, HmacHex(*key_, parts, unix_seconds)});
}

std::string_view SignatureCheckName(SignatureCheck check) {
  switch (check) {
    case SignatureCheck::kValid:
      return "valid";
    case SignatureCheck::kMissing:
      return "missing_signature";
    case SignatureCheck::kMalformed:
      return "malformed_signature";
    case SignatureCheck::kUnknownKey:
      return "unknown_key";
    case SignatureCheck::kStale:
      return "stale_timestamp";
    case SignatureCheck::kMismatch:
      return "bad_signature";
  }
  return "bad_signature";
}

SignatureVerifier::SignatureVerifier(std::chrono::seconds max_skew) : max_skew_(max_skew) {}

void SignatureVerifier::AddKey(std::string key_id, store::SecretBytes secret) {
  keys_.insert_or_assign(std::move(key_id), std::make_unique<store::SharedHmacKey>(secret.view()));
}

void SignatureVerifier::AddKey(const store::Key& key) {
  AddKey(key.id(), store::SecretBytes(std::string(key.bytes())));
}

SignatureCheck SignatureVerifier::Verify(std::string_view header_value, const SignedParts& parts,
                                         int64_t now_unix) const {
  if (Trim(header_value).empty()) return SignatureCheck::kMissing;
  auto header = ParseSignatureHeader(header_value);
  if (!header.ok()) return SignatureCheck::kMalformed;
  auto key = keys_.find(header->key_id);
  if (key == keys_.end()) return SignatureCheck::kUnknownKey;
  // Compared as a difference of int64 seconds: both are far from overflow for real clocks, and
  // a hostile ts of up to 19 digits still parses into int64 (from_chars rejects larger).
  int64_t skew =
      now_unix > header->timestamp ? now_unix - header->timestamp : header->timestamp - now_unix;
  if (skew > max_skew_.count()) return SignatureCheck::kStale;
  std::string expected = HmacHex(*key->second, parts, header->timestamp);
  return store::ConstantTimeEqual(expected, header->sig_hex) ? SignatureCheck::kValid
                                                             : SignatureCheck::kMismatch;
}

}  // namespace smsgw::gateway
