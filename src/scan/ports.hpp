// The -p PORTS syntax of `dicomsec scan` (DESIGN.md §2).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace dicomsec::scan {

// DICOM upper-layer ports seen in the wild: 104 (PS3.8 well-known port), 11112 (PS3.8
// registered port), 4242 (Orthanc), 2761/2762 (DICOM-ISCL / DICOM over TLS, PS3.15 B.1).
inline constexpr std::string_view kDefaultPorts = "104,11112,4242,2761,2762";
// PS3.15 / IANA "dicom-tls": the registered port of DICOM over TLS.
inline constexpr std::uint16_t kDicomTlsPort = 2762;

// "104,11112,4242", "2760-2770" or a mix ("104, 2760-2770"); ports 1..65535. Duplicates are
// dropped keeping the first occurrence, so the caller's order (and so output order for a
// single host) is kept. Errors quote the list: "bad port list '70000': port 70000 ...".
Result<std::vector<std::uint16_t>> parse_ports(std::string_view spec);

}  // namespace dicomsec::scan
