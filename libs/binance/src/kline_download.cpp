#include "ats/binance/kline_download.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>

namespace ats::binance {

namespace {

/// Reads the last complete row's open time; cuts a torn last line. -1 when the file is empty.
Result<std::int64_t> last_open_time(const std::string& path, std::size_t& rows) {
    rows = 0;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        return -1;
    }
    std::string content;
    {
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            return make_error(ErrorCode::kIo, fmt::format("{}: cannot read", path));
        }
        content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    const auto end = content.rfind('\n');
    const auto keep = end == std::string::npos ? 0 : end + 1;
    if (keep != content.size()) {
        std::filesystem::resize_file(path, keep, ec);
        if (ec) {
            return make_error(
                ErrorCode::kIo, fmt::format("{}: cannot cut torn line: {}", path, ec.message()));
        }
        content.resize(keep);
    }
    if (content.empty()) {
        return -1;
    }
    for (const char c : content) {
        rows += c == '\n' ? 1U : 0U;
    }
    const auto start = content.rfind('\n', content.size() - 2);
    const auto line = content.substr(start == std::string::npos ? 0 : start + 1);
    try {
        return std::stoll(line.substr(0, line.find(',')));
    } catch (const std::exception&) {
        return make_error(ErrorCode::kParse, fmt::format("{}: last row has no open time", path));
    }
}

std::string csv_row(const model::Bar& bar) {
    return fmt::format(
        "{},{},{},{},{},{},{},{},{},{},{},0\n",
        bar.open_time.unix_ms(),
        bar.open,
        bar.high,
        bar.low,
        bar.close,
        bar.volume,
        bar.close_time.unix_ms(),
        bar.quote_volume.value_or(Money{}),
        bar.trade_count.value_or(0),
        bar.taker_buy_base_volume.value_or(Qty{}),
        bar.taker_buy_quote_volume.value_or(Money{}));
}

}  // namespace

Result<DownloadReport> download_klines(
    RestClient& client, const DownloadRequest& request, const DownloadProgress& progress) {
    auto interval = parse_duration(request.interval);
    if (!interval || request.interval == "1M" || interval->ms() <= 0) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("interval '{}' is not supported", request.interval));
    }
    const auto step_ms = interval->ms();
    if (request.to_ms <= request.from_ms) {
        return make_error(ErrorCode::kInvalidArgument, "download: --to must be after --from");
    }
    DownloadReport report;
    auto last = last_open_time(request.output, report.bars_already_present);
    if (!last) {
        return tl::unexpected(last.error());
    }
    std::int64_t cursor = request.from_ms;
    if (*last >= 0) {
        cursor = std::max(cursor, *last + step_ms);
    }
    std::ofstream out(request.output, std::ios::binary | std::ios::app);
    if (!out) {
        return make_error(ErrorCode::kIo, fmt::format("{}: cannot write", request.output));
    }
    std::int64_t expected = cursor;
    while (cursor < request.to_ms) {
        auto page = client.klines(
            request.symbol, request.interval, cursor, request.to_ms - 1, request.page_limit);
        if (!page) {
            return tl::unexpected(page.error());
        }
        ++report.pages;
        std::string block;
        for (const auto& bar : *page) {
            const auto open = bar.open_time.unix_ms();
            if (open < cursor || open >= request.to_ms) {
                continue;  // out of the asked range: never trust the page blindly
            }
            if (open > expected) {
                report.gaps.emplace_back(expected, open);
                report.missing_bars += static_cast<std::size_t>((open - expected) / step_ms);
            }
            block += csv_row(bar);
            ++report.bars_written;
            expected = open + step_ms;
            cursor = expected;
        }
        out << block;
        out.flush();
        if (!out) {
            return make_error(ErrorCode::kIo, fmt::format("{}: write failed", request.output));
        }
        if (progress) {
            progress(cursor, report);
        }
        if (page->empty() || block.empty()) {
            break;  // nothing more up to to_ms
        }
    }
    if (expected < request.to_ms && report.pages > 0 && report.bars_written > 0) {
        // The exchange had nothing after the last bar in range (e.g. data ends): report it.
        const auto missing = (request.to_ms - expected) / step_ms;
        if (missing > 0) {
            report.gaps.emplace_back(expected, request.to_ms);
            report.missing_bars += static_cast<std::size_t>(missing);
        }
    }
    return report;
}

}  // namespace ats::binance
