// Every key of conf/gateway.yaml as the schema defines it: its path, kind, default, range, and
// whether SIGHUP applies it. The test that keeps docs/configuration.md in step with the code
// reads this; so could a tool that prints the reference.
#pragma once

#include <string>
#include <vector>

namespace smsgw::conf {

struct KeyInfo {
  std::string path;           // "smpp.connections[].port"; "[]" stands for any entry
  std::string type;           // "integer", "duration", "string", "path", "enum", ...
  std::string default_value;  // as written in the file ("10s", "\"en\""); empty when required
  std::string range;          // "1-65535", "transceiver | transmitter_receiver", ...
  bool required = false;      // as far as the schema alone says (see docs for conditions)
  bool reload = false;        // true: SIGHUP applies it; false: restart-only
  bool section = false;       // a mapping or a list of mappings, not a value
};

// In schema order, sections before their keys.
std::vector<KeyInfo> ConfigKeys();

}  // namespace smsgw::conf
