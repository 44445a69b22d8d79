#include "gateway/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace smsgw::gateway {
namespace {

TEST(Metrics, CounterWithLabelsRenders) {
  Registry r;
  r.GetCounter("smsgw_mo_total", "MOs by outcome", {{"outcome", "accepted"}}).Add(3);
  r.GetCounter("smsgw_mo_total", "MOs by outcome", {{"outcome", "duplicate"}}).Add();
  EXPECT_EQ(r.Render(),
            "# HELP smsgw_mo_total MOs by outcome\n"
            "# TYPE smsgw_mo_total counter\n"
            "smsgw_mo_total{outcome=\"accepted\"} 3\n"
            "smsgw_mo_total{outcome=\"duplicate\"} 1\n");
}

TEST(Metrics, SameLabelsSameObject) {
  Registry r;
  Counter& a = r.GetCounter("c", "h", {{"k", "v"}});
  Counter& b = r.GetCounter("c", "h", {{"k", "v"}});
  EXPECT_EQ(&a, &b);
}

TEST(Metrics, HistogramIsCumulative) {
  Registry r;
  Histogram& h = r.GetHistogram("lat_seconds", "latency", {0.001, 0.01});
  h.Observe(0.0005);
  h.Observe(0.005);
  h.Observe(0.005);
  h.Observe(1.0);
  std::string text = r.Render();
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"0.001\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"0.01\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"+Inf\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_count 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_sum 1.0105\n"), std::string::npos) << text;
}

TEST(Metrics, ConcurrentUpdatesAreNotLost) {
  Registry r;
  Counter& c = r.GetCounter("n", "h");
  Gauge& g = r.GetGauge("g", "h");
  std::thread t1([&] {
    for (int i = 0; i < 100000; ++i) c.Add(), g.Add(1);
  });
  std::thread t2([&] {
    for (int i = 0; i < 100000; ++i) c.Add(), g.Add(-1);
  });
  t1.join();
  t2.join();
  EXPECT_EQ(c.value(), 200000u);
  EXPECT_EQ(g.value(), 0);
}

TEST(Metrics, TwoTypesForOneNameIsABug) {
  Registry r;
  r.GetCounter("x", "h");
  EXPECT_THROW(r.GetGauge("x", "h"), std::logic_error);
}

}  // namespace
}  // namespace smsgw::gateway
