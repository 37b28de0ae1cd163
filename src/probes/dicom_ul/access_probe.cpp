#include "probes/dicom_ul/access_probe.hpp"

#include <fmt/format.h>

#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>
#include <ctime>
#include <random>
#include <vector>

#include "dicom/identifiers.hpp"
#include "dicom/uids.hpp"
#include "dul/pdu.hpp"
#include "net/pump.hpp"
#include "probes/dicom_ul/access_client.hpp"
#include "probes/dicom_ul/association_client.hpp"
#include "probes/dicom_ul/called_ae_titles.hpp"
#include "probes/dicom_ul/dicom_probe.hpp"
#include "probes/dicom_ul/follow_up.hpp"
#include "probes/tls/transport.hpp"

namespace dicomsec::probes {

namespace {

using record::Permission;

static_assert(net::SansIoClient<AccessClient>);
static_assert(net::SansIoClient<AssociationClient>);

// PS3.8 9.3.4: rejected by the service user, reason 7 "called AE title not recognised".
bool called_ae_rejected(const record::AssociationRecord& a) {
  return a.result == record::AssociationResult::Rejected && a.reject && a.reject->source == 1 &&
         a.reject->reason == 7;
}

// PS3.8 9.3.4: result 2 is "rejected-transient" (busy, local limit exceeded).
bool transient(const record::AssociationRecord& a) {
  return a.result == record::AssociationResult::Rejected && a.reject && a.reject->result == 2;
}

// One connection (inside TLS when the service is TLS) carrying one association of
// `client`, driven by net::pump to its end or a deadline of budget_ios I/O timeouts. Returns
// why no connection could be made, or nothing.
template <class Client>
asio::awaitable<std::optional<std::string>> drive(asio::any_io_executor ex,
                                                  const asio::ip::tcp::endpoint& target,
                                                  const AccessProbeOptions& o,
                                                  const tls::ClientTls* tls, Client& client,
                                                  std::size_t budget_ios) {
  auto t = co_await tls::open_transport(ex, target, {o.connect_timeout, o.io_timeout, 0}, tls);
  if (!t.ok()) co_return t.detail.empty() ? std::string("no connection") : t.detail;
  const auto budget = static_cast<net::Millis::rep>(budget_ios) * o.io_timeout;
  co_await net::pump(t.conn, client, {o.io_timeout, o.io_timeout, budget});
  t.conn->close();
  co_return std::nullopt;
}

asio::awaitable<void> pause(asio::any_io_executor ex, net::Millis d) {
  asio::steady_timer t(ex);
  t.expires_after(d);
  co_await t.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
}

std::string today() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return fmt::format("{:04}{:02}{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

void deny_all(record::AccessRecord& a, const std::string& why) {
  a.find.state = a.move.state = a.get.state = Permission::Denied;
  a.find.evidence = a.move.evidence = a.get.evidence = why;
}

}  // namespace

std::vector<std::string> store_cleanup(const record::ScanRecord& r, std::string_view study_uid,
                                       std::string_view series_uid, std::string_view instance_uid) {
  std::vector<std::string> out;
  out.push_back(fmt::format(
      "dicomsec test object: patient {} / {}, Study Instance UID {}, "
      "Series Instance UID {}, SOP Instance UID {}",
      dicom::kTestPatientName, dicom::kTestPatientId, study_uid, series_uid, instance_uid));
  const std::string product = r.product ? r.product->name : "";
  const std::string app = r.product && r.product->application ? *r.product->application : "";
  if (product == "Orthanc" || app == "Orthanc") {
    out.push_back(fmt::format(
        "Orthanc: find its id with curl -X POST http://HOST:8042/tools/lookup -d '{}', then "
        "curl -X DELETE http://HOST:8042/instances/ID (or delete the patient {} in Orthanc "
        "Explorer)",
        instance_uid, dicom::kTestPatientId));
  } else if (app == "dcmqrscp") {
    out.push_back(fmt::format(
        "dcmqrscp: stop it, delete the file of SOP Instance UID {} from the called AE's storage "
        "area (dcmqrscp.cfg AETable) and its entry in that area's index.dat, or use dcmqridx "
        "to rebuild the index without it",
        instance_uid));
  } else if (app == "storescp") {
    out.push_back(fmt::format(
        "storescp: delete the file named after SOP Instance UID {} (SC.{}) in its output "
        "directory (-od)",
        instance_uid, instance_uid));
  }
  out.push_back(
      fmt::format("any PACS: delete the study {} (patient {}) with the product's own tools; its "
                  "description says DICOMSEC ACCESS TEST - SAFE TO DELETE",
                  study_uid, dicom::kTestPatientName));
  return out;
}

asio::awaitable<void> access_probe(asio::any_io_executor ex, asio::ip::tcp::endpoint target,
                                   const AccessProbeOptions& o, std::uint64_t seed,
                                   record::ScanRecord& rec) {
  if (!rec.dicom || !rec.association) co_return;
  record::AccessRecord a;
  a.move.evidence = a.get.evidence = "not tried";
  a.store.evidence = o.intrusive ? "not tried" : "not tried: needs --level intrusive";
  // Fresh UIDs on every run, even with a fixed --seed: a test object must never reuse one.
  std::mt19937_64 rng(seed ^
                      (std::uint64_t{std::random_device{}()} << 32 | std::random_device{}()));
  dul::Limits limits;
  limits.max_pdu_length = std::max<std::uint32_t>(o.max_pdu_receive, 16 * 1024);
  // A TLS service (the record says the safe probe ran inside TLS) is checked inside TLS,
  // with the same client setup (--ca/--cert/--key) as dicom_probe_tls.
  std::optional<tls::ClientTls> tls_setup;
  if (rec.tls) {
    std::string error;
    tls_setup = tls::make_client_tls(o.tls, error);
    if (!tls_setup) {
      a.error = "TLS client setup failed: " + error;
      rec.access = std::move(a);
      co_return;
    }
  }
  const tls::ClientTls* tls = tls_setup ? &*tls_setup : nullptr;

  // 1. The called AE title. Each association is retried with back-off (follow_up.hpp) while
  // it gets no DICOM answer or a transient rejection (PS3.8 9.3.4 result 2, e.g. dcmqrscp's
  // MaxAssociations reached, or a one-association-at-a-time server still busy).
  std::optional<record::AssociationRecord> last;  // the last answer, for the evidence
  std::string no_answer;                          // why the last try got no DICOM answer
  auto try_called =
      [&](std::string title) -> asio::awaitable<std::optional<record::AssociationRecord>> {
    follow_up::Backoff backoff;
    for (;;) {
      AssociationClient probe(
          AssociationPlan{o.calling_ae,
                          title,
                          {{1,
                            std::string(dicom::uid::kVerification),
                            {std::string(dicom::uid::kImplicitVrLittleEndian)}}},
                          o.max_pdu_receive,
                          false},
          limits);
      ++a.associations;
      const auto failed = co_await drive(ex, target, o, tls, probe, 3);
      std::optional<record::AssociationRecord> answer;
      if (!failed && probe.dicom()) {
        answer = probe.record();
        if (!transient(*answer)) co_return answer;
      } else {
        no_answer = failed                   ? *failed
                    : probe.protocol_error() ? *probe.protocol_error()
                                             : std::string("no DICOM answer");
      }
      if (!co_await backoff.again(ex)) {
        if (!answer) no_answer = fmt::format("{} ({} tries)", no_answer, backoff.attempts());
        co_return answer;
      }
    }
  };
  std::optional<std::string> called;
  const auto& first = *rec.association;
  last = first;
  if (first.result == record::AssociationResult::Accepted) {
    called = first.called_ae;
  } else if (transient(first)) {
    last = co_await try_called(first.called_ae);
    if (last && last->result == record::AssociationResult::Accepted) called = first.called_ae;
  }
  if (!called && last && called_ae_rejected(*last) && o.discover_called_ae) {
    for (const auto& d : kDefaultCalledAeTitles) {
      if (d.title == first.called_ae) continue;
      co_await pause(ex, o.discovery_interval);
      a.called_ae_tried.emplace_back(d.title);
      last = co_await try_called(std::string(d.title));
      if (!last) break;
      if (last->result == record::AssociationResult::Accepted) {
        called = std::string(d.title);
        a.discovered_called_ae = called;
        break;
      }
      // Rejected for another reason than the called AE: the title is not what is refused.
      if (!called_ae_rejected(*last)) break;
    }
  }
  if (!called) {
    const bool busy = !last || transient(*last);
    const auto tried = a.called_ae_tried.empty()
                           ? std::string()
                           : fmt::format(", also for {} vendor default called AE titles",
                                         a.called_ae_tried.size());
    const auto why =
        !last ? "not tested: no DICOM answer to a further association: " + no_answer
        : last->reject
            ? fmt::format("{}: association rejected ({}{}){}",
                          busy ? "not tested" : "no DIMSE request possible",
                          dul::reject_reason_name(last->reject->source, last->reject->reason),
                          busy ? std::string(", retried with back-off") : "", tried)
            : std::string("no DIMSE request possible: the association was not accepted");
    deny_all(a, why);
    if (busy) a.find.state = a.move.state = a.get.state = Permission::Untested;
    if (o.intrusive) {
      a.store.state = busy ? Permission::Untested : Permission::Denied;
      a.store.evidence = why;
    }
    a.association = last ? last->result : first.result;
    rec.access = std::move(a);
    co_return;
  }
  a.called_ae = called;

  // 2. The access association(s).
  AccessPlan plan;
  plan.calling_ae = o.calling_ae;
  plan.called_ae = *called;
  plan.max_pdu_receive = o.max_pdu_receive;
  plan.find_cap = o.find_cap;
  plan.retrieve_study_uid = dicom::derived_uid(4, rng);
  plan.move_destination = random_ae_title(rng);
  if (o.intrusive) {
    plan.store = dicom::make_test_object(rng, today());
    plan.ops.push_back(AccessOp::Store);
  }
  // One association per operation at most: a peer that aborts each refused request. An
  // association that got no DICOM answer or a transient rejection is tried again with
  // back-off (follow_up.hpp); it sent no request, so a retry repeats nothing.
  follow_up::Backoff backoff;
  AccessResult checks;  // the clients' results, carried from one association to the next
  for (std::size_t round = 0; round < 5 + follow_up::kTries && !plan.ops.empty(); ++round) {
    AccessClient client(plan, checks, limits);
    const auto opened = ++a.associations;
    const auto failed = co_await drive(ex, target, o, tls, client, 4 + 2 * plan.ops.size());
    const bool unanswered = failed || (!client.dicom() && !client.protocol_error());
    if (unanswered || transient(client.association())) {
      if (co_await backoff.again(ex)) continue;
      if (failed) {
        a.error = fmt::format("could not connect for the access checks ({} tries): {}",
                              backoff.attempts(), *failed);
        break;
      }
    }
    backoff = follow_up::Backoff{};  // the next association gets its own tries
    checks = client.access();
    to_record(checks, a);
    a.associations = opened;
    if (a.association != record::AssociationResult::Accepted)
      a.association = client.association().result;
    if (client.protocol_error()) {
      a.error = *client.protocol_error();
      break;
    }
    if (client.association().result != record::AssociationResult::Accepted) {
      const auto& rj = client.association().reject;
      a.error = rj ? fmt::format("access association rejected ({})",
                                 dul::reject_reason_name(rj->source, rj->reason))
                   : std::string("access association not accepted");
      break;
    }
    auto rest = client.unfinished();
    if (rest.size() >= plan.ops.size()) break;  // no progress: stop
    plan.ops = std::move(rest);
  }
  if (a.find.evidence.empty()) a.find.evidence = "not tried";
  if (a.store.state == Permission::Allowed && plan.store)
    a.store_cleanup =
        store_cleanup(rec, plan.store->study_uid, plan.store->series_uid, plan.store->instance_uid);
  rec.access = std::move(a);
}

}  // namespace dicomsec::probes
