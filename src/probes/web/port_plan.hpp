// Which probe a host:port gets (docs/design.md "Which probe a port gets"): at level safe the
// DICOM probe only; at auth and above, ports in web_ports get the web probe first (and the
// DICOM probe when they do not answer HTTP), every other port the DICOM probe first (and the
// web probe when its answer to our A-ASSOCIATE-RQ began "HTTP/").
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <cstdint>
#include <vector>

#include "probes/dicom_ul/dicom_probe.hpp"
#include "probes/web/web_probe.hpp"

namespace dicomsec::probes {

// HTTP(S) ports added to the defaults at level auth and above: 80/443 (HTTP/HTTPS), 8042
// (Orthanc's default HttpPort), 8080/8443 (dcm4chee-arc-light's HTTP/HTTPS, Tomcat/WildFly).
inline constexpr std::string_view kDefaultWebPorts = "80,443,8042,8080,8443";

struct PortPlan {
  DicomProbeOptions dicom;
  web::WebProbeOptions web;
  web::WebRunner* runner = nullptr;  // null: no web probe (level safe)
  std::vector<std::uint16_t> web_ports;
};

asio::awaitable<record::ScanRecord> probe_port(asio::any_io_executor ex,
                                             asio::ip::tcp::endpoint target, const PortPlan& plan,
                                             std::uint64_t seed);

}  // namespace dicomsec::probes
