// Sans-IO enumeration planner of the TLS audit: decides which ClientHello to send next and
// learns from each answer. Versions and suites are found by offering everything a version
// allows and removing each suite the server picks until it refuses; server preference by
// re-offering the accepted suites in reverse; key exchange groups by the same removal on
// supported_groups (TLS 1.3: an empty key_share makes the server name its group in a
// HelloRetryRequest). Questions of different tracks are independent, so the driver may
// ask several at once; each track has at most one question outstanding. Bounded by a
// handshake budget.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "tlsinspect/server_flight.hpp"
#include "tlsinspect/suites.hpp"

namespace dicomsec::tlsinspect {

struct PlannerOptions {
  std::vector<Version> versions{std::begin(kAllVersions), std::end(kAllVersions)};
  unsigned max_handshakes = 600;  // hard cap on questions for one target
  bool server_preference = true;
  bool groups = true;
  std::string sni;
  std::uint64_t seed = 0;
};

// How one question ended, as the driver saw it.
enum class Outcome {
  Answered,       // the parser completed: ServerHello / HelloRetryRequest / Alert
  NotTls,         // the first bytes were not a TLS record
  Malformed,      // TLS, but broken (see detail)
  Truncated,      // the connection ended inside a record or message
  Closed,         // the connection ended before any byte
  Reset,          // RST
  Timeout,        // silence until the deadline
  ConnectFailed,  // no TCP connection
};
std::string_view outcome_name(Outcome o);

struct Answer {
  Outcome outcome = Outcome::Answered;
  Flight flight;       // what was decoded (possibly partial)
  std::string detail;  // one line, for the record
};

struct Question {
  std::size_t track = 0;
  Bytes client_hello;
  std::string what;  // e.g. "TLSv1.2 suites, 37 offered"
};

struct VersionResult {
  Version version{};
  std::optional<bool> accepted;       // nullopt: not decided (budget, transport trouble)
  std::vector<std::uint16_t> suites;  // in the order the server picked them
  std::optional<bool> server_preference;
  bool complete = false;  // suite enumeration ran to the server's refusal
};

struct PlannerResult {
  std::vector<VersionResult> versions;    // in kAllVersions order, those asked about
  std::vector<std::uint16_t> groups;      // in discovery order
  std::optional<bool> server_preference;  // from the highest version with >= 2 suites
  unsigned handshakes = 0;
  bool certificate_request = false;      // seen in a TLS <= 1.2 flight
  std::optional<unsigned> min_dh_bits;   // smallest DHE prime the server sent
  std::optional<bool> encrypt_then_mac;  // acknowledged with a CBC suite (<= 1.2)
  std::vector<Bytes> certificates;       // first TLS <= 1.2 chain seen
  bool any_tls = false;                  // some answer was TLS (hello or alert)
  bool not_tls = false;                  // the first answer was not TLS
  bool budget_exhausted = false;
  std::optional<Outcome> trouble;  // first non-answer outcome, if any
  std::string trouble_detail;
  std::optional<Alert> last_alert;
};

class AuditPlanner {
 public:
  explicit AuditPlanner(PlannerOptions options);

  // A question that can be asked now, or nullopt (none ready: wait for answers, or done()).
  std::optional<Question> next();
  void answer(const Question& question, const Answer& answer);
  [[nodiscard]] bool done() const;
  [[nodiscard]] std::size_t outstanding() const { return outstanding_; }
  [[nodiscard]] const PlannerResult& result() const { return result_; }

 private:
  enum class Kind { Suites, Preference, Groups13, Groups12 };
  struct Track {
    Kind kind = Kind::Suites;
    Version version = Version::Tls12;
    bool waiting = false;  // a question is out
    bool finished = false;
    bool started = false;
    std::vector<std::uint16_t> offer;   // suites still to offer (Suites) / fixed offer
    std::vector<std::uint16_t> groups;  // groups still to offer (Groups*)
  };

  Question ask(std::size_t index);
  void on_suites(Track& t, VersionResult& vr, const Answer& a);
  void on_groups(Track& t, const Answer& a);
  void note_trouble(const Answer& a);
  void add_followups();
  VersionResult& version_result(Version v);

  PlannerOptions options_;
  std::vector<Track> tracks_;
  PlannerResult result_;
  std::size_t outstanding_ = 0;
  std::uint64_t asked_ = 0;
  bool followups_added_ = false;
};

}  // namespace dicomsec::tlsinspect
