// USSD menus: the `ussd:` section of conf/grammar.yaml, as a model the commands engine walks.
//
// A menu is a set of named screens. The service code opens the start screen; every screen
// asks one thing:
//   menu     numbered options, each going to another screen (or switching the language)
//   input    one value for a field of a grammar command, read and checked by that field's
//            FieldSpec exactly as in an SMS (types, bounds, normalisation, classes)
//   pin      the command's PIN, on a screen of its own (credentials travel alone)
//   confirm  "1 Yes 2 No" over the values gathered; Yes submits the command
// An input or PIN screen goes on to `next`, another screen of the same command or
// kUssdSubmit (submit without a confirmation, for queries such as the balance). Every
// screen but the start screen offers "0 Back" and "00 Home".
//
// Dialled strings: a declared code (the service code, or one of a screen's `codes`) opens
// its screen; the segments after the longest matching code are answers, fed to the screens
// in order ("*384*12*1*KPLC*123456*1500#"): a shortcut. docs/ussd.md is the admin's guide.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parser/template_text.h"

namespace smsgw::parser {

// Every screen, as sent, is at most this many characters (the USSD string limit).
inline constexpr std::size_t kUssdMaxScreenChars = 182;
// `next:` of an input or PIN screen that submits the command without a confirmation.
inline constexpr std::string_view kUssdSubmit = "submit";
// Answers that navigate on every screen but the start screen.
inline constexpr std::string_view kUssdBack = "0";
inline constexpr std::string_view kUssdHome = "00";

enum class UssdScreenKind : uint8_t { kMenu, kInput, kPin, kConfirm };

struct UssdOption {
  std::vector<std::string> labels;      // per language index
  std::string go;                       // the screen it opens; empty: this screen again
  std::optional<std::size_t> language;  // switches the dialogue's language first
  SourceMark mark;
};

struct UssdScreen {
  std::string name;
  UssdScreenKind kind = UssdScreenKind::kMenu;
  // The screen's text per language. Its placeholders are the command's fields (shown as SMS
  // replies show them: accounts masked, amounts formatted; credentials are never placeholders).
  // Rendered through parser::Render like any template.
  Template text;
  std::vector<UssdOption> options;  // kMenu
  std::string command;              // kInput, kPin, kConfirm: the grammar command
  std::string field;                // kInput: the command's field; kPin: the PIN's name
  std::string next;                 // kInput, kPin: a screen name or kUssdSubmit
  std::vector<std::string> codes;   // entry codes that open this screen
  SourceMark mark;
  std::vector<SourceMark> text_marks;  // per language, for diagnostics
};

struct UssdSection {
  struct Entry {
    std::string code;        // "*384*12*1#"
    std::size_t screen = 0;  // index into screens
  };

  std::string service_code;  // "*384*12#"; empty when the section is absent
  std::string start;         // the screen the service code opens
  std::vector<UssdScreen> screens;
  // Per language index: the navigation and confirmation labels.
  std::vector<std::string> back, home, yes, no;
  std::vector<Entry> entries;  // every code, longest first

  bool enabled() const { return !screens.empty(); }
  const UssdScreen* Find(std::string_view name) const;
  // The screen a dialled string opens and the answers it carries; nullopt for a string no
  // code of the section starts. "*384*12*1*500#" with code "*384*12#" -> (start, {"1","500"}).
  struct Dial {
    const UssdScreen* screen = nullptr;
    std::vector<std::string> answers;
  };
  std::optional<Dial> Resolve(std::string_view dialled) const;
};

}  // namespace smsgw::parser
