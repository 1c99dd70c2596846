// What both platforms do the same way, on top of their primitives.
#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <netdb.h>
#include <sys/socket.h>
#endif

#include <boost/filesystem.hpp>
#include <memory>
#include <string>

#include "midks/platform.hpp"

namespace midks::platform {

namespace fs = boost::filesystem;

// Temporary files are ".<name>.tmp.<pid>" (and ".<name>.tmp.<pid>.bak", the link to the replaced
// file while a .bak is kept). One left by a process that was killed mid-write is removed by the
// next writer; one whose process still runs is left alone.
std::string temp_path_for(const std::string& target_path) {
  fs::path target(target_path);
  fs::path dir = target.parent_path();
  std::string prefix = "." + target.filename().string() + ".tmp.";
  boost::system::error_code ec;
  for (fs::directory_iterator it(dir.empty() ? fs::path(".") : dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    std::string pid_text = name.substr(prefix.size());
    if (pid_text.size() > 4 && pid_text.compare(pid_text.size() - 4, 4, ".bak") == 0) pid_text.resize(pid_text.size() - 4);
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos || pid_text.size() > 9) continue;
    if (!process_running(static_cast<std::uint32_t>(std::stoul(pid_text)))) remove_file(it->path().string());
  }
  return (dir / (prefix + std::to_string(process_id()))).string();
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
