#include "ats/ml/model_bundle.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ats/version.hpp"

namespace ats::ml {
namespace {

nlohmann::json metrics_object(const Metrics& m) {
    return nlohmann::json::parse(to_json(m));
}

}  // namespace

Status save_model_dir(
    const std::string& dir, const TrainedModel& model, const ModelMetadata& meta) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        return make_error(ErrorCode::kIo, fmt::format("cannot create {}: {}", dir, ec.message()));
    }
    nlohmann::json members = nlohmann::json::array();
    for (std::size_t i = 0; i < model.members.size(); ++i) {
        const std::string file = model.member_names[i] + ".json";
        if (auto s = model.members[i].save((std::filesystem::path(dir) / file).string()); !s) {
            return make_error(ErrorCode::kIo, s.error().message);
        }
        members.push_back(
            {{"name", model.member_names[i]}, {"file", file}, {"weight", model.weights[i]}});
    }
    const nlohmann::json doc = {
        {"format", "ats-ml-model/1"},
        {"asset", meta.asset},
        {"model", meta.model},
        {"members", members},
        {"features", meta.features.names()},
        {"label", meta.label.to_string()},
        {"train_from", meta.train_from.to_iso8601()},
        {"train_to", meta.train_to.to_iso8601()},
        {"train_rows", meta.train_rows},
        {"data_hash", meta.data_hash},
        {"walk_forward", meta.walk_forward},
        {"out_of_sample", metrics_object(meta.oos)},
        {"altdata", meta.altdata},
        {"versions", {{"ats", kVersion}, {"xgboost", Booster::library_version()}}}};
    const auto path = (std::filesystem::path(dir) / "metadata.json").string();
    std::ofstream out(path);
    out << doc.dump(2) << '\n';
    if (!out) {
        return make_error(ErrorCode::kIo, fmt::format("cannot write {}", path));
    }
    return ok_status();
}

Result<Predictor> Predictor::load(const std::string& dir) {
    const auto path = (std::filesystem::path(dir) / "metadata.json").string();
    std::ifstream in(path);
    if (!in) {
        return make_error(ErrorCode::kNotFound, fmt::format("no model metadata at {}", path));
    }
    Predictor out;
    try {
        std::ostringstream text;
        text << in.rdbuf();
        const auto doc = nlohmann::json::parse(text.str());
        const auto names = doc.at("features").get<std::vector<std::string>>();
        auto features = FeatureSet::parse(fmt::format("{}", fmt::join(names, ",")));
        if (!features) {
            return make_error(
                ErrorCode::kParse, fmt::format("{}: {}", path, features.error().message));
        }
        out.features_ = std::move(*features);
        out.label_ = doc.at("label").get<std::string>();
        out.altdata_ = doc.value("altdata", std::string());
        out.asset_ = doc.value("asset", std::string());
        for (const auto& member : doc.at("members")) {
            auto forest = FlatForest::load(
                (std::filesystem::path(dir) / member.at("file").get<std::string>()).string());
            if (!forest) {
                return tl::unexpected(forest.error());
            }
            out.forests_.push_back(std::move(*forest));
            out.weights_.push_back(member.at("weight").get<double>());
        }
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kParse, fmt::format("{}: {}", path, e.what()));
    }
    if (out.forests_.empty()) {
        return make_error(ErrorCode::kParse, fmt::format("{}: no members", path));
    }
    return out;
}

Result<std::vector<RecordedPrediction>> load_predictions_csv(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        return make_error(ErrorCode::kNotFound, fmt::format("cannot open predictions {}", path));
    }
    std::vector<RecordedPrediction> out;
    std::string line;
    std::size_t line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (line_no == 1 && line.rfind("open_time,probability", 0) == 0) {
            continue;
        }
        const auto c1 = line.find(',');
        const auto c2 = line.find(',', c1 == std::string::npos ? c1 : c1 + 1);
        std::int64_t ms = 0;
        double p = 0.0;
        const char* b = line.data();
        const auto r1 = c1 == std::string::npos
                            ? std::from_chars_result{b, std::errc::invalid_argument}
                            : std::from_chars(b, b + c1, ms);
        const char* pe = c2 == std::string::npos ? b + line.size() : b + c2;
        const auto r2 = c1 == std::string::npos
                            ? std::from_chars_result{b, std::errc::invalid_argument}
                            : std::from_chars(b + c1 + 1, pe, p);
        if (r1.ec != std::errc{} || r2.ec != std::errc{} || r2.ptr != pe ||
            !(p >= 0.0 && p <= 1.0)) {
            return make_error(
                ErrorCode::kParse,
                fmt::format("{}:{}: expected open_time_ms,probability in [0, 1]", path, line_no));
        }
        out.push_back(RecordedPrediction{Timestamp::from_unix_ms(ms), p});
    }
    if (out.empty()) {
        return make_error(
            ErrorCode::kParse, fmt::format("{}: no predictions (open_time_ms,probability)", path));
    }
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a.open_time < b.open_time;
    });
    // One probability per bar: two for one open time would make the result depend on order.
    for (std::size_t i = 1; i < out.size(); ++i) {
        if (out[i].open_time == out[i - 1].open_time) {
            return make_error(
                ErrorCode::kParse,
                fmt::format(
                    "{}: open_time {} appears more than once", path, out[i].open_time.unix_ms()));
        }
    }
    return out;
}

double Predictor::predict(std::span<const double> row) const noexcept {
    double p = 0.0;
    for (std::size_t i = 0; i < forests_.size(); ++i) {
        p += weights_[i] * forests_[i].predict(row);
    }
    return p;
}

}  // namespace ats::ml
