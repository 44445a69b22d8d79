// Precompiled for every test suite's sources (Makefile: SUITE_PCH): what nearly all of them
// include and nothing in the project changes. Project headers stay out, so editing one does
// not rebuild every suite. A suite source still includes what it uses; this only makes the
// parse cheaper.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>
