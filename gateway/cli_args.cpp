#include "gateway/cli_args.h"

#include <algorithm>

#include "parser/edit_distance.h"

namespace smsgw::gateway {

std::optional<std::string> ParsedArgs::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string ParsedArgs::GetOr(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

namespace {

const OptionSpec* Find(std::span<const OptionSpec> specs, std::string_view name) {
  for (const auto& s : specs) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Status Unknown(std::span<const OptionSpec> specs, std::string_view name) {
  std::vector<std::string_view> names;
  for (const auto& s : specs) names.push_back(s.name);
  std::string msg = "unknown option --" + std::string(name);
  std::string_view hint = parser::ClosestMatch(name, names, 3);
  if (!hint.empty()) msg += " (did you mean --" + std::string(hint) + "?)";
  return Status::InvalidArgument(msg);
}

}  // namespace

Result<ParsedArgs> ParseArgs(std::span<const std::string> args, std::span<const OptionSpec> specs) {
  ParsedArgs out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      for (++i; i < args.size(); ++i) out.AddPositional(args[i]);
      break;
    }
    if (a.size() < 2 || a[0] != '-') {
      out.AddPositional(a);
      continue;
    }
    if (a[1] != '-') {
      if (a == "-h") {
        out.Set("help", "");
        continue;
      }
      return Status::InvalidArgument("unknown option " + a + " (options are spelled --name)");
    }
    std::string name = a.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (name == "help") {
      out.Set("help", "");
      continue;
    }
    const OptionSpec* spec = Find(specs, name);
    if (spec == nullptr) return Unknown(specs, name);
    if (spec->value_name.empty()) {
      if (inline_value) return Status::InvalidArgument("option --" + name + " takes no value");
      out.Set(name, "");
    } else if (inline_value) {
      out.Set(name, *inline_value);
    } else if (i + 1 < args.size()) {
      out.Set(name, args[++i]);
    } else {
      return Status::InvalidArgument("option --" + name + " needs a value <" + spec->value_name +
                                     ">");
    }
  }
  return out;
}

std::string FormatOptions(std::span<const OptionSpec> specs) {
  std::vector<std::string> heads;
  std::size_t width = 0;
  for (const auto& s : specs) {
    std::string head = "  --" + s.name;
    if (!s.value_name.empty()) head += " <" + s.value_name + ">";
    width = std::max(width, head.size());
    heads.push_back(std::move(head));
  }
  std::string out = "Options:\n";
  for (std::size_t i = 0; i < specs.size(); ++i) {
    out += heads[i] + std::string(width - heads[i].size() + 2, ' ') + specs[i].help + "\n";
  }
  out += "  --help" + std::string(width > 8 ? width - 8 + 2 : 2, ' ') + "show this help\n";
  return out;
}

}  // namespace smsgw::gateway
