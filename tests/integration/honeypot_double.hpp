// Wire doubles of public DICOM honeypots for fault_server (issue 12 §3). Written from the
// behaviour their source shows (docs/honeypots.md names repository and file), not from their
// code: only what dicomsec's safe probe can see is reproduced.
//
//   dicompot          nsmfoo/dicompot (go-netdicom fork): any called AE; A-ASSOCIATE-AC whose
//                     user information holds the maximum length only (4 MiB); every context
//                     accepted with the first transfer syntax proposed; C-ECHO-RSP without the
//                     Affected SOP Class UID.
//   dicompot-enforce  the same started with -enforce: a called AE other than its own ("radiant")
//                     is rejected with result 1, source 2, reason 2.
//   dicomhawk         honeynet/DICOMHawk (pynetdicom): DCMTK 3.6.2's implementation class UID and
//                     version name, pynetdicom's maximum PDU 16382, storage, Q/R and Verification
//                     accepted, every other abstract syntax refused (result 3).
//
// Level auth (answer_pdata): C-FIND, C-MOVE and C-GET on the access checks' association.
//   dicompot   server/server.go findMatchingFiles: every stored file whose elements match the
//              query's is one row, whatever the level, carrying the query's elements with the
//              file's values; the Query/Retrieve Level is echoed empty (go-dicom's Query
//              matches it without an element). Three stored files of one patient and study.
//   dicomhawk  dicom_server/core/dicomdb.py: a PATIENT answer is Patient ID and Patient's Name;
//              a STUDY answer is get_studyRoot_dataset's fixed twelve attributes; neither has
//              a Query/Retrieve Level. One patient, one study.
//   Both answer a C-MOVE or C-GET that matches nothing with success and no sub-operation.
// Web (http_answer, fault_server --mode dicomhawk-web / dicomhawk-login): GET / is DICOMHawk's
// log viewer (flask_logging_server/templates/base.html, title "DICOMHawk") or the generic-pacs
// profile's login page (src/profiles/generic-pacs/web/templates/login.html, title "PACS Web
// Login" over a password form); any other path is 404.
//
// Sans-IO: the functions take one whole PDU and return the answer; fault_server does the I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace honeypot_double {

using Bytes = std::vector<std::uint8_t>;

enum class Persona { Dicompot, DicompotEnforce, DicomHawk };

inline void put16(Bytes& b, std::size_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
inline void put32(Bytes& b, std::size_t v) {
  put16(b, (v >> 16) & 0xFFFF);
  put16(b, v & 0xFFFF);
}
inline void le16(Bytes& b, std::size_t v) {
  b.push_back(static_cast<std::uint8_t>(v));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}
inline void le32(Bytes& b, std::size_t v) {
  le16(b, v & 0xFFFF);
  le16(b, (v >> 16) & 0xFFFF);
}
inline std::size_t get16(const Bytes& b, std::size_t at) {
  return (std::size_t{b[at]} << 8) | b[at + 1];
}

// PS3.8 9.3.2.1 sub-item: type, reserved, 2-byte length, value.
inline void item(Bytes& out, std::uint8_t type, std::string_view value) {
  out.push_back(type);
  out.push_back(0);
  put16(out, value.size());
  out.insert(out.end(), value.begin(), value.end());
}

inline std::string trimmed(const Bytes& b, std::size_t at, std::size_t n) {
  std::string s(b.begin() + static_cast<std::ptrdiff_t>(at),
                b.begin() + static_cast<std::ptrdiff_t>(at + n));
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  return s;
}

// What DICOMHawk's AE supports: Verification, storage and Q/R SOP classes.
inline bool hawk_supports(std::string_view sop) {
  return sop == "1.2.840.10008.1.1" || sop.rfind("1.2.840.10008.5.1.4.1.1.", 0) == 0 ||
         sop.rfind("1.2.840.10008.5.1.4.1.2.", 0) == 0;
}
inline bool hawk_transfer(std::string_view ts) {
  return ts == "1.2.840.10008.1.2" || ts == "1.2.840.10008.1.2.1" || ts == "1.2.840.10008.1.2.2";
}

// The answer to one whole A-ASSOCIATE-RQ PDU (header included); nullopt when it is malformed.
inline std::optional<Bytes> answer_associate(Persona p, const Bytes& rq) {
  constexpr std::size_t kFixed = 74;  // PDU header 6 + fixed fields 68 (PS3.8 9.3.2)
  if (rq.size() < kFixed || rq[0] != 0x01) return std::nullopt;
  if (p == Persona::DicompotEnforce && trimmed(rq, 10, 16) != "radiant")
    return Bytes{0x03, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x01, 0x02, 0x02};

  Bytes body{0x00, 0x01, 0x00, 0x00};
  body.insert(body.end(), rq.begin() + 10, rq.begin() + 42);  // called and calling AE
  body.insert(body.end(), 32, 0);
  item(body, 0x10, "1.2.840.10008.3.1.1.1");
  for (std::size_t at = kFixed; at + 4 <= rq.size();) {
    const std::uint8_t type = rq[at];
    const std::size_t len = get16(rq, at + 2);
    if (at + 4 + len > rq.size()) return std::nullopt;
    if (type == 0x20 && len >= 4) {
      const std::uint8_t id = rq[at + 4];
      std::string abstract;
      std::vector<std::string> transfers;
      for (std::size_t s = at + 8; s + 4 <= at + 4 + len;) {
        const std::size_t sl = get16(rq, s + 2);
        if (s + 4 + sl > at + 4 + len) return std::nullopt;
        const std::string v = trimmed(rq, s + 4, sl);
        if (rq[s] == 0x30) abstract = v;
        if (rq[s] == 0x40) transfers.push_back(v);
        s += 4 + sl;
      }
      if (transfers.empty()) return std::nullopt;
      std::uint8_t result = 0;
      std::string ts = transfers.front();  // dicompot: the first one proposed, whatever it is
      if (p == Persona::DicomHawk) {
        result = hawk_supports(abstract) ? 4 : 3;
        for (const auto& t : transfers)
          if (result == 4 && hawk_transfer(t)) {
            result = 0;
            ts = t;
          }
      }
      Bytes ts_item;
      item(ts_item, 0x40, ts);
      body.push_back(0x21);
      body.push_back(0);
      put16(body, 4 + ts_item.size());
      body.insert(body.end(), {id, 0x00, result, 0x00});
      body.insert(body.end(), ts_item.begin(), ts_item.end());
    }
    at += 4 + len;
  }
  Bytes user;
  user.insert(user.end(), {0x51, 0x00, 0x00, 0x04});
  put32(user, p == Persona::DicomHawk ? 16382 : (4u << 20));
  if (p == Persona::DicomHawk) {
    item(user, 0x52, "1.2.276.0.7230010.3.0.3.6.2");
    item(user, 0x55, "OFFIS_DCMTK_362");
  }
  body.push_back(0x50);
  body.push_back(0);
  put16(body, user.size());
  body.insert(body.end(), user.begin(), user.end());

  Bytes ac{0x02, 0x00};
  put32(ac, body.size());
  ac.insert(ac.end(), body.begin(), body.end());
  return ac;
}

// One implicit VR little endian command element (PS3.7 6.3.1).
inline void element(Bytes& out, std::uint16_t elem, const Bytes& value) {
  le16(out, 0x0000);
  le16(out, elem);
  le32(out, value.size());
  out.insert(out.end(), value.begin(), value.end());
}
inline Bytes us(std::size_t v) {
  Bytes b;
  le16(b, v);
  return b;
}

// The C-ECHO-RSP to one whole P-DATA-TF carrying a C-ECHO-RQ command (single PDV, as dicomsec
// sends it); nullopt for anything else.
inline std::optional<Bytes> answer_echo(Persona p, const Bytes& pdata) {
  if (pdata.size() < 12 || pdata[0] != 0x04) return std::nullopt;
  const std::uint8_t context = pdata[10];
  std::optional<std::size_t> message_id;
  bool echo = false;
  for (std::size_t at = 12; at + 8 <= pdata.size();) {
    const std::size_t elem = std::size_t{pdata[at + 2]} | (std::size_t{pdata[at + 3]} << 8);
    const std::size_t len = std::size_t{pdata[at + 4]} | (std::size_t{pdata[at + 5]} << 8) |
                            (std::size_t{pdata[at + 6]} << 16) | (std::size_t{pdata[at + 7]} << 24);
    if (at + 8 + len > pdata.size()) return std::nullopt;
    if (len == 2) {
      const std::size_t v = std::size_t{pdata[at + 8]} | (std::size_t{pdata[at + 9]} << 8);
      if (elem == 0x0100) echo = v == 0x0030;
      if (elem == 0x0110) message_id = v;
    }
    at += 8 + len;
  }
  if (!echo || !message_id) return std::nullopt;
  Bytes cmd;
  if (p == Persona::DicomHawk) {  // pynetdicom echoes the Affected SOP Class UID; dicompot not
    const std::string_view v{"1.2.840.10008.1.1\0", 18};
    element(cmd, 0x0002, Bytes(v.begin(), v.end()));
  }
  element(cmd, 0x0100, us(0x8030));
  element(cmd, 0x0120, us(*message_id));
  element(cmd, 0x0800, us(0x0101));
  element(cmd, 0x0900, us(0x0000));
  Bytes group;
  Bytes length;
  le32(length, cmd.size());
  element(group, 0x0000, length);
  group.insert(group.end(), cmd.begin(), cmd.end());

  Bytes out{0x04, 0x00};
  put32(out, 4 + 2 + group.size());
  put32(out, 2 + group.size());
  out.push_back(context);
  out.push_back(0x03);  // command, last fragment
  out.insert(out.end(), group.begin(), group.end());
  return out;
}

// ---- level auth: DIMSE on the access checks' association ----------------------------------

// A command that announced a data set, waiting for it (PS3.7 9.1.1.1.9: 0x0101 = none).
struct PendingCommand {
  std::uint8_t context = 0;
  std::size_t field = 0, message_id = 0;
  std::string sop_class;
};
struct DimseState {
  std::optional<PendingCommand> pending;
};

// Implicit VR little endian data set element (PS3.5 7.1.2), value padded to even length.
inline void ds_element(Bytes& out, std::size_t group, std::size_t elem, std::string value,
                       char pad = ' ') {
  if (value.size() % 2) value.push_back(pad);
  le16(out, group);
  le16(out, elem);
  le32(out, value.size());
  out.insert(out.end(), value.begin(), value.end());
}

inline Bytes command_set(const std::string& sop_class, std::size_t field, std::size_t to,
                         std::size_t status, bool data) {
  Bytes cmd;
  std::string uid = sop_class;
  if (uid.size() % 2) uid.push_back('\0');
  element(cmd, 0x0002, Bytes(uid.begin(), uid.end()));
  element(cmd, 0x0100, us(field));
  element(cmd, 0x0120, us(to));
  element(cmd, 0x0800, us(data ? 0x0000 : 0x0101));
  element(cmd, 0x0900, us(status));
  Bytes group, length;
  le32(length, cmd.size());
  element(group, 0x0000, length);
  group.insert(group.end(), cmd.begin(), cmd.end());
  return group;
}

// One P-DATA-TF with one PDV (last fragment): command (flags 3) or data set (flags 2).
inline void pdv(Bytes& out, std::uint8_t context, bool command, const Bytes& value) {
  out.push_back(0x04);
  out.push_back(0x00);
  put32(out, 4 + 2 + value.size());
  put32(out, 2 + value.size());
  out.push_back(context);
  out.push_back(command ? 0x03 : 0x02);
  out.insert(out.end(), value.begin(), value.end());
}

inline constexpr std::string_view kPatientRootFind = "1.2.840.10008.5.1.4.1.2.1.1";

// The pending C-FIND-RSPs and the final one for a C-FIND of `sop_class`.
inline Bytes answer_find(Persona p, std::uint8_t context, const std::string& sop_class,
                         std::size_t id) {
  const bool patient = sop_class == kPatientRootFind;
  std::vector<Bytes> rows;
  if (p == Persona::DicomHawk) {
    Bytes r;
    if (patient) {  // get_patientRoot_dataset
      ds_element(r, 0x0010, 0x0010, "HAWK^SYNTHETIC");
      ds_element(r, 0x0010, 0x0020, "HAWK-0001");
    } else {  // get_studyRoot_dataset, in tag order as pydicom writes it
      ds_element(r, 0x0008, 0x0020, "20200101");
      ds_element(r, 0x0008, 0x0030, "120000");
      ds_element(r, 0x0008, 0x0050, "ACC0001");
      ds_element(r, 0x0008, 0x0061, "CT");
      ds_element(r, 0x0008, 0x0080, "SYNTHETIC HOSPITAL");
      ds_element(r, 0x0010, 0x0010, "HAWK^SYNTHETIC");
      ds_element(r, 0x0010, 0x0020, "HAWK-0001");
      ds_element(r, 0x0010, 0x0030, "19700101");
      ds_element(r, 0x0010, 0x0040, "O");
      ds_element(r, 0x0020, 0x000D, "2.25.4242", '\0');
      ds_element(r, 0x0020, 0x0010, "1");
      ds_element(r, 0x0020, 0x1208, "3");
    }
    rows.push_back(r);
  } else {  // dicompot: one row per stored file, the query's elements with the file's values
    for (int file = 0; file < 3; ++file) {
      Bytes r;
      ds_element(r, 0x0008, 0x0052, "");
      if (patient)
        ds_element(r, 0x0010, 0x0020, "POT-0001");
      else
        ds_element(r, 0x0020, 0x000D, "2.25.4343", '\0');
      rows.push_back(r);
    }
  }
  Bytes out;
  for (const auto& r : rows) {
    pdv(out, context, true, command_set(sop_class, 0x8020, id, 0xFF00, true));
    pdv(out, context, false, r);
  }
  pdv(out, context, true, command_set(sop_class, 0x8020, id, 0x0000, false));
  return out;
}

// One whole P-DATA-TF from the client: returns the answer (empty: nothing yet), or nullopt
// for what the double does not serve (it then closes, as the honeypots do on errors).
inline std::optional<Bytes> answer_pdata(Persona p, const Bytes& pdata, DimseState& st) {
  if (pdata.size() < 12 || pdata[0] != 0x04) return std::nullopt;
  Bytes out;
  for (std::size_t at = 6; at + 6 <= pdata.size();) {
    const std::size_t len = (std::size_t{pdata[at]} << 24) | (std::size_t{pdata[at + 1]} << 16) |
                            (std::size_t{pdata[at + 2]} << 8) | pdata[at + 3];
    if (len < 2 || at + 4 + len > pdata.size()) return std::nullopt;
    const std::uint8_t context = pdata[at + 4];
    const std::uint8_t flags = pdata[at + 5];
    const std::size_t begin = at + 6, end = at + 4 + len;
    at = end;
    if (!(flags & 0x02)) continue;  // not the last fragment: the doubles wait for it
    if (!(flags & 0x01)) {          // a data set: the identifier of the pending request
      if (!st.pending) return std::nullopt;
      const auto c = *st.pending;
      st.pending.reset();
      if (c.field == 0x0020) {
        const auto a = answer_find(p, c.context, c.sop_class, c.message_id);
        out.insert(out.end(), a.begin(), a.end());
      } else if (c.field == 0x0021 || c.field == 0x0010) {  // C-MOVE / C-GET: nothing matches
        pdv(out, c.context, true,
            command_set(c.sop_class, c.field | 0x8000, c.message_id, 0x0000, false));
      } else {
        return std::nullopt;
      }
      continue;
    }
    PendingCommand c;
    c.context = context;
    std::size_t data_type = 0x0101;
    for (std::size_t e = begin; e + 8 <= end;) {
      const std::size_t elem = std::size_t{pdata[e + 2]} | (std::size_t{pdata[e + 3]} << 8);
      const std::size_t el = std::size_t{pdata[e + 4]} | (std::size_t{pdata[e + 5]} << 8) |
                             (std::size_t{pdata[e + 6]} << 16) | (std::size_t{pdata[e + 7]} << 24);
      if (e + 8 + el > end) return std::nullopt;
      const std::size_t v = el >= 2 ? (std::size_t{pdata[e + 8]} | (std::size_t{pdata[e + 9]} << 8)) : 0;
      if (elem == 0x0002) c.sop_class = trimmed(pdata, e + 8, el);
      if (elem == 0x0100) c.field = v;
      if (elem == 0x0110) c.message_id = v;
      if (elem == 0x0800) data_type = v;
      e += 8 + el;
    }
    if (c.field == 0x0030) {  // C-ECHO
      Bytes one(pdata.begin(), pdata.end());
      auto echo = answer_echo(p, one);
      if (!echo) return std::nullopt;
      out.insert(out.end(), echo->begin(), echo->end());
    } else if (c.field == 0x0FFF) {  // C-CANCEL: the doubles finish their answers anyway
    } else if (data_type != 0x0101) {
      st.pending = c;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

// ---- web: DICOMHawk's pages --------------------------------------------------------------

enum class WebPersona { DicomHawkViewer, DicomHawkLogin };

// The whole HTTP/1.1 response to a GET of `path` (Flask answers 404 for unknown paths).
inline std::string http_answer(WebPersona w, std::string_view path) {
  std::string body, status = "200 OK";
  if (path == "/") {
    body = w == WebPersona::DicomHawkViewer
               ? "<!DOCTYPE html>\n<html>\n<head>\n    <title>DICOMHawk</title>\n</head>\n"
                 "<body><div class=\"container\">logs</div></body>\n</html>\n"
               : "<!DOCTYPE html>\n<html lang=\"en\">\n<head><title>PACS Web Login</title></head>\n"
                 "<body><h1>PACS Web Login</h1><form method=\"post\" action=\"/login\">"
                 "<input type=\"text\" name=\"username\"><input type=\"password\" "
                 "name=\"password\"><button type=\"submit\">Log in</button></form></body>\n"
                 "</html>\n";
  } else {
    status = "404 NOT FOUND";
    body = "<!doctype html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n";
  }
  return "HTTP/1.1 " + status + "\r\nServer: Werkzeug/2.2.2 Python/3.10.12\r\n" +
         "Content-Type: text/html; charset=utf-8\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: keep-alive\r\n\r\n" + body;
}

inline Bytes release_rp() { return {0x06, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00}; }

}  // namespace honeypot_double
