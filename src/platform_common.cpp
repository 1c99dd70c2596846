// What both platforms do the same way, on top of their primitives.
#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <netdb.h>
#include <sys/socket.h>
#endif

#include <openssl/rand.h>

#include <boost/filesystem.hpp>
#include <memory>
#include <string>

#include "midks/error.hpp"
#include "midks/platform.hpp"

namespace midks::platform {

namespace fs = boost::filesystem;

// Temporary files are ".<name>.tmp.<pid>.<16 hex digits>" (and the same + ".bak", the link to the
// replaced file while a .bak is kept); older versions wrote ".<name>.tmp.<pid>[.bak]". Any of them
// in the folder that no live writer holds was left by one that was killed: it is removed (it may
// hold a private key), whatever file it was for.
namespace {
bool is_temporary_name(const std::string& name) {
  std::size_t at = name.rfind(".tmp.");
  if (name.size() < 2 || name[0] != '.' || at == std::string::npos || at < 2) return false;
  std::string rest = name.substr(at + 5);
  if (rest.size() > 4 && rest.compare(rest.size() - 4, 4, ".bak") == 0) rest.resize(rest.size() - 4);
  std::size_t dot = rest.find('.');
  std::string pid = rest.substr(0, dot), token = dot == std::string::npos ? "" : rest.substr(dot + 1);
  auto all_of = [](const std::string& s, const char* set) { return s.find_first_not_of(set) == std::string::npos; };
  return !pid.empty() && pid.size() <= 10 && all_of(pid, "0123456789") && (dot == std::string::npos || (token.size() == 16 && all_of(token, "0123456789abcdef")));
}
}  // namespace

std::string temp_path_for(const std::string& target_path) {
  fs::path target(target_path);
  fs::path dir = target.parent_path();
  boost::system::error_code ec;
  for (fs::directory_iterator it(dir.empty() ? fs::path(".") : dir, ec), end; !ec && it != end; it.increment(ec))
    if (is_temporary_name(it->path().filename().string())) remove_if_abandoned(it->path().string());
  unsigned char token[8];
  if (RAND_bytes(token, sizeof token) != 1) fail(ErrorCode::INTERNAL, "the random generator failed (RAND_bytes)");
  std::string hex;
  for (unsigned char b : token) hex += "0123456789abcdef"[b >> 4], hex += "0123456789abcdef"[b & 15];
  return (dir / ("." + target.filename().string() + ".tmp." + std::to_string(process_id()) + "." + hex)).string();
}

void create_folders(const std::string& path, unsigned mode) {
  fs::path target(path);
  if (target.empty() || fs::exists(target)) return;
  fs::path parent = target.parent_path();
  if (!parent.empty()) create_folders(parent.string(), mode);
  create_folder(path, parent.empty() ? "." : parent.string(), mode);
}

std::string TcpSocket::connect(const std::string& host, const std::string& port, int timeout_ms) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0)
    return "cannot resolve " + host + ": " + resolve_error_text(rc);
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, ::freeaddrinfo);
  std::string why = "no address";
  for (const addrinfo* a = found; a; a = a->ai_next) {
    TcpSocket s;
    why = s.connect_to(*a, timeout_ms);
    if (!why.empty()) continue;
    s.set_timeout(timeout_ms);
    *this = std::move(s);
    return "";
  }
  return why;
}

}  // namespace midks::platform
