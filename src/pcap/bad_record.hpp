// Where a capture file stops being readable: the byte offset of the first record (pcap) or
// block (pcapng) after the last packet libpcap returned. Computed only when a read failed,
// by walking the record/block headers again, so the packet path pays no ftello/lseek.
#pragma once

#include <cstdint>
#include <string>

namespace dicomsec::pcap::detail {

// `good_packets`: packets read whole before the failure.
std::uint64_t locate_bad_record(const std::string& path, std::uint64_t good_packets);

}  // namespace dicomsec::pcap::detail
