#include "findings/rules.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "core/bytes.hpp"
#include "dul/pdu.hpp"
#include "findings/catalogue.hpp"
#include "findings/honeypot.hpp"
#include "findings/vulnerabilities.hpp"
#include "tlsinspect/suites.hpp"

namespace dicomsec::findings {

namespace {

void add(std::vector<record::FindingRef>& out, std::string_view id, std::string evidence) {
  const auto* def = find(id);
  out.push_back({std::string(id), std::string(severity_name(def ? def->severity : Severity::Info)),
                 std::move(evidence)});
}

std::string answer(const record::AssociationRecord& a) {
  switch (a.result) {
    case record::AssociationResult::Accepted: return "accepted the association";
    case record::AssociationResult::Rejected:
      return a.reject ? fmt::format("rejected the association ({})",
                                    dul::reject_reason_name(a.reject->source, a.reject->reason))
                      : "rejected the association";
    case record::AssociationResult::Aborted: return "aborted the association";
    case record::AssociationResult::None: break;
  }
  return "answered";
}

// DICOMweb / REST (level auth and above): verdicts from counted JSON lists, never from a
// status code alone (a web server answering 200 with HTML to every path proves nothing).
void evaluate_web(const record::WebRecord& w, std::uint16_t port, std::vector<record::FindingRef>& out) {
  auto first = [&](auto pred) -> const record::WebEndpointRecord* {
    for (const auto& e : w.endpoints)
      if (pred(e)) return &e;
    return nullptr;
  };
  const auto listed = [](const record::WebEndpointRecord& e) {
    return e.http_status >= 200 && e.http_status < 300 && e.count;
  };
  const char* scheme = w.https ? "https" : "http";
  if (w.open) {
    if (const auto* e = first([&](const auto& x) { return x.auth == "none" && listed(x); }))
      add(out, "DICOMWEB-NO-AUTH",
          fmt::format("{} GET {} on port {} answered {} without credentials, listing {}{} item(s)", scheme,
                      printable(e->url_path), port, e->http_status, e->capped ? "at least " : "", *e->count));
  }
  if (w.default_credentials_user) {
    const auto auth = "default:" + *w.default_credentials_user;
    const auto* e = first([&](const auto& x) { return x.auth == auth && listed(x); });
    if (!e) e = first([&](const auto& x) { return x.auth == auth && x.http_status >= 200 && x.http_status < 300; });
    if (e)
      add(out, "DICOMWEB-DEFAULT-CREDS",
          fmt::format("{} GET {} on port {} answered {} with the default credentials of user '{}'{}", scheme,
                      printable(e->url_path), port, e->http_status, printable(*w.default_credentials_user),
                      e->count ? fmt::format(", listing {}{} item(s)", e->capped ? "at least " : "", *e->count)
                               : std::string()));
  }
}

// Why a suite is weak (design §4 TLS-WEAK-CIPHER), or empty when it is not.
std::string suite_weakness(const tlsinspect::CipherSuite& s, const record::TlsAuditRecord& t) {
  using namespace tlsinspect;
  const auto f = s.flags;
  if (f & kNull) return "NULL";
  if (f & kExport) return "EXPORT";
  if (f & kAnon) return "anonymous";
  if (f & kRc4) return "RC4";
  if (f & kDes) return "DES";
  if (f & kTripleDes) return "3DES";
  if (f & kTls13) return {};
  if (!(f & kPfs)) return "no forward secrecy";
  if ((f & kCbc) && t.encrypt_then_mac != true) return "CBC without encrypt-then-MAC";
  return {};
}

// TLS findings from the audit (issue 5). They need only the handshakes, not DICOM.
void tls_findings(const record::ScanRecord& r, std::vector<record::FindingRef>& out) {
  if (!r.tls_audit || r.tls_audit->versions.empty()) return;
  const auto& t = *r.tls_audit;
  const auto where = fmt::format("{}:{}", r.ip, r.port);
  std::vector<std::string> old;
  for (const auto& v : t.versions)
    if (v == "SSLv3" || v == "TLSv1.0" || v == "TLSv1.1") old.push_back(v);
  if (!old.empty())
    add(out, "TLS-WEAK-PROTOCOL", fmt::format("{} accepts {}", where, fmt::join(old, ", ")));

  std::vector<std::string> weak;
  std::size_t weak_count = 0;
  for (const auto& vc : t.ciphers)
    for (const auto& name : vc.ciphers) {
      const auto* s = tlsinspect::find_suite_by_name(name);
      if (!s) continue;
      auto why = suite_weakness(*s, t);
      if (why.empty()) continue;
      ++weak_count;
      if (weak.size() < 3) weak.push_back(fmt::format("{} {} ({})", vc.version, name, why));
    }
  if (weak_count > 0)
    add(out, "TLS-WEAK-CIPHER",
        fmt::format("{} accepts {} weak suite(s): {}{}", where, weak_count, fmt::join(weak, "; "),
                    weak_count > weak.size() ? "; ..." : ""));

  if (!t.chain.empty()) {
    const auto& leaf = t.chain.front();
    const auto subject = printable(leaf.subject);
    if (leaf.expired)
      add(out, "TLS-CERT-EXPIRED", fmt::format("certificate '{}' expired on {}", subject, leaf.not_after));
    if (leaf.self_signed)
      add(out, "TLS-CERT-SELF-SIGNED", fmt::format("certificate '{}' is self-signed", subject));
    const bool small_rsa = (leaf.key_type == "RSA" || leaf.key_type == "DSA") && leaf.key_bits < 2048;
    const bool small_ec = leaf.key_type == "EC" && leaf.key_bits < 224;
    const bool weak_sig = leaf.sig_alg.find("md5") != std::string::npos ||
                          leaf.sig_alg.find("sha1") != std::string::npos ||
                          leaf.sig_alg.find("SHA1") != std::string::npos;
    if (small_rsa || small_ec || weak_sig)
      add(out, "TLS-CERT-WEAK-KEY",
          fmt::format("certificate '{}' has a {} {}-bit key signed with {}", subject, leaf.key_type,
                      leaf.key_bits, leaf.sig_alg));
  }
  if (!t.client_cert_requested)
    add(out, "TLS-NO-CLIENT-AUTH", fmt::format("{} completes TLS without asking for a client certificate", where));
  if (t.plaintext_port)
    add(out, "TLS-PLAINTEXT-ALSO",
        fmt::format("{} also accepts a cleartext DICOM association on port {}", r.ip, *t.plaintext_port));
}

// Levels auth/intrusive: what the access checks proved (docs/design.md "Access checks").
void access_findings(const record::ScanRecord& r, const Context& context,
                     std::vector<record::FindingRef>& out) {
  if (!r.access) return;
  const auto& a = *r.access;
  using record::Permission;
  const auto ae = printable(r.association ? r.association->calling_ae : std::string());
  const auto has = [&](std::string_view id) {
    return std::any_of(out.begin(), out.end(), [&](const auto& f) { return f.id == id; });
  };
  // The safe association was rejected for its called AE, the discovered one was accepted.
  if (a.association == record::AssociationResult::Accepted && !r.tls && !has("DICOM-NO-TLS"))
    add(out, "DICOM-NO-TLS",
        fmt::format("association accepted without TLS on port {} (called AE '{}')", r.port,
                    printable(a.called_ae.value_or(""))));
  // A calling AE title given with --calling-ae may be a configured peer's: what it may do
  // says nothing about unknown AEs (the access record still holds the counts).
  if (!context.calling_ae_unknown) return;
  if (a.find.state == Permission::Allowed)
    add(out, "DICOM-FIND-OPEN",
        fmt::format("C-FIND from unknown calling AE '{}' answered: {} patient(s), {} study(ies){}",
                    ae, a.find.patient.value_or(0), a.find.study.value_or(0),
                    a.find.capped ? " (counting stopped at the cap)" : ""));
  if (a.move.state == Permission::Allowed) add(out, "DICOM-MOVE-OPEN", printable(a.move.evidence));
  if (a.get.state == Permission::Allowed) add(out, "DICOM-GET-OPEN", printable(a.get.evidence));
  if (a.store.state == Permission::Allowed) add(out, "DICOM-STORE-OPEN", printable(a.store.evidence));
  // Confirmed: a DIMSE service was performed for our unknown calling AE title.
  std::string what;
  if (a.find.state == Permission::Allowed) what = "C-FIND";
  else if (a.move.state == Permission::Allowed) what = "C-MOVE";
  else if (a.get.state == Permission::Allowed) what = "C-GET";
  else if (a.store.state == Permission::Allowed) what = "C-STORE";
  auto existing = std::find_if(out.begin(), out.end(),
                               [](const auto& f) { return f.id == "DICOM-ANY-CALLING-AE"; });
  const auto called = printable(a.called_ae.value_or(""));
  const char* discovered = a.discovered_called_ae ? ", a vendor default found by discovery" : "";
  if (what.empty()) {
    // No service performed, but the access association itself was accepted (after the safe
    // probe's was rejected for its called AE title): the unknown calling AE is accepted.
    if (existing == out.end() && a.association == record::AssociationResult::Accepted)
      add(out, "DICOM-ANY-CALLING-AE",
          fmt::format("accepted unknown calling AE '{}' (called AE '{}'{})", ae, called, discovered));
    return;
  }
  const auto confirmed = fmt::format("confirmed: {} performed for unknown calling AE '{}' (called AE '{}'{})",
                                     what, ae, called, discovered);
  if (existing != out.end()) existing->evidence += "; " + confirmed;
  else add(out, "DICOM-ANY-CALLING-AE", confirmed);
}

// Issue 11 §2: the DICOM verdicts come from the association's result. A well-formed
// A-ASSOCIATE-AC or -RJ proves a DICOM service answered, whatever went wrong later in the
// exchange (a malformed C-ECHO-RSP, a broken release: status protocol-error), so such a
// quirk no longer erases DICOM-EXPOSED and DICOM-NO-TLS. An A-ABORT alone, or bytes that
// never formed an AC/RJ, prove nothing.
bool dicom_answered(const record::ScanRecord& r) {
  if (!r.association) return false;
  const auto result = r.association->result;
  return r.dicom || result == record::AssociationResult::Accepted ||
         result == record::AssociationResult::Rejected;
}

}  // namespace

std::vector<record::FindingRef> evaluate(const record::ScanRecord& r, const Context& context) {
  std::vector<record::FindingRef> out;
  if (r.web) evaluate_web(*r.web, r.port, out);
  if (auto outdated = outdated_finding(r)) out.push_back(std::move(*outdated));  // vulnerabilities.cpp
  tls_findings(r, out);
  if (!dicom_answered(r)) {
    // Issue 12 §3: the web console of a DICOM honeypot (level auth: the web probe's GET /).
    if (r.web)
      if (const auto h = assess_honeypot(r); h && h->likely)
        add(out, "DICOM-HONEYPOT-LIKELY",
            fmt::format("{} confidence: {}", h->confidence, fmt::join(h->evidence, "; ")));
    return out;
  }
  const auto& a = *r.association;
  add(out, "DICOM-EXPOSED", fmt::format("{}:{} {} from calling AE '{}'", r.ip, r.port, answer(a),
                                        printable(a.calling_ae)));
  // Issue 12 §3: added next to the exposure findings, never instead of them.
  if (const auto h = assess_honeypot(r); h && h->likely)
    add(out, "DICOM-HONEYPOT-LIKELY",
        fmt::format("{} confidence: {}", h->confidence, fmt::join(h->evidence, "; ")));
  if (a.result != record::AssociationResult::Accepted) {
    access_findings(r, context, out);
    return out;
  }
  if (!r.tls)
    add(out, "DICOM-NO-TLS",
        fmt::format("association accepted without TLS on port {}", r.port));
  if (context.calling_ae_unknown)
    add(out, "DICOM-ANY-CALLING-AE",
        fmt::format("accepted unknown calling AE '{}' (called AE '{}')", printable(a.calling_ae),
                    printable(a.called_ae)));
  if (r.called_ae_check && r.called_ae_check->result == record::AssociationResult::Accepted)
    add(out, "DICOM-ANY-CALLED-AE",
        fmt::format("accepted random called AE '{}'", printable(r.called_ae_check->called_ae)));
  access_findings(r, context, out);
  return out;
}

}  // namespace dicomsec::findings
