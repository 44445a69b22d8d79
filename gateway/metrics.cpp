#include "gateway/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace smsgw::gateway {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  std::sort(bounds_.begin(), bounds_.end());
}

void Histogram::Observe(double v) {
  std::size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  if (v > 0) {
    sum_micros_.fetch_add(static_cast<uint64_t>(std::llround(v * 1e6)), std::memory_order_relaxed);
  }
}

uint64_t Histogram::CumulativeCount(std::size_t i) const {
  uint64_t total = 0;
  for (std::size_t j = 0; j <= i && j <= bounds_.size(); ++j) {
    total += buckets_[j].load(std::memory_order_relaxed);
  }
  return total;
}

double Histogram::sum() const {
  return static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6;
}

std::vector<double> LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,    0.25,    0.5,    1,     2.5,    5,     10,   30};
}

Registry::Family& Registry::GetFamily(const std::string& name, const std::string& help, Kind kind) {
  auto [it, inserted] = families_.try_emplace(name, Family{kind, help, {}, {}, {}});
  if (!inserted && it->second.kind != kind) {
    // Programming error at start-up: two metrics with one name but different types.
    throw std::logic_error("metric " + name + " registered with two types");
  }
  return it->second;
}

Counter& Registry::GetCounter(const std::string& name, const std::string& help, Labels labels) {
  std::lock_guard lock(mu_);
  Family& f = GetFamily(name, help, Kind::kCounter);
  auto& slot = f.counters[labels];
  if (slot == nullptr) slot = &counter_store_.emplace_back();
  return *slot;
}

Gauge& Registry::GetGauge(const std::string& name, const std::string& help, Labels labels) {
  std::lock_guard lock(mu_);
  Family& f = GetFamily(name, help, Kind::kGauge);
  auto& slot = f.gauges[labels];
  if (slot == nullptr) slot = &gauge_store_.emplace_back();
  return *slot;
}

Histogram& Registry::GetHistogram(const std::string& name, const std::string& help,
                                  std::vector<double> bounds, Labels labels) {
  std::lock_guard lock(mu_);
  Family& f = GetFamily(name, help, Kind::kHistogram);
  auto& slot = f.histograms[labels];
  if (slot == nullptr) slot = &histogram_store_.emplace_back(std::move(bounds));
  return *slot;
}

namespace {

std::string EscapeLabel(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string LabelText(const Labels& labels, const std::string& extra_key = "",
                      const std::string& extra_value = "") {
  if (labels.empty() && extra_key.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out.push_back(',');
    out += k + "=\"" + EscapeLabel(v) + "\"";
    first = false;
  }
  if (!extra_key.empty()) {
    if (!first) out.push_back(',');
    out += extra_key + "=\"" + extra_value + "\"";
  }
  out.push_back('}');
  return out;
}

std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

}  // namespace

std::string Registry::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    static constexpr const char* kTypes[] = {"counter", "gauge", "histogram"};
    out += "# HELP " + name + " " + f.help + "\n";
    out += "# TYPE " + name + " " + kTypes[static_cast<int>(f.kind)] + "\n";
    for (const auto& [labels, c] : f.counters) {
      out += name + LabelText(labels) + " " + std::to_string(c->value()) + "\n";
    }
    for (const auto& [labels, g] : f.gauges) {
      out += name + LabelText(labels) + " " + std::to_string(g->value()) + "\n";
    }
    for (const auto& [labels, h] : f.histograms) {
      for (std::size_t i = 0; i <= h->bounds().size(); ++i) {
        std::string le = i < h->bounds().size() ? Number(h->bounds()[i]) : "+Inf";
        out += name + "_bucket" + LabelText(labels, "le", le) + " " +
               std::to_string(h->CumulativeCount(i)) + "\n";
      }
      out += name + "_sum" + LabelText(labels) + " " + Number(h->sum()) + "\n";
      out += name + "_count" + LabelText(labels) + " " + std::to_string(h->count()) + "\n";
    }
  }
  return out;
}

}  // namespace smsgw::gateway
