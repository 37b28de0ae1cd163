// Times as ISO 8601 / RFC 3339 text in UTC, the one form every record, report, log line and
// audit message writes ("2026-11-25T21:00:00Z"). One formatter, so that stores, goldens and
// string comparisons of times (import --since, sorting) agree byte for byte. Pure: the
// caller passes the time; nothing here reads a clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>

namespace dicomsec {

// "2026-11-25T21:00:00Z": to the second. "" when the time has no calendar date (gmtime
// fails: years beyond what std::tm holds).
std::string iso8601_utc(std::int64_t unix_seconds);
// A broken-down UTC time (what OpenSSL's ASN1_TIME_to_tm gives) in the same form.
std::string iso8601_utc(const std::tm& utc);
// "2026-11-25T21:00:00.042Z": milliseconds (the audit messages, PS3.15 A.5 EventDateTime).
std::string iso8601_utc_ms(std::int64_t unix_ms);
std::string iso8601_utc_ms(std::chrono::system_clock::time_point t);
// "2026-11-25T21:00:00.000042Z": microseconds (pcap flow start and end).
std::string iso8601_utc_us(std::int64_t unix_us);

}  // namespace dicomsec
