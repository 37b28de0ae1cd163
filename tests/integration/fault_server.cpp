// fault_server — a misbehaving TCP peer for dicomsec's integration tests.
//
// Listens on a loopback address (127.0.0.1 by default, port 0 = pick a free one), prints the
// bound port as the first line of stdout, and serves every connection according to --mode:
//
//   silent        accept, read and discard, never answer (tarpit)
//   http          on any input answer "HTTP/1.1 400 Bad Request" and close
//   banner        send an SSH-like banner on connect, then read and discard
//   huge-pdu      on any input answer a PDU header type 0x02 with length 0xFFFFFFF0 plus a few
//                 bytes, then keep the connection open (read and discard)
//   garbage       on any input answer 64 random bytes (first byte never a PDU type 0x01-0x07),
//                 then keep the connection open
//   truncated-ac  on any input answer the first 20 bytes of an A-ASSOCIATE-AC that claims a
//                 length of 200, then stay silent
//   abort         on any input answer A-ABORT 07 00 00000004 00 00 02 00, then close
//   unproposed-context
//                 on any input answer a well-formed A-ASSOCIATE-AC that accepts context 1
//                 and context 255, which dicomsec never proposes (PS3.8 9.3.3.2 violation),
//                 then keep the connection open
//   reset         on any input close with RST (SO_LINGER 0)
//   tls-truncated on any input answer a TLS handshake record header claiming 100 bytes and
//                 10 bytes of it, then close (a truncated server flight)
//   tls-alert     on any input answer a fatal handshake_failure TLS alert, then close
//   slow          on any input drip an A-ASSOCIATE-RJ (permanent, service-user, reason 7)
//                 one byte every --interval-ms (500), then close
//   dicompot, dicompot-enforce, dicomhawk
//                 wire doubles of public DICOM honeypots (honeypot_double.hpp): answer the
//                 association, C-ECHO, C-FIND/C-MOVE/C-GET and release as those honeypots do
//   dicomhawk-web, dicomhawk-login
//                 DICOMHawk's web side over HTTP/1.1: GET / is its log viewer or its generic
//                 login page, anything else 404 (at most 32 requests per connection)
//
// The process exits by itself after --lifetime seconds (default 120) and on SIGINT/SIGTERM,
// so it can never outlive a test. Only loopback bind addresses are accepted.

#include <asio.hpp>

#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "honeypot_double.hpp"

namespace {

using asio::ip::tcp;
using Bytes = std::vector<std::uint8_t>;

enum class Mode { silent, http, banner, huge_pdu, garbage, truncated_ac, abort_pdu, unproposed_context, reset, slow, tls_truncated, tls_alert,
                  dicompot, dicompot_enforce, dicomhawk, dicomhawk_web, dicomhawk_login };

struct Options {
    Mode mode = Mode::silent;
    std::string bind = "127.0.0.1";
    unsigned short port = 0;
    long lifetime_s = 120;
    long interval_ms = 500;
    std::uint32_t seed = 0;
    bool seed_given = false;
    std::size_t max_connections = 4096;  // total accepted over the lifetime
};

bool parse_mode(std::string_view s, Mode& m) {
    struct Entry {
        std::string_view name;
        Mode mode;
    };
    static constexpr std::array<Entry, 17> table{{
        {"silent", Mode::silent},
        {"http", Mode::http},
        {"banner", Mode::banner},
        {"huge-pdu", Mode::huge_pdu},
        {"garbage", Mode::garbage},
        {"truncated-ac", Mode::truncated_ac},
        {"abort", Mode::abort_pdu},
        {"unproposed-context", Mode::unproposed_context},
        {"reset", Mode::reset},
        {"slow", Mode::slow},
        {"tls-truncated", Mode::tls_truncated},
        {"tls-alert", Mode::tls_alert},
        {"dicompot", Mode::dicompot},
        {"dicompot-enforce", Mode::dicompot_enforce},
        {"dicomhawk", Mode::dicomhawk},
        {"dicomhawk-web", Mode::dicomhawk_web},
        {"dicomhawk-login", Mode::dicomhawk_login},
    }};
    for (const auto& e : table) {
        if (e.name == s) {
            m = e.mode;
            return true;
        }
    }
    return false;
}

template <typename T>
bool parse_number(std::string_view s, T& out) {
    const auto* first = s.data();
    const auto* last = s.data() + s.size();
    auto [ptr, ec] = std::from_chars(first, last, out);
    return ec == std::errc{} && ptr == last;
}

[[noreturn]] void usage(const char* msg) {
    if (msg != nullptr) {
        std::cerr << "fault_server: " << msg << "\n";
    }
    std::cerr << "usage: fault_server --mode "
                 "silent|http|banner|huge-pdu|garbage|truncated-ac|abort|unproposed-context|reset|slow|tls-truncated|tls-alert|"
                 "dicompot|dicompot-enforce|dicomhawk|dicomhawk-web|dicomhawk-login\n"
                 "                    [--port N] [--bind 127.x.y.z|::1] [--lifetime SECONDS]\n"
                 "                    [--interval-ms N] [--seed N] [--max-connections N]\n";
    std::exit(2);
}

Options parse_args(int argc, char** argv) {
    Options o;
    bool have_mode = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto value = [&]() -> std::string_view {
            if (i + 1 >= argc) {
                usage("missing value");
            }
            return argv[++i];
        };
        if (a == "--mode") {
            if (!parse_mode(value(), o.mode)) {
                usage("unknown mode");
            }
            have_mode = true;
        } else if (a == "--port") {
            if (!parse_number(value(), o.port)) {
                usage("bad --port");
            }
        } else if (a == "--bind") {
            o.bind = std::string(value());
        } else if (a == "--lifetime") {
            if (!parse_number(value(), o.lifetime_s) || o.lifetime_s <= 0 || o.lifetime_s > 3600) {
                usage("bad --lifetime (1..3600)");
            }
        } else if (a == "--interval-ms") {
            if (!parse_number(value(), o.interval_ms) || o.interval_ms < 0 || o.interval_ms > 60000) {
                usage("bad --interval-ms (0..60000)");
            }
        } else if (a == "--seed") {
            if (!parse_number(value(), o.seed)) {
                usage("bad --seed");
            }
            o.seed_given = true;
        } else if (a == "--max-connections") {
            if (!parse_number(value(), o.max_connections) || o.max_connections == 0) {
                usage("bad --max-connections");
            }
        } else if (a == "-h" || a == "--help") {
            usage(nullptr);
        } else {
            usage("unknown argument");
        }
    }
    if (!have_mode) {
        usage("--mode is required");
    }
    return o;
}

// --- canned answers -------------------------------------------------------------------------

Bytes huge_pdu() {
    // A-ASSOCIATE-AC type, length 0xFFFFFFF0, then the start of a body (version 1, reserved).
    return {0x02, 0x00, 0xFF, 0xFF, 0xFF, 0xF0, 0x00, 0x01, 0x00, 0x00};
}

Bytes truncated_ac() {
    // 6-byte header (type 0x02, length 200), protocol version 1, reserved, then the first 10
    // bytes of the (space padded) called AE field: 20 bytes in all.
    Bytes b{0x02, 0x00, 0x00, 0x00, 0x00, 0xC8, 0x00, 0x01, 0x00, 0x00};
    const std::string_view ae = "ANY-SCP   ";
    b.insert(b.end(), ae.begin(), ae.end());
    return b;
}

// PS3.8 9.3.3: an A-ASSOCIATE-AC whose context items answer id 1 and id 255 (accepted,
// implicit VR little endian). dicomsec proposes odd ids from 1 upwards, never 255.
Bytes unproposed_context_ac() {
    auto item = [](std::uint8_t type, const Bytes& body) {
        Bytes b{type, 0x00, static_cast<std::uint8_t>(body.size() >> 8),
                static_cast<std::uint8_t>(body.size() & 0xFF)};
        b.insert(b.end(), body.begin(), body.end());
        return b;
    };
    auto text = [](std::string_view s) { return Bytes(s.begin(), s.end()); };
    auto context = [&](std::uint8_t id) {
        Bytes body{id, 0x00, 0x00, 0x00};  // id, reserved, result 0 (acceptance), reserved
        const Bytes ts = item(0x40, text("1.2.840.10008.1.2"));
        body.insert(body.end(), ts.begin(), ts.end());
        return item(0x21, body);
    };
    Bytes user = item(0x51, Bytes{0x00, 0x00, 0x40, 0x00});  // maximum length 16384
    const Bytes uid = item(0x52, text("1.2.826.0.1.3680043.2.1143.107"));
    user.insert(user.end(), uid.begin(), uid.end());
    Bytes body{0x00, 0x01, 0x00, 0x00};  // protocol version 1, reserved
    for (std::string_view ae : {std::string_view("ANY-SCP         "),
                                std::string_view("DICOMSEC        ")}) {
        body.insert(body.end(), ae.begin(), ae.end());
    }
    body.insert(body.end(), 32, 0x00);
    for (const Bytes& b : {item(0x10, text("1.2.840.10008.3.1.1.1")), context(1), context(255),
                           item(0x50, user)}) {
        body.insert(body.end(), b.begin(), b.end());
    }
    const auto n = static_cast<std::uint32_t>(body.size());
    Bytes pdu{0x02, 0x00, static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
              static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
    pdu.insert(pdu.end(), body.begin(), body.end());
    return pdu;
}

Bytes abort_pdu() { return {0x07, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x02, 0x00}; }

Bytes associate_rj() {
    // A-ASSOCIATE-RJ (PDU type 0x03): result 1 (permanent), source 1 (service-user), reason 7
    // (called AE title not recognised).
    return {0x03, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x01, 0x01, 0x07};
}

Bytes http_400() {
    const std::string_view s =
        "HTTP/1.1 400 Bad Request\r\n"
        "Server: fault_server\r\n"
        "Content-Type: text/plain\r\n"
        "Content-Length: 12\r\n"
        "Connection: close\r\n"
        "\r\n"
        "Bad Request\n";
    return {s.begin(), s.end()};
}

Bytes ssh_banner() {
    const std::string_view s = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u1\r\n";
    return {s.begin(), s.end()};
}

// --- per-connection behaviour ---------------------------------------------------------------

struct Shared {
    Options opt;
    std::mt19937 rng;
    std::size_t accepted = 0;
};

asio::awaitable<void> drain(tcp::socket& sock) {
    std::array<std::uint8_t, 4096> buf{};
    for (;;) {
        std::error_code ec;
        co_await sock.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            co_return;
        }
    }
}

asio::awaitable<bool> wait_for_input(tcp::socket& sock) {
    std::array<std::uint8_t, 4096> buf{};
    std::error_code ec;
    const std::size_t n =
        co_await sock.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec && n > 0;
}

asio::awaitable<bool> send(tcp::socket& sock, const Bytes& data) {
    std::error_code ec;
    co_await asio::async_write(sock, asio::buffer(data), asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec;
}

void close_graceful(tcp::socket& sock) {
    std::error_code ec;
    sock.shutdown(tcp::socket::shutdown_both, ec);
    sock.close(ec);
}

void close_reset(tcp::socket& sock) {
    std::error_code ec;
    sock.set_option(asio::socket_base::linger(true, 0), ec);
    sock.close(ec);
}

// One whole PDU (6-byte header + body), at most 64 KiB; empty on error or end of stream.
asio::awaitable<Bytes> read_pdu(tcp::socket& sock) {
    Bytes pdu(6);
    std::error_code ec;
    co_await asio::async_read(sock, asio::buffer(pdu), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
        co_return Bytes{};
    }
    const std::size_t len = (std::size_t{pdu[2]} << 24) | (std::size_t{pdu[3]} << 16) |
                            (std::size_t{pdu[4]} << 8) | pdu[5];
    if (len > 64 * 1024) {
        co_return Bytes{};
    }
    pdu.resize(6 + len);
    co_await asio::async_read(sock, asio::buffer(pdu.data() + 6, len),
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
        co_return Bytes{};
    }
    co_return pdu;
}

// DICOMHawk's web side: one GET after another on a keep-alive connection (bounded).
asio::awaitable<void> serve_web_double(tcp::socket sock, Mode mode) {
    const auto persona = mode == Mode::dicomhawk_web ? honeypot_double::WebPersona::DicomHawkViewer
                                                     : honeypot_double::WebPersona::DicomHawkLogin;
    std::string buffer;
    for (int i = 0; i < 32; ++i) {
        std::error_code ec;
        const std::size_t n = co_await asio::async_read_until(
            sock, asio::dynamic_buffer(buffer, 16 * 1024), "\r\n\r\n",
            asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            co_return;
        }
        const std::string head = buffer.substr(0, n);
        buffer.erase(0, n);
        const std::size_t sp1 = head.find(' ');
        const std::size_t sp2 = sp1 == std::string::npos ? sp1 : head.find(' ', sp1 + 1);
        if (sp2 == std::string::npos) {
            co_return;
        }
        const std::string answer = honeypot_double::http_answer(persona, head.substr(sp1 + 1, sp2 - sp1 - 1));
        const Bytes out(answer.begin(), answer.end());
        const bool sent = co_await send(sock, out);
        if (!sent) {
            co_return;
        }
    }
    close_graceful(sock);
}

// A honeypot double: association, C-ECHO, the access checks' DIMSE, release; at most 32 PDUs
// per connection.
asio::awaitable<void> serve_honeypot(tcp::socket sock, Mode mode) {
    using honeypot_double::Persona;
    const Persona persona = mode == Mode::dicompot           ? Persona::Dicompot
                            : mode == Mode::dicompot_enforce ? Persona::DicompotEnforce
                                                             : Persona::DicomHawk;
    honeypot_double::DimseState dimse;
    for (int i = 0; i < 32; ++i) {
        const Bytes pdu = co_await read_pdu(sock);
        if (pdu.empty()) {
            co_return;
        }
        std::optional<Bytes> answer;
        bool last = false;
        if (pdu[0] == 0x01) {
            answer = honeypot_double::answer_associate(persona, pdu);
            last = answer && (*answer)[0] == 0x03;
        } else if (pdu[0] == 0x04) {
            answer = honeypot_double::answer_pdata(persona, pdu, dimse);
        } else if (pdu[0] == 0x05) {
            answer = honeypot_double::release_rp();
            last = true;
        }
        if (!answer) {
            close_graceful(sock);
            co_return;
        }
        if (answer->empty()) {
            continue;  // a command waiting for its data set
        }
        const Bytes out = *answer;
        const bool sent = co_await send(sock, out);
        if (!sent || last) {
            close_graceful(sock);
            co_return;
        }
    }
    close_graceful(sock);
}

// Answer for the modes that reply once to the first input (empty for the others).
Bytes reply_for(Mode mode, std::mt19937& rng) {
    switch (mode) {
        case Mode::http:
            return http_400();
        case Mode::huge_pdu:
            return huge_pdu();
        case Mode::truncated_ac:
            return truncated_ac();
        case Mode::abort_pdu:
            return abort_pdu();
        case Mode::unproposed_context:
            return unproposed_context_ac();
        case Mode::tls_truncated:  // handshake record of 100 bytes: ServerHello header + 6 bytes
            return Bytes{22, 3, 3, 0, 100, 2, 0, 0, 96, 3, 3, 1, 2, 3, 4};
        case Mode::tls_alert:  // RFC 8446 6: fatal (2) handshake_failure (40)
            return Bytes{21, 3, 3, 0, 2, 2, 40};
        case Mode::garbage: {
            Bytes g(64);
            std::uniform_int_distribution<unsigned> dist(0, 255);
            for (auto& b : g) {
                b = static_cast<std::uint8_t>(dist(rng));
            }
            if (g[0] >= 0x01 && g[0] <= 0x07) {
                g[0] = static_cast<std::uint8_t>(g[0] | 0x80U);  // never a valid PDU type
            }
            return g;
        }
        default:
            return {};
    }
}

// Note: GCC 12 miscompiles some co_await expressions inside && or with temporaries, so each
// co_await below is a statement of its own with named operands.
asio::awaitable<void> serve(tcp::socket sock, std::shared_ptr<Shared> shared) {
    const Mode mode = shared->opt.mode;
    const long interval_ms = shared->opt.interval_ms;

    if (mode == Mode::dicompot || mode == Mode::dicompot_enforce || mode == Mode::dicomhawk) {
        co_await serve_honeypot(std::move(sock), mode);
        co_return;
    }
    if (mode == Mode::dicomhawk_web || mode == Mode::dicomhawk_login) {
        co_await serve_web_double(std::move(sock), mode);
        co_return;
    }
    if (mode == Mode::silent) {
        co_await drain(sock);
        co_return;
    }
    if (mode == Mode::banner) {
        const Bytes banner = ssh_banner();
        const bool sent = co_await send(sock, banner);
        if (sent) {
            co_await drain(sock);
        }
        co_return;
    }

    const bool got = co_await wait_for_input(sock);
    if (!got) {
        co_return;
    }

    if (mode == Mode::reset) {
        close_reset(sock);
        co_return;
    }

    if (mode == Mode::slow) {
        asio::steady_timer timer(sock.get_executor());
        const Bytes rj = associate_rj();
        for (std::size_t i = 0; i < rj.size(); ++i) {
            timer.expires_after(std::chrono::milliseconds(interval_ms));
            std::error_code ec;
            co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                co_return;
            }
            const Bytes one(1, rj[i]);
            const bool sent = co_await send(sock, one);
            if (!sent) {
                co_return;
            }
        }
        close_graceful(sock);
        co_return;
    }

    const Bytes reply = reply_for(mode, shared->rng);
    const bool sent = co_await send(sock, reply);
    if (!sent) {
        co_return;
    }
    if (mode == Mode::http || mode == Mode::abort_pdu || mode == Mode::tls_truncated ||
        mode == Mode::tls_alert) {
        close_graceful(sock);
        co_return;
    }
    co_await drain(sock);  // huge-pdu, garbage, truncated-ac, unproposed-context: stay open
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, std::shared_ptr<Shared> shared) {
    for (;;) {
        std::error_code ec;
        tcp::socket sock =
            co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
                co_return;
            }
            continue;
        }
        if (++shared->accepted > shared->opt.max_connections) {
            close_reset(sock);
            continue;
        }
        asio::co_spawn(acceptor.get_executor(), serve(std::move(sock), shared), asio::detached);
    }
}

bool is_loopback(const asio::ip::address& a) {
    return a.is_loopback();  // 127.0.0.0/8 or ::1
}

}  // namespace

int main(int argc, char** argv) {
    const Options opt = parse_args(argc, argv);

    std::error_code ec;
    const auto addr = asio::ip::make_address(opt.bind, ec);
    if (ec || !is_loopback(addr)) {
        std::cerr << "fault_server: --bind must be a loopback address (127.0.0.0/8 or ::1)\n";
        return 2;
    }

    auto shared = std::make_shared<Shared>();
    shared->opt = opt;
    if (opt.seed_given) {
        shared->rng.seed(opt.seed);
    } else {
        std::random_device rd;
        shared->rng.seed(rd());
    }

    asio::io_context io;
    tcp::acceptor acceptor(io);
    const tcp::endpoint ep(addr, opt.port);
    acceptor.open(ep.protocol(), ec);
    if (!ec) {
        acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    }
    if (!ec) {
        acceptor.bind(ep, ec);
    }
    if (!ec) {
        acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        std::cerr << "fault_server: cannot listen on " << opt.bind << ":" << opt.port << ": "
                  << ec.message() << "\n";
        return 1;
    }

    std::cout << acceptor.local_endpoint().port() << std::endl;  // first line, flushed

    asio::steady_timer lifetime(io);
    lifetime.expires_after(std::chrono::seconds(opt.lifetime_s));
    lifetime.async_wait([&io](const std::error_code&) { io.stop(); });

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&io](const std::error_code&, int) { io.stop(); });

    asio::co_spawn(io, accept_loop(acceptor, shared), asio::detached);
    io.run();
    return 0;
}
