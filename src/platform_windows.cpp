// The Windows side of include/midks/platform.hpp. Paths and text are UTF-8 everywhere above this
// file; here they become UTF-16 for the wide API, and the system's answers come back as UTF-8.
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <shellapi.h>
#include <wincrypt.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include <boost/filesystem.hpp>
#include <boost/filesystem/detail/utf8_codecvt_facet.hpp>
#include <algorithm>
#include <chrono>
#include <cstring>
#include <locale>
#include <thread>

#include "midks/error.hpp"
#include "midks/ossl.hpp"
#include "midks/platform.hpp"

namespace midks::platform {

namespace fs = boost::filesystem;

namespace {

std::wstring wide(std::string_view utf8) {
  if (utf8.empty()) return {};
  int n = ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
  std::wstring out(static_cast<std::size_t>(n), L'\0');
  ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), out.data(), n);
  return out;
}

std::string utf8(std::wstring_view text) {
  if (text.empty()) return {};
  int n = ::WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0, nullptr, nullptr);
  std::string out(static_cast<std::size_t>(n), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), out.data(), n, nullptr, nullptr);
  return out;
}

// The system's words for an error code, without the trailing newline FormatMessage adds.
std::string error_text(DWORD code) {
  wchar_t* buf = nullptr;
  DWORD n = ::FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr, code, 0,
                             reinterpret_cast<wchar_t*>(&buf), 0, nullptr);
  std::string text = n ? utf8(std::wstring_view(buf, n)) : "error " + std::to_string(code);
  if (buf) ::LocalFree(buf);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '.')) text.pop_back();
  return text.empty() ? "error " + std::to_string(code) : text;
}
std::string last_error_text() { return error_text(::GetLastError()); }

// A path for the calls that want it whole: absolute, with backslashes (ReplaceFileW refuses a
// relative "security/agent_keystore" with ERROR_DIRECTORY).
std::wstring full_path(const std::string& path) {
  fs::path whole = fs::absolute(fs::path(path));
  return whole.make_preferred().wstring();
}

bool is_missing(DWORD code) { return code == ERROR_FILE_NOT_FOUND || code == ERROR_PATH_NOT_FOUND; }

// A handle closed when it goes out of scope.
class UniqueHandle {
 public:
  explicit UniqueHandle(HANDLE h = INVALID_HANDLE_VALUE) : h_(h) {}
  ~UniqueHandle() {
    if (valid()) ::CloseHandle(h_);
  }
  UniqueHandle(const UniqueHandle&) = delete;
  UniqueHandle& operator=(const UniqueHandle&) = delete;
  bool valid() const { return h_ != INVALID_HANDLE_VALUE && h_ != nullptr; }
  HANDLE get() const { return h_; }
  void close() {
    if (valid()) ::CloseHandle(h_);
    h_ = INVALID_HANDLE_VALUE;
  }

 private:
  HANDLE h_;
};

HANDLE as_handle(std::intptr_t h) { return reinterpret_cast<HANDLE>(h); }

// The path the system resolves (links, junctions) for an existing file or folder; "" if none.
std::string final_path(const std::string& path) {
  UniqueHandle h(::CreateFileW(wide(path).c_str(), 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                               FILE_FLAG_BACKUP_SEMANTICS, nullptr));
  if (!h.valid()) return "";
  std::wstring buf(MAX_PATH, L'\0');
  for (;;) {
    DWORD n = ::GetFinalPathNameByHandleW(h.get(), buf.data(), static_cast<DWORD>(buf.size()), FILE_NAME_NORMALIZED);
    if (n == 0) return "";
    if (n < buf.size()) {
      buf.resize(n);
      break;
    }
    buf.resize(n + 1);
  }
  // "\\?\C:\..." and "\\?\UNC\server\share\...": the plain forms are what people read.
  if (buf.rfind(L"\\\\?\\UNC\\", 0) == 0) buf = L"\\\\" + buf.substr(8);
  else if (buf.rfind(L"\\\\?\\", 0) == 0) buf = buf.substr(4);
  return utf8(buf);
}

void write_all(HANDLE h, ByteView data, const std::string& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(data.size() - done, 1u << 30)), written = 0;
    if (!::WriteFile(h, data.data() + done, chunk, &written, nullptr))
      fail(ErrorCode::FILE_WRITE_FAILED, "cannot write " + path + ": " + last_error_text());
    done += written;
  }
}

}  // namespace

std::vector<std::string> start_process(int, char**) {
  // Passwords and private keys are in memory from the first argument on. A crash shows no dialog
  // (which would keep the process and its memory around) and, where Windows Error Reporting still
  // makes a report, it carries no heap, where our secrets are. Both are per-process settings with
  // nothing left behind; WerAddExcludedApplication would instead write the registry for every run
  // of any program of that name. WerSetFlags is looked up (kernel32, Windows 7+) rather than linked,
  // so the link line needs no wer.lib.
  ::SetErrorMode(::GetErrorMode() | SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
  constexpr DWORD kWerNoHeap = 0x1, kWerNoUi = 0x20;  // WER_FAULT_REPORTING_FLAG_NOHEAP, _NO_UI
  using WerSetFlagsFn = HRESULT(WINAPI*)(DWORD);
  if (HMODULE kernel = ::GetModuleHandleW(L"kernel32.dll"))
    if (auto set_flags = reinterpret_cast<WerSetFlagsFn>(reinterpret_cast<void*>(::GetProcAddress(kernel, "WerSetFlags"))))
      set_flags(kWerNoHeap | kWerNoUi);
  // Boost.Filesystem converts between std::string and Windows' UTF-16 with this facet: UTF-8,
  // not the ANSI code page, so a folder named "Zürich" round-trips.
  fs::path::imbue(std::locale(std::locale(), new fs::detail::utf8_codecvt_facet));
  ::SetConsoleOutputCP(CP_UTF8);  // what we print is UTF-8
  WSADATA wsa;
  ::WSAStartup(MAKEWORD(2, 2), &wsa);
  // The wide command line, not argv: argv holds the ANSI code page's rendering, which loses
  // every character outside it.
  int n = 0;
  wchar_t** wargv = ::CommandLineToArgvW(::GetCommandLineW(), &n);
  std::vector<std::string> args;
  for (int i = 1; wargv && i < n; ++i) args.push_back(utf8(wargv[i]));
  if (wargv) {
    for (int i = 1; i < n; ++i) ::SecureZeroMemory(wargv[i], std::wcslen(wargv[i]) * sizeof(wchar_t));
    ::LocalFree(wargv);
  }
  return args;
}

void prefault_heap(std::size_t) noexcept {
  // Not measured on Windows (whose heap commits memory in steps of its own): left as it is.
}

void exclude_from_dumps(const void*, std::size_t) noexcept {
  // Windows has no per-page exclusion for its crash reports: start_process leaves the heap out of them.
}

void wipe_argument(int argc, char** argv, std::size_t index) {
  if (index + 1 < static_cast<std::size_t>(argc)) {
    // The process's own copy of its command line, which other processes of the user can read:
    // the argument's characters are overwritten where they stand.
    int n = 0;
    wchar_t** wargv = ::CommandLineToArgvW(::GetCommandLineW(), &n);
    if (wargv && index + 1 < static_cast<std::size_t>(n)) {
      std::wstring secret = wargv[index + 1];
      wchar_t* line = ::GetCommandLineW();
      if (!secret.empty())
        if (wchar_t* at = std::wcsstr(line, secret.c_str())) std::fill(at, at + secret.size(), L'*');
      ::SecureZeroMemory(secret.data(), secret.size() * sizeof(wchar_t));
    }
    if (wargv) {
      for (int i = 1; i < n; ++i) ::SecureZeroMemory(wargv[i], std::wcslen(wargv[i]) * sizeof(wchar_t));
      ::LocalFree(wargv);
    }
    OPENSSL_cleanse(argv[index + 1], std::strlen(argv[index + 1]));
  }
}

std::optional<std::string> environment(const std::string& name) {
  std::wstring key = wide(name);
  ::SetLastError(0);  // an empty value also answers 0, without an error
  DWORD n = ::GetEnvironmentVariableW(key.c_str(), nullptr, 0);
  if (n == 0) return ::GetLastError() == ERROR_ENVVAR_NOT_FOUND ? std::nullopt : std::optional<std::string>("");
  std::wstring value(n, L'\0');
  n = ::GetEnvironmentVariableW(key.c_str(), value.data(), n);
  value.resize(n);
  std::string out = utf8(value);
  ::SecureZeroMemory(value.data(), value.size() * sizeof(wchar_t));
  return out;
}

std::string real_folder_of(const std::string& file_path) {
  // A link to the file leads to the folder of its target: that is where the replacement happens.
  if (std::string real = final_path(file_path); !real.empty()) return fs::path(real).parent_path().string();
  fs::path given(file_path);
  fs::path parent = given.has_parent_path() ? given.parent_path() : fs::current_path();
  if (std::string real = final_path(parent.string()); !real.empty()) return real;
  return parent.string();
}

FolderLock::FolderLock(const std::string& file_path, const std::string& what, int timeout_s) {
  // A folder cannot be locked on Windows: the lock is a byte of one hidden file in it, which every
  // writer of that folder opens by the folder's resolved name. The file stays (removing it would
  // let a writer that opened it before the removal and one that creates it afresh both "hold" it).
  std::string folder = real_folder_of(file_path);
  std::string lock_path = (fs::path(folder) / ".midks.lock").string();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  for (;;) {
    HANDLE h = ::CreateFileW(wide(lock_path).c_str(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                             nullptr, OPEN_ALWAYS, FILE_ATTRIBUTE_HIDDEN, nullptr);
    if (h == INVALID_HANDLE_VALUE) {
      DWORD err = ::GetLastError();
      if (err != ERROR_SHARING_VIOLATION && err != ERROR_ACCESS_DENIED)
        fail(ErrorCode::LOCK_FAILED, "cannot open " + lock_path + " to lock the folder " + folder + ": " + error_text(err));
    } else {
      OVERLAPPED at{};
      if (::LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &at)) {
        handle_ = reinterpret_cast<std::intptr_t>(h);
        return;
      }
      DWORD err = ::GetLastError();
      ::CloseHandle(h);
      if (err != ERROR_LOCK_VIOLATION && err != ERROR_IO_PENDING)
        fail(ErrorCode::LOCK_FAILED, "cannot lock the folder " + folder + ": " + error_text(err));
    }
    if (std::chrono::steady_clock::now() >= deadline)
      fail(ErrorCode::LOCK_TIMEOUT, "another process has been changing " + what + " for " + std::to_string(timeout_s) + " s");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

FolderLock::~FolderLock() {
  if (handle_ != -1) ::CloseHandle(as_handle(handle_));  // closing releases the lock
}

std::optional<FileAttributes> attributes_of(const std::string& path) {
  DWORD a = ::GetFileAttributesW(wide(path).c_str());
  if (a == INVALID_FILE_ATTRIBUTES) return std::nullopt;
  unsigned mode = (a & FILE_ATTRIBUTE_DIRECTORY) ? 0700u : (a & FILE_ATTRIBUTE_READONLY) ? 0400u : 0600u;
  return FileAttributes{0, 0, mode};
}

PathCheck check_path(const std::string& path) {
  if (::GetFileAttributesW(wide(path).c_str()) != INVALID_FILE_ATTRIBUTES) return {true, ""};
  DWORD err = ::GetLastError();
  return {false, is_missing(err) ? "" : error_text(err)};
}

bool entry_exists(const std::string& path) { return ::GetFileAttributesW(wide(path).c_str()) != INVALID_FILE_ATTRIBUTES; }

std::vector<std::string> expand_pattern(const std::string& pattern) {
  if (pattern.find_first_of("*?") == std::string::npos) return {pattern};
  std::size_t cut = pattern.find_last_of("/\\:");
  std::string folder = cut == std::string::npos ? "" : pattern.substr(0, cut + 1);
  std::vector<std::string> paths;
  WIN32_FIND_DATAW found;
  HANDLE h = ::FindFirstFileW(wide(pattern).c_str(), &found);
  if (h != INVALID_HANDLE_VALUE) {
    do {
      std::string name = utf8(found.cFileName);
      if (name != "." && name != "..") paths.push_back(folder + name);
    } while (::FindNextFileW(h, &found));
    ::FindClose(h);
  }
  std::sort(paths.begin(), paths.end());
  if (paths.empty()) paths.push_back(pattern);
  return paths;
}

bool remove_file(const std::string& path) { return ::DeleteFileW(wide(path).c_str()) != 0; }

InputFile::InputFile(const std::string& path) : path_(path) {
  std::wstring name = wide(path);
  DWORD a = ::GetFileAttributesW(name.c_str());
  if (a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY)) {
    kind_ = Kind::Folder;
    return;
  }
  HANDLE h = ::CreateFileW(name.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                           FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) {
    DWORD err = ::GetLastError();
    if (is_missing(err)) fail(ErrorCode::FILE_NOT_FOUND, "file not found: " + path);
    fail(ErrorCode::FILE_UNREADABLE, "cannot open " + path + ": " + error_text(err));
  }
  handle_ = reinterpret_cast<std::intptr_t>(h);
  switch (::GetFileType(h)) {
    case FILE_TYPE_DISK: {
      kind_ = Kind::Regular;
      LARGE_INTEGER size{};
      if (!::GetFileSizeEx(h, &size)) fail(ErrorCode::FILE_UNREADABLE, "cannot stat " + path + ": " + last_error_text());
      size_ = static_cast<std::uint64_t>(size.QuadPart);
      break;
    }
    case FILE_TYPE_PIPE: kind_ = Kind::Stream; break;
    default: kind_ = Kind::Other;
  }
}

InputFile::~InputFile() {
  if (handle_ != -1) ::CloseHandle(as_handle(handle_));
}

std::size_t InputFile::read(std::uint8_t* into, std::size_t n) {
  DWORD got = 0;
  if (!::ReadFile(as_handle(handle_), into, static_cast<DWORD>(std::min<std::size_t>(n, 1u << 30)), &got, nullptr)) {
    if (::GetLastError() == ERROR_BROKEN_PIPE) return 0;  // the writer of a pipe closed its end
    fail(ErrorCode::FILE_UNREADABLE, "cannot read " + path_ + ": " + last_error_text());
  }
  return got;
}

WriteOutcome replace_file(const std::string& requested_path, ByteView data, const WriteOptions& options) {
  std::string path = requested_path;
  DWORD old = ::GetFileAttributesW(wide(path).c_str());
  if (old != INVALID_FILE_ATTRIBUTES && (old & FILE_ATTRIBUTE_REPARSE_POINT)) {
    // Write where the link points, keeping the link.
    path = final_path(path);
    if (path.empty()) fail(ErrorCode::FILE_UNREADABLE, "cannot follow the symbolic link " + requested_path + ": " + last_error_text());
    old = ::GetFileAttributesW(wide(path).c_str());
  }
  bool replacing = old != INVALID_FILE_ATTRIBUTES;
  if (replacing && (old & FILE_ATTRIBUTE_DIRECTORY)) fail(ErrorCode::FILE_WRITE_FAILED, path + " is not a regular file; nothing was written");
  if (replacing && (old & FILE_ATTRIBUTE_READONLY))
    fail(ErrorCode::READ_ONLY, path + " is read-only (its read-only attribute is set); nothing was written");
  std::string tmp = temp_path_for(path);
  std::wstring wtmp = full_path(tmp), wpath = full_path(path);
  {
    // No security descriptor of our own: the file inherits its folder's ACL, so it is readable by
    // whom the folder lets read it (the MID's service account) and never by more.
    UniqueHandle f(::CreateFileW(wtmp.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL | FILE_FLAG_WRITE_THROUGH, nullptr));
    if (!f.valid()) fail(ErrorCode::FILE_WRITE_FAILED, "cannot write " + path + ": " + last_error_text() + " (creating a temporary file beside it)");
    try {
      write_all(f.get(), data, tmp);
      if (!::FlushFileBuffers(f.get())) fail(ErrorCode::FILE_WRITE_FAILED, "cannot flush " + tmp + ": " + last_error_text());
    } catch (...) {
      ::DeleteFileW(wtmp.c_str());
      throw;
    }
  }
  if (replacing) {
    // ReplaceFileW keeps the replaced file's ACL and attributes and, asked to, moves it to the .bak
    // in the same step; on failure the replaced file stays where it was.
    const bool keep = options.keep_previous;
    std::wstring bak = full_path(path + ".bak");
    if (!::ReplaceFileW(wpath.c_str(), wtmp.c_str(), keep ? bak.c_str() : nullptr, REPLACEFILE_IGNORE_MERGE_ERRORS, nullptr, nullptr)) {
      std::string why = last_error_text();
      ::DeleteFileW(wtmp.c_str());
      fail(keep ? ErrorCode::BACKUP_FAILED : ErrorCode::FILE_WRITE_FAILED, "cannot replace " + path + ": " + why);
    }
    // ReplaceFileW has no write-through of its own: flush the new file's metadata to the disk.
    UniqueHandle done(::CreateFileW(wpath.c_str(), GENERIC_WRITE, FILE_SHARE_READ, nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr));
    if (done.valid() && !::FlushFileBuffers(done.get()))
      fail(ErrorCode::NOT_DURABLE, "replaced " + path + ", but the system did not confirm that it reached the disk (" + last_error_text() +
                                       "): the new version is in place");
  } else if (!::MoveFileExW(wtmp.c_str(), wpath.c_str(), MOVEFILE_WRITE_THROUGH)) {
    std::string why = last_error_text();
    ::DeleteFileW(wtmp.c_str());
    fail(ErrorCode::FILE_WRITE_FAILED, "cannot write " + path + ": " + why);
  }
  return {};
}

namespace {

// Cuts an appended-to file back to its size before (or removes it when the append created it).
std::string cut_back(UniqueHandle& f, const std::string& path, const Appended& appended) {
  if (appended.created) {
    f.close();  // a file open without delete sharing cannot be deleted
    return ::DeleteFileW(full_path(path).c_str()) ? "" : last_error_text();
  }
  LARGE_INTEGER at;
  at.QuadPart = static_cast<LONGLONG>(appended.size_before);
  if (!::SetFilePointerEx(f.get(), at, nullptr, FILE_BEGIN) || !::SetEndOfFile(f.get()) || !::FlushFileBuffers(f.get())) return last_error_text();
  return "";
}

UniqueHandle open_for_append(const std::string& path, DWORD disposition) {
  return UniqueHandle(::CreateFileW(full_path(path).c_str(), GENERIC_WRITE, FILE_SHARE_READ, nullptr, disposition,
                                    FILE_ATTRIBUTE_NORMAL | FILE_FLAG_WRITE_THROUGH, nullptr));
}

}  // namespace

Appended append_to_file(const std::string& path, std::string_view text, const FileAttributes&) {
  Appended appended;
  UniqueHandle f = open_for_append(path, OPEN_ALWAYS);
  if (!f.valid()) return appended.error = last_error_text(), appended;
  appended.created = ::GetLastError() != ERROR_ALREADY_EXISTS;
  LARGE_INTEGER size {}, zero {};
  if (!::GetFileSizeEx(f.get(), &size) || !::SetFilePointerEx(f.get(), zero, nullptr, FILE_END))
    return appended.error = last_error_text(), appended;
  appended.size_before = static_cast<std::uint64_t>(size.QuadPart);
  DWORD written = 0;
  std::string why;
  if (!::WriteFile(f.get(), text.data(), static_cast<DWORD>(text.size()), &written, nullptr) || written != text.size())
    why = last_error_text();
  else if (!::FlushFileBuffers(f.get()))
    why = "cannot flush it to the disk: " + last_error_text();
  if (why.empty()) return appended;
  std::string undo = cut_back(f, path, appended);
  appended.error = undo.empty() ? why : why + " (and what was written could not be taken back: " + undo + ")";
  return appended;
}

std::string take_back_append(const std::string& path, const Appended& appended) {
  UniqueHandle f = open_for_append(path, OPEN_EXISTING);
  if (!f.valid()) return last_error_text();
  return cut_back(f, path, appended);
}

void create_folder(const std::string& path, const std::string&, unsigned) {
  // No security descriptor: the folder inherits its parent's ACL (never a wider one).
  if (!::CreateDirectoryW(wide(path).c_str(), nullptr) && ::GetLastError() != ERROR_ALREADY_EXISTS)
    fail(ErrorCode::CREATE_FOLDER_FAILED, "cannot create the folder " + path + ": " + last_error_text());
}

char32_t lower_case(char32_t cp) {
  // UTF-16: one unit, or a surrogate pair beyond the BMP.
  wchar_t in[2], out[4];
  int n = 1;
  if (cp >= 0x10000) {
    in[0] = static_cast<wchar_t>(0xD800 + ((cp - 0x10000) >> 10));
    in[1] = static_cast<wchar_t>(0xDC00 + ((cp - 0x10000) & 0x3FF));
    n = 2;
  } else {
    in[0] = static_cast<wchar_t>(cp);
  }
  int got = ::LCMapStringEx(LOCALE_NAME_INVARIANT, LCMAP_LOWERCASE, in, n, out, 4, nullptr, nullptr, 0);
  if (got == 1) return static_cast<char32_t>(out[0]);
  if (got == 2 && out[0] >= 0xD800 && out[0] < 0xDC00) return 0x10000 + ((static_cast<char32_t>(out[0]) - 0xD800) << 10) + (static_cast<char32_t>(out[1]) - 0xDC00);
  return cp;
}

std::uint32_t process_id() { return ::GetCurrentProcessId(); }

// A live writer keeps its temporary file open without delete sharing: DeleteFileW fails for it.
bool remove_if_abandoned(const std::string& path) { return ::DeleteFileW(full_path(path).c_str()) != 0; }

// Windows has no SIGTERM to clean up after; the next writer removes what a stopped one left.
TemporaryFileGuard::TemporaryFileGuard(const std::string&) {}
TemporaryFileGuard::~TemporaryFileGuard() = default;

bool stdin_is_terminal() {
  DWORD mode = 0;
  return ::GetConsoleMode(::GetStdHandle(STD_INPUT_HANDLE), &mode) != 0;
}

// Reads one line from the console with echo off; every buffer is wiped before it is released.
Password prompt_secret(const std::string& what) {
  UniqueHandle in(::CreateFileW(L"CONIN$", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_EXISTING, 0, nullptr));
  UniqueHandle out(::CreateFileW(L"CONOUT$", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_EXISTING, 0, nullptr));
  DWORD saved = 0;
  if (!in.valid() || !out.valid() || !::GetConsoleMode(in.get(), &saved))
    fail(ErrorCode::SECRET_UNAVAILABLE, "cannot ask for the " + what + ": there is no console");
  // Echo goes off before the question is shown, as on POSIX.
  ::SetConsoleMode(in.get(), (saved & ~static_cast<DWORD>(ENABLE_ECHO_INPUT)) | ENABLE_LINE_INPUT | ENABLE_PROCESSED_INPUT);
  std::wstring question = wide(what + ": ");
  DWORD n = 0;
  ::WriteConsoleW(out.get(), question.data(), static_cast<DWORD>(question.size()), &n, nullptr);
  wchar_t buf[1024];
  DWORD got = 0;
  BOOL ok = ::ReadConsoleW(in.get(), buf, 1024, &got, nullptr);
  ::SetConsoleMode(in.get(), saved);
  ::WriteConsoleW(out.get(), L"\r\n", 2, &n, nullptr);
  std::size_t len = ok ? got : 0;
  while (len > 0 && (buf[len - 1] == L'\n' || buf[len - 1] == L'\r')) --len;
  std::string text = utf8(std::wstring_view(buf, len));
  ::SecureZeroMemory(buf, sizeof buf);
  Password p(text);
  OPENSSL_cleanse(text.data(), text.size());
  return p;
}

// ---- TCP ----

namespace {
SOCKET as_socket(std::intptr_t h) { return static_cast<SOCKET>(h); }
}  // namespace

TcpSocket::~TcpSocket() {
  if (handle_ != -1) ::closesocket(as_socket(handle_));
}

TcpSocket& TcpSocket::operator=(TcpSocket&& other) noexcept {
  std::swap(handle_, other.handle_);
  return *this;
}

void TcpSocket::set_timeout(int timeout_ms) {
  DWORD ms = static_cast<DWORD>(timeout_ms);
  ::setsockopt(as_socket(handle_), SOL_SOCKET, SO_RCVTIMEO, reinterpret_cast<const char*>(&ms), sizeof ms);
  ::setsockopt(as_socket(handle_), SOL_SOCKET, SO_SNDTIMEO, reinterpret_cast<const char*>(&ms), sizeof ms);
}

std::string TcpSocket::connect_to(const addrinfo& a, int timeout_ms) {
  SOCKET raw = ::WSASocketW(a.ai_family, a.ai_socktype, a.ai_protocol, nullptr, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (raw == INVALID_SOCKET) return last_socket_error();
  handle_ = static_cast<std::intptr_t>(raw);
  u_long nonblocking = 1;
  ::ioctlsocket(raw, FIONBIO, &nonblocking);
  int rc = ::connect(raw, a.ai_addr, static_cast<int>(a.ai_addrlen));
  if (rc != 0 && ::WSAGetLastError() == WSAEWOULDBLOCK) {
    fd_set writable, failed;
    FD_ZERO(&writable);
    FD_ZERO(&failed);
    FD_SET(raw, &writable);
    FD_SET(raw, &failed);
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    if (::select(0, nullptr, &writable, &failed, &tv) == 0) return "no answer within " + std::to_string(timeout_ms / 1000) + " s";
    int err = 0;
    int len = sizeof err;
    ::getsockopt(raw, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&err), &len);
    rc = err == 0 && FD_ISSET(raw, &writable) ? 0 : -1;
    ::WSASetLastError(err);
  }
  if (rc != 0) return last_socket_error();
  nonblocking = 0;
  ::ioctlsocket(raw, FIONBIO, &nonblocking);
  return "";
}

std::string resolve_error_text(int code) { return error_text(static_cast<DWORD>(code)); }

std::string TcpSocket::send_all(std::string_view data) {
  if (::send(as_socket(handle_), data.data(), static_cast<int>(data.size()), 0) != static_cast<int>(data.size())) return last_socket_error();
  return "";
}

int TcpSocket::receive_byte(char& c) {
  int n = ::recv(as_socket(handle_), &c, 1, 0);
  return n > 0 ? 1 : n == 0 ? 0 : -1;
}

std::string last_socket_error() {
  int err = ::WSAGetLastError();
  return err != 0 ? error_text(static_cast<DWORD>(err)) : "";
}
void clear_socket_error() { ::WSASetLastError(0); }

bool is_ip_literal(const std::string& host) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 || ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

bool add_system_roots(X509_STORE* store) {
  // The machine's and the user's trusted roots, as Windows' own TLS clients see them.
  HCERTSTORE roots = ::CertOpenSystemStoreW(0, L"ROOT");
  if (!roots) return false;
  for (PCCERT_CONTEXT c = ::CertEnumCertificatesInStore(roots, nullptr); c; c = ::CertEnumCertificatesInStore(roots, c)) {
    const unsigned char* der = c->pbCertEncoded;
    if (ossl::X509Ptr cert(d2i_X509(nullptr, &der, static_cast<long>(c->cbCertEncoded))); cert)
      X509_STORE_add_cert(store, cert.get());  // a duplicate is refused, and that is fine
  }
  ::CertCloseStore(roots, 0);
  return true;
}

}  // namespace midks::platform
