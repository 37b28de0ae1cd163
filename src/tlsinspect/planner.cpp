#include "tlsinspect/planner.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "tlsinspect/client_hello.hpp"

namespace dicomsec::tlsinspect {

namespace {

template <class T>
bool contains(const std::vector<T>& v, const T& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

template <class T>
void erase_value(std::vector<T>& v, const T& x) {
  v.erase(std::remove(v.begin(), v.end(), x), v.end());
}

template <class T>
void add_unique(std::vector<T>& v, const T& x) {
  if (!contains(v, x)) v.push_back(x);
}

VersionResult make_version_result(Version v) {
  VersionResult r;
  r.version = v;
  return r;
}

bool is_ecdhe(const CipherSuite& s) {
  const std::string_view n = s.iana;
  return n.find("_ECDHE_") != std::string_view::npos && (s.flags & kPsk) == 0;
}

}  // namespace

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::Answered:
      return "answered";
    case Outcome::NotTls:
      return "not-tls";
    case Outcome::Malformed:
      return "malformed";
    case Outcome::Truncated:
      return "truncated";
    case Outcome::Closed:
      return "closed";
    case Outcome::Reset:
      return "reset";
    case Outcome::Timeout:
      return "timeout";
    case Outcome::ConnectFailed:
      return "connect-failed";
  }
  return "unknown";
}

AuditPlanner::AuditPlanner(PlannerOptions options) : options_(std::move(options)) {
  for (auto v : kAllVersions) {
    if (!contains(options_.versions, v)) continue;
    Track t;
    t.kind = Kind::Suites;
    t.version = v;
    for (const auto& s : cipher_suites())
      if (suite_usable_in(s, v)) t.offer.push_back(s.id);
    tracks_.push_back(std::move(t));
    result_.versions.push_back(make_version_result(v));
  }
}

VersionResult& AuditPlanner::version_result(Version v) {
  for (auto& vr : result_.versions)
    if (vr.version == v) return vr;
  result_.versions.push_back(make_version_result(v));
  return result_.versions.back();
}

std::optional<Question> AuditPlanner::next() {
  for (std::size_t i = 0; i < tracks_.size(); ++i) {
    const auto& t = tracks_[i];
    if (t.waiting || t.finished) continue;
    if (asked_ >= options_.max_handshakes) {
      result_.budget_exhausted = true;
      return std::nullopt;
    }
    return ask(i);
  }
  return std::nullopt;
}

bool AuditPlanner::done() const {
  if (outstanding_ != 0) return false;
  if (result_.budget_exhausted) return true;
  return followups_added_ &&
         std::all_of(tracks_.begin(), tracks_.end(), [](const Track& t) { return t.finished; });
}

Question AuditPlanner::ask(std::size_t index) {
  auto& t = tracks_[index];
  ClientHelloSpec spec;
  spec.version = t.version;
  spec.sni = options_.sni;
  Question q;
  q.track = index;
  switch (t.kind) {
    case Kind::Suites:
      spec.suites = t.offer;
      spec.groups = default_groups(t.version);
      if (t.version == Version::Tls13) spec.key_shares = {kGroupX25519};
      q.what = fmt::format("{} suites, {} offered", version_name(t.version), t.offer.size());
      break;
    case Kind::Preference:
      spec.suites = t.offer;
      spec.groups = default_groups(t.version);
      if (t.version == Version::Tls13) spec.key_shares = {kGroupX25519};
      q.what = fmt::format("{} server preference", version_name(t.version));
      break;
    case Kind::Groups13:
    case Kind::Groups12:
      spec.suites = t.offer;
      spec.groups = t.groups;  // TLS 1.3: no key share, so the server names its choice
      q.what = fmt::format("{} groups, {} offered", version_name(t.version), t.groups.size());
      break;
  }
  q.client_hello = build_client_hello(spec, options_.seed ^ (++asked_ * 0x9E3779B97F4A7C15ULL));
  t.waiting = true;
  ++outstanding_;
  return q;
}

void AuditPlanner::note_trouble(const Answer& a) {
  if (a.outcome == Outcome::Answered || result_.trouble) return;
  result_.trouble = a.outcome;
  result_.trouble_detail = a.detail;
}

void AuditPlanner::answer(const Question& q, const Answer& a) {
  if (q.track >= tracks_.size()) return;
  auto& t = tracks_[q.track];
  if (!t.waiting) return;
  t.waiting = false;
  --outstanding_;
  ++result_.handshakes;

  const auto& f = a.flight;
  if (f.alert) result_.last_alert = f.alert;
  if (f.server_hello || f.alert) result_.any_tls = true;
  if (a.outcome == Outcome::NotTls && !result_.any_tls) result_.not_tls = true;
  if (f.certificate_request) result_.certificate_request = true;
  if (result_.certificates.empty() && !f.certificates.empty())
    result_.certificates = f.certificates;
  if (f.server_key_exchange && f.server_key_exchange->dh_prime_bits) {
    const auto bits = *f.server_key_exchange->dh_prime_bits;
    result_.min_dh_bits = result_.min_dh_bits ? std::min(*result_.min_dh_bits, bits) : bits;
  }
  if (f.server_hello && f.server_hello->version && *f.server_hello->version < Version::Tls13) {
    const auto* s = find_suite(f.server_hello->cipher_suite);
    if (s && (s->flags & kCbc))
      result_.encrypt_then_mac =
          result_.encrypt_then_mac.value_or(true) && f.server_hello->encrypt_then_mac;
  }
  note_trouble(a);

  // Nothing TLS came back and the peer will not talk TLS (or at all): stop asking.
  const bool hopeless =
      !result_.any_tls && (a.outcome == Outcome::NotTls || a.outcome == Outcome::Timeout ||
                           a.outcome == Outcome::ConnectFailed);
  if (hopeless) {
    for (auto& other : tracks_) other.finished = true;
    followups_added_ = true;
    return;
  }

  switch (t.kind) {
    case Kind::Suites:
      on_suites(t, version_result(t.version), a);
      break;
    case Kind::Preference: {
      auto& vr = version_result(t.version);
      if (f.server_hello && !vr.suites.empty())
        vr.server_preference = f.server_hello->cipher_suite == vr.suites.front();
      t.finished = true;
      break;
    }
    case Kind::Groups13:
    case Kind::Groups12:
      on_groups(t, a);
      break;
  }
  add_followups();
}

void AuditPlanner::on_suites(Track& t, VersionResult& vr, const Answer& a) {
  const bool first = !t.started;
  t.started = true;
  const auto& sh = a.flight.server_hello;
  if (a.outcome == Outcome::Answered && sh) {
    if (sh->version != t.version) {
      // Asked for one version, got another: the server does not speak this one (it
      // negotiated down), or it changed its mind mid-enumeration.
      if (first) vr.accepted = false;
      t.finished = true;
      return;
    }
    vr.accepted = true;
    const auto suite = sh->cipher_suite;
    if (!contains(t.offer, suite)) {
      if (!result_.trouble) {
        result_.trouble = Outcome::Malformed;
        result_.trouble_detail =
            fmt::format("server chose suite {} that was not offered", suite_name(suite));
      }
      t.finished = true;
      return;
    }
    vr.suites.push_back(suite);
    erase_value(t.offer, suite);
    // Groups come for free with each answer.
    if (sh->key_share_group) add_unique(result_.groups, *sh->key_share_group);
    if (a.flight.server_key_exchange && a.flight.server_key_exchange->named_group)
      add_unique(result_.groups, *a.flight.server_key_exchange->named_group);
    if (t.offer.empty()) {
      vr.complete = true;
      t.finished = true;
    }
    return;
  }
  t.finished = true;
  switch (a.outcome) {
    case Outcome::Answered:  // an alert: this version (or any further suite) refused
    case Outcome::Closed:
    case Outcome::Reset:
      if (first)
        vr.accepted = false;
      else
        vr.complete = true;
      break;
    default:  // silence, truncation, garbage: undecided
      break;
  }
}

void AuditPlanner::on_groups(Track& t, const Answer& a) {
  const auto& sh = a.flight.server_hello;
  std::optional<std::uint16_t> g;
  if (a.outcome == Outcome::Answered && sh) {
    if (t.kind == Kind::Groups13)
      g = sh->key_share_group;
    else if (a.flight.server_key_exchange)
      g = a.flight.server_key_exchange->named_group;
  }
  if (!g || !contains(t.groups, *g)) {
    t.finished = true;
    return;
  }
  add_unique(result_.groups, *g);
  erase_value(t.groups, *g);
  if (t.groups.empty()) t.finished = true;
}

void AuditPlanner::add_followups() {
  if (followups_added_) return;
  for (const auto& t : tracks_)
    if (t.kind == Kind::Suites && !t.finished) return;
  followups_added_ = true;
  if (options_.server_preference) {
    for (const auto& vr : result_.versions) {
      if (vr.suites.size() < 2) continue;
      Track p;
      p.kind = Kind::Preference;
      p.version = vr.version;
      p.offer.assign(vr.suites.rbegin(), vr.suites.rend());
      tracks_.push_back(std::move(p));
    }
  }
  if (!options_.groups) return;
  std::optional<Version> best12;
  for (const auto& vr : result_.versions) {
    if (vr.accepted != true) continue;
    if (vr.version == Version::Tls13) {
      Track g;
      g.kind = Kind::Groups13;
      g.version = Version::Tls13;
      for (const auto& s : cipher_suites())
        if (s.flags & kTls13) g.offer.push_back(s.id);
      for (const auto& ng : named_groups())
        if (ng.tls13) g.groups.push_back(ng.id);
      tracks_.push_back(std::move(g));
    } else if (std::any_of(vr.suites.begin(), vr.suites.end(), [](std::uint16_t id) {
                 const auto* s = find_suite(id);
                 return s && is_ecdhe(*s);
               })) {
      best12 = vr.version;
    }
  }
  if (best12) {
    Track g;
    g.kind = Kind::Groups12;
    g.version = *best12;
    for (const auto& s : cipher_suites())
      if (suite_usable_in(s, *best12) && is_ecdhe(s)) g.offer.push_back(s.id);
    for (const auto& ng : named_groups())
      if (ng.id < 0x0100 && !(ng.id >= 0x001F && ng.id <= 0x0021)) g.groups.push_back(ng.id);
    tracks_.push_back(std::move(g));
  }
}

}  // namespace dicomsec::tlsinspect
