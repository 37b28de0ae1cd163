#include "probes/web/port_plan.hpp"

#include <algorithm>
#include <chrono>

namespace dicomsec::probes {

namespace {

void adopt(record::ScanRecord& rec, web::WebOutcome& w) {
  rec.web = std::move(w.web);
  rec.status = record::Status::Success;
  rec.detail.clear();
}

}  // namespace

asio::awaitable<record::ScanRecord> probe_port(asio::any_io_executor ex,
                                             asio::ip::tcp::endpoint target, const PortPlan& plan,
                                             std::uint64_t seed) {
  const auto started = net::Clock::now();
  const bool web_port = plan.runner && std::find(plan.web_ports.begin(), plan.web_ports.end(),
                                                 target.port()) != plan.web_ports.end();
  if (web_port) {
    auto w = co_await web::web_check(ex, target, plan.web, *plan.runner);
    const bool listening = record::port_open(w.status);
    if (w.web || !listening) {
      record::ScanRecord rec;
      rec.ip = target.address().to_string();
      rec.port = target.port();
      rec.status = w.status;
      rec.detail = std::move(w.detail);
      rec.connect_ms = w.connect_ms;
      if (w.web) adopt(rec, w);
      rec.duration_ms = static_cast<std::uint64_t>(
          std::chrono::duration_cast<net::Millis>(net::Clock::now() - started).count());
      co_return rec;
    }
    // Something listens but does not speak HTTP(S): maybe DICOM on a web-ish port.
    auto rec = co_await dicom_probe(ex, target, plan.dicom, seed);
    if (!rec.dicom && !w.detail.empty()) rec.detail += "; web probe: " + w.detail;
    rec.duration_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<net::Millis>(net::Clock::now() - started).count());
    co_return rec;
  }
  auto rec = co_await dicom_probe(ex, target, plan.dicom, seed);
  if (plan.runner && rec.answered_http && !rec.dicom) {
    auto w = co_await web::web_check(ex, target, plan.web, *plan.runner);
    if (w.web) adopt(rec, w);
    rec.duration_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<net::Millis>(net::Clock::now() - started).count());
  }
  co_return rec;
}

}  // namespace dicomsec::probes
