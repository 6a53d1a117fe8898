// SPDX-License-Identifier: MIT
#include <promqt/process.h>

#include <optional>
#include <string>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/resource.h>
#include <sys/time.h>
#define PROMQT_HAVE_POSIX 1
#endif

#if defined(__linux__)
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#endif

namespace promqt {

namespace {

prometheus::MetricFamily family(const char* name, const char* help, prometheus::MetricType type, double value) {
    prometheus::MetricFamily f;
    f.name = name;
    f.help = help;
    f.type = type;
    prometheus::ClientMetric m;
    if (type == prometheus::MetricType::Counter)
        m.counter.value = value;
    else
        m.gauge.value = value;
    f.metric.push_back(std::move(m));
    return f;
}

#if defined(__linux__)
// Reads a small /proc file in one go. /proc files report a size of 0, so read until EOF.
std::optional<std::string> readProcFile(const char* path) {
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return std::nullopt;
    std::string content;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) {
            ::close(fd);
            return std::nullopt;
        }
        if (n == 0)
            break;
        content.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return content;
}

// The fields of /proc/self/stat that we report (see proc(5); field numbers are 1-based).
struct Stat {
    unsigned long long utimeTicks = 0;     // 14
    unsigned long long stimeTicks = 0;     // 15
    unsigned long long startTicks = 0;     // 22, clock ticks after boot
    unsigned long long vsizeBytes = 0;     // 23
    long long rssPages = 0;                // 24
};

std::optional<Stat> readStat() {
    const auto content = readProcFile("/proc/self/stat");
    if (!content)
        return std::nullopt;
    // Field 2 is the command name in parentheses and may itself contain spaces and ')': the
    // remaining fields start after the *last* ')'.
    const auto close = content->rfind(')');
    if (close == std::string::npos)
        return std::nullopt;
    const char* p = content->c_str() + close + 1;
    Stat stat;
    // After ')' comes field 3 (state). Walk the space-separated fields up to 24.
    for (int field = 3; field <= 24; ++field) {
        while (*p == ' ')
            ++p;
        if (*p == '\0')
            return std::nullopt;
        char* end = nullptr;
        switch (field) {
        case 14: stat.utimeTicks = std::strtoull(p, &end, 10); break;
        case 15: stat.stimeTicks = std::strtoull(p, &end, 10); break;
        case 22: stat.startTicks = std::strtoull(p, &end, 10); break;
        case 23: stat.vsizeBytes = std::strtoull(p, &end, 10); break;
        case 24: stat.rssPages = std::strtoll(p, &end, 10); break;
        default: break;
        }
        while (*p != ' ' && *p != '\0')
            ++p;
    }
    return stat;
}

// Boot time in seconds since the epoch, from the "btime" line of /proc/stat.
std::optional<double> bootTime() {
    const auto content = readProcFile("/proc/stat");
    if (!content)
        return std::nullopt;
    const auto pos = content->find("\nbtime ");
    if (pos == std::string::npos)
        return std::nullopt;
    return std::strtod(content->c_str() + pos + 7, nullptr);
}

// Open descriptors: the entries of /proc/self/fd, minus the one that reading the directory
// itself holds open (client_golang and client_python count that one too; it is an artefact of
// measuring, not a descriptor of the application).
std::optional<double> openFds() {
    DIR* dir = ::opendir("/proc/self/fd");
    if (!dir)
        return std::nullopt;
    const int own = ::dirfd(dir);
    double count = 0;
    while (const dirent* entry = ::readdir(dir)) {
        if (entry->d_name[0] == '.')
            continue;
        if (std::atoi(entry->d_name) == own)
            continue;
        ++count;
    }
    ::closedir(dir);
    return count;
}
#endif

} // namespace

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
    using prometheus::MetricType;
    std::vector<prometheus::MetricFamily> families;

#if defined(__linux__)
    static const double ticksPerSecond = static_cast<double>(::sysconf(_SC_CLK_TCK));
    static const double pageSize = static_cast<double>(::sysconf(_SC_PAGESIZE));
    if (const auto stat = readStat()) {
        families.push_back(family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                                  MetricType::Counter,
                                  static_cast<double>(stat->utimeTicks + stat->stimeTicks) / ticksPerSecond));
        families.push_back(family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                                  MetricType::Gauge, static_cast<double>(stat->vsizeBytes)));
        families.push_back(family("process_resident_memory_bytes", "Resident memory size in bytes.",
                                  MetricType::Gauge, static_cast<double>(stat->rssPages) * pageSize));
        if (const auto boot = bootTime())
            families.push_back(family("process_start_time_seconds",
                                      "Start time of the process since unix epoch in seconds.", MetricType::Gauge,
                                      *boot + static_cast<double>(stat->startTicks) / ticksPerSecond));
    }
    if (const auto fds = openFds())
        families.push_back(family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, *fds));
#elif defined(PROMQT_HAVE_POSIX)
    rusage usage{};
    if (::getrusage(RUSAGE_SELF, &usage) == 0) {
        const auto seconds = [](const timeval& tv) {
            return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
        };
        families.push_back(family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                                  MetricType::Counter, seconds(usage.ru_utime) + seconds(usage.ru_stime)));
    }
#endif

#if defined(PROMQT_HAVE_POSIX)
    // The soft limit is what the process may actually open (and what /proc/self/limits shows
    // as "Max open files"); getrlimit() gives it portably.
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
        families.push_back(family("process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge,
                                  static_cast<double>(limit.rlim_cur)));
#endif

    return families;
}

} // namespace promqt
