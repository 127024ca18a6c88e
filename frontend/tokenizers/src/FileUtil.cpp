//===- FileUtil.cpp - File reading and tokenizer_config.json fields -------===//
#include "FileUtil.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace attune {
namespace tokenizers {
namespace detail {

bool readFile(const std::string &path, std::string &out, std::string &error) {
  // O_NONBLOCK so that opening a FIFO does not wait for a writer.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    error = path + ": cannot stat: " + std::strerror(errno);
    ::close(fd);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    error = path + ": not a regular file";
    ::close(fd);
    return false;
  }
  out.clear();
  out.reserve(static_cast<size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      error = path + ": read failed: " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    if (n == 0)
      break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return true;
}

bool isDirectory(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool isRegularFile(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string joinPath(const std::string &dir, const std::string &name) {
  if (dir.empty())
    return name;
  if (dir.back() == '/')
    return dir + name;
  return dir + "/" + name;
}

std::string parentDirectory(const std::string &path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return "";
  if (slash == 0)
    return "/";
  return path.substr(0, slash);
}

bool parseJson(const std::string &path, const std::string &text, nlohmann::json &out,
               std::string &error) {
  try {
    out = nlohmann::json::parse(text);
  } catch (const std::exception &e) {
    error = path + ": invalid JSON: " + e.what();
    return false;
  }
  return true;
}

bool readConfig(const std::string &path, nlohmann::json &out, bool &present, std::string &error) {
  present = false;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT)
    return true;
  std::string text;
  if (!readFile(path, text, error))
    return false;
  if (!parseJson(path, text, out, error))
    return false;
  if (!out.is_object()) {
    error = path + ": expected a JSON object at the top level, got " + out.type_name();
    return false;
  }
  present = true;
  return true;
}

bool configBool(const nlohmann::json &cfg, const char *field, const std::string &path,
                std::optional<bool> &out, std::string &error) {
  auto it = cfg.find(field);
  if (it == cfg.end() || it->is_null())
    return true;
  if (!it->is_boolean()) {
    error = path + ": field '" + field + "' must be true, false or null, got " + it->type_name();
    return false;
  }
  out = it->get<bool>();
  return true;
}

bool configSize(const nlohmann::json &cfg, const char *field, const std::string &path,
                std::optional<uint64_t> &out, std::string &error) {
  auto it = cfg.find(field);
  if (it == cfg.end() || it->is_null())
    return true;
  if (it->is_number_unsigned()) {
    out = it->get<uint64_t>();
    return true;
  }
  if (it->is_number_float()) {
    // Hugging Face writes model_max_length = int(1e30) as 1e+30 when unset.
    double v = it->get<double>();
    if (v >= 0) {
      out = v >= 1.8e19 ? UINT64_MAX : static_cast<uint64_t>(v);
      return true;
    }
  }
  error = path + ": field '" + field + "' must be a non-negative integer, got " + it->dump();
  return false;
}

bool configToken(const nlohmann::json &cfg, const char *field, const std::string &path,
                 std::optional<std::string> &out, std::string &error) {
  auto it = cfg.find(field);
  if (it == cfg.end() || it->is_null())
    return true;
  if (it->is_string()) {
    out = it->get<std::string>();
    return true;
  }
  if (it->is_object()) {
    auto c = it->find("content");
    if (c != it->end() && c->is_string()) {
      out = c->get<std::string>();
      return true;
    }
  }
  error = path + ": field '" + field +
          "' must be a string or an object with a string \"content\", got " + it->type_name();
  return false;
}

std::string quote(std::string_view token) {
  std::string out = "'";
  for (unsigned char c : token) {
    if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else if (c == '\'' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(c);
    }
  }
  out += "'";
  return out;
}

} // namespace detail
} // namespace tokenizers
} // namespace attune
