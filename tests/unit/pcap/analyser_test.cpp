// pcap::FlowAnalyser on synthetic associations made with the one codec (dul encode, dimse
// fragmentation): DICOM from the A-ASSOCIATE-RQ at every chunking, mid-stream from any cut,
// constant memory for a large data set, PHI by tag only, user identity without its value,
// TLS SNI, and the flow findings (docs/design.md "pcap: flow analysis").
#include "pcap/analyser.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "dicom/dataset.hpp"
#include "dul/dimse.hpp"
#include "dul/pdu.hpp"
#include "findings/rules.hpp"
#include "frames.hpp"
#include "pcap/decode.hpp"
#include "pcap/element_scan.hpp"
#include "pcap/reassembly.hpp"
#include "pcap/tls_flow.hpp"
#include "report/json.hpp"
#include "tlsinspect/client_hello.hpp"

namespace {

using namespace dicomsec;

constexpr std::string_view kSecret = "S3CRET-PASSWORD";
constexpr std::string_view kPatient = "DOE^JANE^PLANTED";
constexpr std::string_view kCt = "1.2.840.10008.5.1.4.1.1.2";
constexpr std::string_view kExplicit = "1.2.840.10008.1.2.1";

Bytes pdu(const dul::Pdu& p) { return dul::encode(p).value(); }

Bytes data_set(std::size_t pixels) {
  dicom::DatasetWriter w(dicom::VrEncoding::Explicit);
  w.text(dicom::tag::kSopClassUid, "UI", kCt);
  w.text(dicom::tag::kSopInstanceUid, "UI", "1.2.3.4");
  w.text(dicom::tag::kReferringPhysicianName, "PN", "");  // empty: not PHI in the clear
  w.text(dicom::tag::kPatientName, "PN", kPatient);
  w.text(dicom::tag::kPatientId, "LO", "PID-PLANTED");
  w.binary(dicom::tag::kPixelData, "OW", Bytes(pixels, 0x5A));
  return std::move(w).take();
}

struct Streams {
  Bytes client, server;
  std::size_t client_handshake = 0, server_handshake = 0;  // bytes of RQ / AC
};

// n C-STOREs of `pixels` bytes each in PDUs of at most `max_pdu` bytes, then a release.
Streams association(int n, std::size_t pixels, bool identity = true,
                    std::uint32_t max_pdu = 16384) {
  Streams s;
  dul::AssociateRq rq;
  rq.calling_ae = "MODALITY";
  rq.called_ae = "PACS";
  rq.contexts.push_back({1, std::string(kCt), {std::string(kExplicit)}});
  rq.user_info.max_length = max_pdu;
  rq.user_info.implementation_class_uid = "1.2.276.0.7230010.3.0.3.6.7";
  rq.user_info.implementation_version_name = "OFFIS_DCMTK_367";
  if (identity)
    rq.user_info.user_identity_rq =
        dul::UserIdentityRq{2, false, Bytes{'U', 'S', 'R'}, Bytes(kSecret.begin(), kSecret.end())};
  s.client = pdu(rq);
  s.client_handshake = s.client.size();
  dul::AssociateAc ac;
  ac.calling_ae = "MODALITY";
  ac.called_ae = "PACS";
  ac.application_context = std::string(dul::kApplicationContext);
  ac.contexts.push_back({1, dul::PcResult::Acceptance, std::string(kExplicit)});
  ac.user_info.max_length = max_pdu;
  ac.user_info.implementation_class_uid = "1.2.276.0.7230010.3.0.3.6.7";
  ac.user_info.implementation_version_name = "OFFIS_DCMTK_367";
  s.server = pdu(ac);
  s.server_handshake = s.server.size();
  const auto ds = data_set(pixels);
  for (int i = 0; i < n; ++i) {
    dimse::Command rqc;
    rqc.field = dimse::CommandField::CStoreRq;
    rqc.affected_sop_class_uid = std::string(kCt);
    rqc.affected_sop_instance_uid = "1.2.3.4";
    rqc.message_id = static_cast<std::uint16_t>(i + 1);
    rqc.command_data_set_type = 0;
    const auto cmd = dimse::encode_command(rqc);
    dimse::append_pdata(s.client, 1, cmd, true, true, max_pdu);
    dimse::append_pdata(s.client, 1, ds, false, true, max_pdu);
    dimse::Command rsp;
    rsp.field = dimse::CommandField::CStoreRsp;
    rsp.affected_sop_class_uid = std::string(kCt);
    rsp.message_id_being_responded_to = rqc.message_id;
    rsp.status = 0;
    dimse::append_pdata(s.server, 1, dimse::encode_command(rsp), true, true, max_pdu);
  }
  const auto rel = pdu(dul::ReleaseRq{});
  s.client.insert(s.client.end(), rel.begin(), rel.end());
  const auto rp = pdu(dul::ReleaseRp{});
  s.server.insert(s.server.end(), rp.begin(), rp.end());
  return s;
}

pcap::FlowInfo info(bool syn) {
  pcap::FlowInfo i;
  i.id = 7;
  i.saw_syn = syn;
  i.initiator.addr = {127, 0, 0, 1};
  i.initiator.port = 50123;
  i.responder.addr = {127, 0, 0, 1};
  i.responder.port = 11112;
  i.first_ts_us = 1'700'000'000'000'000;
  return i;
}

// Feeds the two streams interleaved in chunks (client's handshake first), returns the records.
std::vector<record::FlowRecord> run(const Streams& s, std::size_t chunk, bool syn = true,
                                    std::size_t* peak = nullptr) {
  std::vector<record::FlowRecord> out;
  pcap::FlowAnalyser a([&](record::FlowRecord&& r) { out.push_back(std::move(r)); });
  a.on_open(info(syn));
  std::size_t pos[2] = {0, 0};
  const Bytes* streams[2] = {&s.client, &s.server};
  std::int64_t ts = info(syn).first_ts_us;
  while (pos[0] < s.client.size() || pos[1] < s.server.size()) {
    for (int side = 0; side < 2; ++side) {
      const auto& b = *streams[side];
      if (pos[side] >= b.size()) continue;
      const auto n = std::min(chunk, b.size() - pos[side]);
      a.on_data(7, side == 0 ? pcap::Side::Initiator : pcap::Side::Responder,
                std::span(b).subspan(pos[side], n), ++ts);
      pos[side] += n;
      if (peak) *peak = std::max(*peak, a.buffered_bytes());
    }
  }
  a.on_close(7, pcap::CloseReason::Fin, ++ts);
  return out;
}

TEST(FlowAnalyser, AssociationFromTheRequestAtEveryChunking) {
  const auto s = association(3, 40'000);
  for (std::size_t chunk : {1UL, 7UL, 100UL, 1460UL, 65536UL}) {
    const auto records = run(s, chunk);
    ASSERT_EQ(records.size(), 1U) << chunk;
    const auto& r = records[0];
    EXPECT_EQ(r.conn, "F7");
    EXPECT_EQ(r.protocol, "dicom");
    EXPECT_FALSE(r.midstream);
    EXPECT_EQ(r.client.port, 50123);
    EXPECT_EQ(r.server.port, 11112);
    ASSERT_TRUE(r.association);
    EXPECT_EQ(r.association->calling_ae, "MODALITY");
    EXPECT_EQ(r.association->called_ae, "PACS");
    EXPECT_EQ(r.association->result, record::AssociationResult::Accepted);
    EXPECT_TRUE(r.association->released);
    ASSERT_TRUE(r.product);
    EXPECT_EQ(r.product->name, "DCMTK");
    EXPECT_EQ(r.dimse.at("C-STORE-RQ").count, 3U);
    EXPECT_EQ(r.dimse.at("C-STORE-RSP").statuses.at("success"), 3U);
    EXPECT_EQ(r.to_server.instances, 3U);
    EXPECT_EQ(r.sop_classes_stored, std::vector<std::string>{std::string(kCt)});
    EXPECT_EQ(r.phi_elements, (std::vector<std::string>{"(0010,0010)", "(0010,0020)"}));
    ASSERT_TRUE(r.user_identity);
    EXPECT_EQ(r.user_identity->type, 2);
    EXPECT_TRUE(r.user_identity->cleartext_secret);
    // Nothing of the secret or the patient anywhere in the JSON record.
    const auto text = report::to_json(r).dump();
    EXPECT_EQ(text.find(kSecret), std::string::npos);
    EXPECT_EQ(text.find("USR"), std::string::npos);
    EXPECT_EQ(text.find(kPatient), std::string::npos);
    EXPECT_EQ(text.find("PID-PLANTED"), std::string::npos);
    const auto f = findings::evaluate(r);
    std::vector<std::string> ids;
    for (const auto& x : f) ids.push_back(x.id);
    EXPECT_EQ(ids, (std::vector<std::string>{"DICOM-NO-TLS", "PCAP-CLEARTEXT-PHI",
                                             "PCAP-CLEARTEXT-CREDENTIALS"}));
  }
}

TEST(FlowAnalyser, MidStreamFromAnyCut) {
  const auto full = association(6, 50'000, false);
  // Cut both directions after the handshake at many offsets, no SYN seen.
  for (std::size_t cut = 1; cut < 60'000; cut += 4999) {
    Streams s;
    s.client.assign(full.client.begin() + static_cast<std::ptrdiff_t>(full.client_handshake + cut),
                    full.client.end());
    const auto server_cut = std::min(full.server.size() - 1, full.server_handshake + cut / 200);
    s.server.assign(full.server.begin() + static_cast<std::ptrdiff_t>(server_cut),
                    full.server.end());
    const auto records = run(s, 1460, false);
    ASSERT_EQ(records.size(), 1U) << cut;
    const auto& r = records[0];
    EXPECT_TRUE(r.midstream) << cut;
    EXPECT_EQ(r.server.port, 11112) << cut;
    ASSERT_TRUE(r.association);
    EXPECT_EQ(r.association->result, record::AssociationResult::Accepted);
    EXPECT_TRUE(r.association->released);
    const auto stores = r.dimse.count("C-STORE-RQ") ? r.dimse.at("C-STORE-RQ").count : 0;
    // Every store that starts after the cut (each is ~50 kB) is decoded.
    EXPECT_GE(stores, 6 - (cut / 50'000) - 1) << cut;
    EXPECT_EQ(r.to_server.instances, stores) << cut;
    if (stores > 0) {
      EXPECT_EQ(r.phi_elements.size(), 2U) << cut;  // syntax inferred
    }
  }
}

// Issue 14's leftover: with PDUs larger than decide_bytes / 3 (storescu -pdu 1048576), three
// whole PDUs never fit in what an undecided direction holds; the header-only hunter decides
// instead, from any cut, while no more than decide_bytes + one PDU is held.
TEST(FlowAnalyser, MidStreamWithLargePdusFromAnyCut) {
  for (std::uint32_t max_pdu : {128U * 1024, 1U << 20}) {
    const auto full = association(5, 2'500'000, false, max_pdu);
    const std::size_t body = full.client.size() - full.client_handshake;
    for (std::size_t cut = 1; cut < body - 4 * std::size_t{max_pdu}; cut += 1'234'567) {
      Streams s;
      s.client.assign(
          full.client.begin() + static_cast<std::ptrdiff_t>(full.client_handshake + cut),
          full.client.end());
      s.server.assign(full.server.begin() + static_cast<std::ptrdiff_t>(full.server_handshake),
                      full.server.end());
      std::size_t peak = 0;
      const auto records = run(s, 1460, false, &peak);
      ASSERT_EQ(records.size(), 1U) << max_pdu << " cut " << cut;
      const auto& r = records[0];
      EXPECT_TRUE(r.midstream);
      EXPECT_EQ(r.server.port, 11112);
      ASSERT_TRUE(r.association);
      EXPECT_TRUE(r.association->released);
      const auto stores = r.dimse.count("C-STORE-RQ") ? r.dimse.at("C-STORE-RQ").count : 0;
      // Every store whose command follows the decision (at most two PDUs after the cut).
      const std::size_t per_store = body / 5;
      EXPECT_GE(stores, 5 - (cut + 2 * std::size_t{max_pdu}) / per_store - 1) << cut;
      EXPECT_EQ(r.to_server.instances, stores) << cut;
      if (stores > 0) {
        EXPECT_EQ(r.phi_elements.size(), 2U) << cut;
      }
      EXPECT_GT(r.bytes_skipped, 0U);
      // Held while undecided: decide_bytes; then the observer's one PDU.
      EXPECT_LT(peak, 256U * 1024 + max_pdu + 64 * 1024) << max_pdu << " cut " << cut;
    }
  }
}

// A client-only capture (the server's direction lost) with 1 MiB PDUs, fed in 64 KiB reads:
// one direction suffices, and what is held stays within decide_bytes + the observer's PDU.
TEST(FlowAnalyser, MidStreamLargePdusOneDirection) {
  const auto full = association(3, 3'000'000, false, 1U << 20);
  for (std::size_t cut : {777UL, 500'000UL, 1'048'000UL, 2'500'000UL}) {
    Streams s;
    s.client.assign(full.client.begin() + static_cast<std::ptrdiff_t>(full.client_handshake + cut),
                    full.client.end());
    std::size_t peak = 0;
    const auto records = run(s, 65536, false, &peak);
    ASSERT_EQ(records.size(), 1U) << cut;
    EXPECT_TRUE(records[0].midstream);
    // Cut in the first object's last PDU: the second store's command is in the PDU skipped.
    EXPECT_GE(records[0].dimse.at("C-STORE-RQ").count, cut < 2'000'000 ? 2U : 1U) << cut;
    // Decoding starts at the second boundary after the cut: at most two PDUs skipped.
    EXPECT_GT(records[0].bytes_skipped, 0U);
    EXPECT_LE(records[0].bytes_skipped, 2U * ((1U << 20) + 6)) << cut;
    EXPECT_LT(peak, (1U << 20) + 64 * 1024) << cut;
  }
}

// Not DICOM, however long: random bytes, random bytes strewn with P-DATA-TF-looking headers,
// zeros, an HTTP body and TLS application data are never taken for DICOM, and the hunt stops
// after a bounded scan.
TEST(FlowAnalyser, LargeNonDicomStreamsAreNotTakenForDicom) {
  std::mt19937_64 rng(14);
  auto random_bytes = [&](std::size_t n) {
    Bytes b(n);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    return b;
  };
  std::vector<Bytes> streams;
  streams.push_back(random_bytes(6U << 20));
  Bytes planted = random_bytes(6U << 20);
  for (std::size_t at = 0; at + 12 < planted.size(); at += 997) {
    // 04 00 <length> <item length> <odd id> <control>: a header whose items do not chain.
    const std::uint8_t h[] = {0x04, 0x00, 0x00, 0x01, 0x00, 0x00,
                              0x00, 0x00, 0x10, 0x00, 0x01, 0x02};
    std::copy(std::begin(h), std::end(h), planted.begin() + static_cast<std::ptrdiff_t>(at));
  }
  streams.push_back(std::move(planted));
  streams.emplace_back(6U << 20, 0);
  std::string http = "HTTP/1.1 200 OK\r\nContent-Length: 5000000\r\n\r\n";
  Bytes h(http.begin(), http.end());
  Bytes filler = random_bytes(5'000'000);
  h.insert(h.end(), filler.begin(), filler.end());
  streams.push_back(std::move(h));
  Bytes tls;
  for (int i = 0; i < 400; ++i) {  // TLS 1.2 application data records of 16 KiB
    const std::uint8_t rec[] = {0x17, 0x03, 0x03, 0x40, 0x00};
    tls.insert(tls.end(), std::begin(rec), std::end(rec));
    Bytes body = random_bytes(0x4000);
    tls.insert(tls.end(), body.begin(), body.end());
  }
  streams.push_back(std::move(tls));
  for (std::size_t i = 0; i < streams.size(); ++i) {
    std::vector<record::FlowRecord> out;
    pcap::FlowAnalyser a([&](record::FlowRecord&& r) { out.push_back(std::move(r)); });
    a.on_open(info(false));
    std::size_t peak = 0;
    for (std::size_t at = 0; at < streams[i].size(); at += 1460) {
      const auto n = std::min<std::size_t>(1460, streams[i].size() - at);
      a.on_data(7, pcap::Side::Initiator, ByteView(streams[i]).subspan(at, n), 1);
      a.on_data(7, pcap::Side::Responder, ByteView(streams[i]).subspan(at, n), 1);
      peak = std::max(peak, a.buffered_bytes());
    }
    a.on_close(7, pcap::CloseReason::Fin, 2);
    EXPECT_TRUE(out.empty()) << "stream " << i;
    EXPECT_EQ(a.stats().dicom, 0U) << "stream " << i;
    EXPECT_EQ(a.stats().other, 1U) << "stream " << i;
    // Per direction: decide_bytes held, the same bytes in the PduDecoder probe, and the
    // hunter's few bytes; nothing once the direction is past decide_bytes.
    EXPECT_LE(peak, 4 * 256U * 1024 + 64) << "stream " << i;
  }
}

// The packet half and the analyser together on IPv6: every TCP segment of a whole
// association (real PDU bytes from the codec) is sent as 1232-byte IPv6 fragments (the
// IPv6 minimum MTU less the headers; the server's short ones in two), some in reverse
// order, the server's with a destination-options header inside the fragmentable part.
TEST(FlowAnalyser, Ipv6FragmentedAssociationIsDecoded) {
  using namespace pcap::testing;
  const auto s = association(2, 20'000, false);
  const pcap::Endpoint client = ep("2001:db8::10", 50123), server = ep("2001:db8::20", 11112);
  std::vector<Bytes> frames;
  std::uint32_t id = 0x1000;
  auto send = [&](const pcap::Endpoint& from, const pcap::Endpoint& to, std::uint32_t seq,
                  std::uint32_t ack, std::uint8_t flags, ByteView payload) {
    const Bytes l4 = tcp(from, to, seq, ack, flags, payload);
    if (l4.size() <= 64) {  // handshake and FIN segments
      frames.push_back(ipv6(from, to, 6, l4));
      return;
    }
    // 1232 bytes a fragment, or halves for the server's short PDUs.
    const std::size_t size = l4.size() > 1232 ? 1232 : (l4.size() / 2 + 7) / 8 * 8;
    ByteWriter dest;  // destination options (PadN) for the server's packets
    dest.u8(6);
    dest.u8(0);
    dest.u8(1);
    dest.u8(4);
    dest.zeros(4);
    const bool to_client = to.port == client.port;
    auto f = ipv6_fragments(from, to, l4, size, id++, to_client ? dest.data() : ByteView{},
                            to_client ? 60 : 6);
    if (id % 2 == 0) std::reverse(f.begin(), f.end());
    frames.insert(frames.end(), f.begin(), f.end());
  };
  const std::uint32_t cisn = 1000, sisn = 9000;
  send(client, server, cisn, 0, pcap::tcpflag::Syn, {});
  send(server, client, sisn, cisn + 1, pcap::tcpflag::Syn | pcap::tcpflag::Ack, {});
  std::size_t pos[2] = {0, 0};
  const Bytes* streams[2] = {&s.client, &s.server};
  while (pos[0] < s.client.size() || pos[1] < s.server.size()) {
    for (int side = 0; side < 2; ++side) {
      const auto& b = *streams[side];
      if (pos[side] >= b.size()) continue;
      const auto n = std::min<std::size_t>(4000, b.size() - pos[side]);
      const auto seq = static_cast<std::uint32_t>((side == 0 ? cisn : sisn) + 1 + pos[side]);
      send(side == 0 ? client : server, side == 0 ? server : client, seq, 0,
           pcap::tcpflag::Ack | pcap::tcpflag::Psh, ByteView(b).subspan(pos[side], n));
      pos[side] += n;
    }
  }
  send(client, server, static_cast<std::uint32_t>(cisn + 1 + s.client.size()), 0,
       pcap::tcpflag::Fin | pcap::tcpflag::Ack, {});
  send(server, client, static_cast<std::uint32_t>(sisn + 1 + s.server.size()), 0,
       pcap::tcpflag::Fin | pcap::tcpflag::Ack, {});

  std::vector<record::FlowRecord> out;
  pcap::FlowAnalyser a([&](record::FlowRecord&& r) { out.push_back(std::move(r)); });
  pcap::Reassembler reassembler(a);
  pcap::Decoder decoder(pcap::linktype::Raw);
  std::int64_t ts = 1'700'000'000'000'000;
  for (const auto& f : frames) {
    auto d = decoder.decode(f, ++ts);
    ASSERT_TRUE(d.ok()) << d.error().message;
    if (d->kind == pcap::FrameKind::Tcp) reassembler.feed(d->segment);
  }
  reassembler.finish(++ts);
  EXPECT_GE(decoder.stats().ipv6_fragments, 30U);
  EXPECT_GE(decoder.stats().ip_fragments_reassembled, 10U);
  EXPECT_EQ(decoder.stats().ip_fragments_dropped, 0U);
  EXPECT_EQ(reassembler.stats().gaps, 0U);
  ASSERT_EQ(out.size(), 1U);
  const auto& r = out[0];
  EXPECT_FALSE(r.midstream);
  EXPECT_EQ(r.client.ip, "2001:db8::10");
  ASSERT_TRUE(r.association);
  EXPECT_EQ(r.association->calling_ae, "MODALITY");
  EXPECT_TRUE(r.association->released);
  EXPECT_EQ(r.dimse.at("C-STORE-RQ").count, 2U);
  EXPECT_EQ(r.dimse.at("C-STORE-RSP").statuses.at("success"), 2U);
  EXPECT_EQ(r.to_server.instances, 2U);
}

// PS3.8 9.3.3.2: an A-ASSOCIATE-AC answering a context the RQ did not propose is a protocol
// error. A passive observer cannot abort: the flow is still decoded and recorded in full,
// its record says "protocol error: ..." and the analyser counts the flow.
TEST(FlowAnalyser, AcAnsweringAnUnproposedContextIsFlaggedAndTheFlowStillDecoded) {
  auto s = association(3, 40'000, false);
  auto ac = std::get<dul::AssociateAc>(
      dul::decode_pdu(ByteView(s.server).first(s.server_handshake)).value());
  ac.contexts.push_back({3, dul::PcResult::Acceptance, std::string(kExplicit)});
  Bytes server = pdu(ac);
  server.insert(server.end(), s.server.begin() + static_cast<std::ptrdiff_t>(s.server_handshake),
                s.server.end());
  s.server = std::move(server);

  std::vector<record::FlowRecord> out;
  pcap::FlowAnalyser a([&](record::FlowRecord&& r) { out.push_back(std::move(r)); });
  a.on_open(info(true));
  std::int64_t ts = info(true).first_ts_us;
  a.on_data(7, pcap::Side::Initiator, ByteView(s.client).first(s.client_handshake), ++ts);
  a.on_data(7, pcap::Side::Responder, s.server, ++ts);
  a.on_data(7, pcap::Side::Initiator, ByteView(s.client).subspan(s.client_handshake), ++ts);
  a.on_close(7, pcap::CloseReason::Fin, ++ts);

  ASSERT_EQ(out.size(), 1U);
  const auto& r = out[0];
  ASSERT_TRUE(r.association);
  EXPECT_EQ(r.association->result, record::AssociationResult::Accepted);
  EXPECT_TRUE(r.association->released);
  EXPECT_EQ(r.dimse.at("C-STORE-RQ").count, 3U);
  EXPECT_EQ(r.to_server.instances, 3U);
  EXPECT_EQ(r.phi_elements.size(), 2U);
  ASSERT_EQ(r.association->conformance.size(), 1U);
  EXPECT_EQ(r.association->conformance[0],
            "protocol error: A-ASSOCIATE-AC answers presentation context 3, which was not "
            "proposed");
  EXPECT_EQ(a.stats().protocol_errors, 1U);
  EXPECT_EQ(a.stats().dicom, 1U);
}

TEST(FlowAnalyser, MemoryDoesNotGrowWithObjectSize) {
  const auto s = association(1, 64U << 20, false);  // one 64 MiB image
  std::size_t peak = 0;
  const auto records = run(s, 65536, true, &peak);
  ASSERT_EQ(records.size(), 1U);
  EXPECT_EQ(records[0].to_server.instances, 1U);
  EXPECT_GT(records[0].to_server.bytes, 64U << 20);
  EXPECT_LT(peak, 256U * 1024) << "bytes held while a 64 MiB data set streamed past";
}

TEST(FlowAnalyser, NotDicomIsNotRecorded) {
  Streams s;
  const std::string get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  s.client.assign(get.begin(), get.end());
  s.server.assign(200, 'A');
  EXPECT_TRUE(run(s, 10).empty());
  EXPECT_TRUE(run(s, 10, false).empty());
}

TEST(FlowAnalyser, UndecidedBytesStayWithinTheGlobalBudget) {
  pcap::AnalyserOptions options;
  options.decide_budget = 10'000;
  int records = 0;
  pcap::FlowAnalyser a([&](record::FlowRecord&&) { ++records; }, options);
  const Bytes noise(700, 0x42);
  for (pcap::FlowId id = 1; id <= 50; ++id) {
    auto i = info(false);
    i.id = id;
    a.on_open(i);
    a.on_data(id, pcap::Side::Initiator, noise, 1);
    EXPECT_LE(a.buffered_bytes(), options.decide_budget + 50 * 1024);
  }
  EXPECT_GT(a.stats().over_budget, 0U);
  for (pcap::FlowId id = 1; id <= 50; ++id) a.on_close(id, pcap::CloseReason::Fin, 2);
  EXPECT_EQ(a.buffered_bytes(), 0U);
  EXPECT_EQ(records, 0);
}

TEST(FlowAnalyser, TlsFlowWithSni) {
  tlsinspect::ClientHelloSpec spec;
  spec.version = tlsinspect::Version::Tls12;
  spec.suites = {0xC02F};
  spec.sni = "pacs.example.test";
  Streams s;
  s.client = tlsinspect::build_client_hello(spec, 42);
  const auto records = run(s, 13);
  ASSERT_EQ(records.size(), 1U);
  EXPECT_EQ(records[0].protocol, "tls");
  EXPECT_TRUE(records[0].encrypted);
  ASSERT_TRUE(records[0].tls);
  EXPECT_EQ(records[0].tls->sni, "pacs.example.test");
  EXPECT_TRUE(findings::evaluate(records[0]).empty());
}

TEST(ElementScanner, FindsPatientTagsAcrossAnySplitAndInfersSyntax) {
  for (auto enc : {dicom::VrEncoding::Explicit, dicom::VrEncoding::Implicit}) {
    dicom::DatasetWriter w(enc);
    w.text(dicom::tag::kSpecificCharacterSet, "CS", "ISO_IR 100");
    w.text(dicom::tag::kAccessionNumber, "SH", "A1");
    w.text(dicom::tag::kPatientName, "PN", "X^Y");
    w.text(dicom::tag::kPatientBirthDate, "DA", "");
    w.binary(dicom::tag::kPixelData, "OB", Bytes(1000, 0x10));
    const auto bytes = std::move(w).take();
    for (std::size_t split = 1; split < bytes.size(); split += 3) {
      pcap::ElementScanner scan(pcap::SetEncoding::Unknown);
      scan.feed(ByteView(bytes).first(split));
      scan.feed(ByteView(bytes).subspan(split));
      EXPECT_EQ(scan.found(), (std::set<std::uint32_t>{0x00080050, 0x00100010})) << split;
      EXPECT_EQ(scan.encoding(), enc == dicom::VrEncoding::Explicit
                                     ? pcap::SetEncoding::ExplicitLe
                                     : pcap::SetEncoding::ImplicitLe);
    }
  }
}

TEST(AeAddressBook, SecondAddressForACallingTitleIsAFinding) {
  findings::AeAddressBook book;
  record::FlowRecord r;
  r.protocol = "dicom";
  r.association.emplace();
  r.association->calling_ae = "CT1";
  r.client.ip = "192.0.2.10";
  EXPECT_FALSE(book.note(r));
  EXPECT_FALSE(book.note(r));
  r.client.ip = "192.0.2.11";
  const auto f = book.note(r);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->id, "PCAP-AE-MULTI-IP");
  EXPECT_EQ(book.duplicates().at("CT1").size(), 2U);
}

}  // namespace
