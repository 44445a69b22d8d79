#include <sqlite3.h>

#include <iostream>
#include <string>
#include <vector>

#include "gateway/subcommand.h"

int main(int argc, char** argv) {
  // No global allocation statistics in SQLite: keeping them takes a process-wide mutex on every
  // allocation, and nothing here reads them. Must come before SQLite's first use.
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  std::vector<std::string> args(argv, argv + argc);
  return smsgw::gateway::Dispatch(args, std::cout, std::cerr);
}
