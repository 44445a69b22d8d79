#include <iostream>
#include <string>
#include <vector>

#include "gateway/subcommand.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  return smsgw::gateway::Dispatch(args, std::cout, std::cerr);
}
