#include "ats/bus/event_bus.hpp"

#include <cerrno>
#include <cstring>
#include <numeric>

namespace ats::bus {

EventBus::~EventBus() {
    close_journal();
}

std::uint64_t EventBus::dispatched() const noexcept {
    return std::accumulate(counts_.begin(), counts_.end(), std::uint64_t{0});
}

Status EventBus::open_journal(const std::string& path) {
    close_journal();
    journal_ = std::fopen(path.c_str(), "w");
    if (journal_ == nullptr) {
        return make_error(
            ErrorCode::kIo,
            fmt::format("{}: cannot write journal: {}", path, std::strerror(errno)));
    }
    return ok_status();
}

void EventBus::close_journal() {
    if (journal_ != nullptr) {
        std::fclose(journal_);
        journal_ = nullptr;
    }
}

void EventBus::record(const model::Event& event) {
    const std::string line = model::to_json_line(event);
    std::fwrite(line.data(), 1, line.size(), journal_);
    std::fputc('\n', journal_);
}

}  // namespace ats::bus
