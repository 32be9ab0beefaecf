#include "ats/ml/booster.hpp"

#include <cstring>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <xgboost/c_api.h>

namespace ats::ml {
namespace {

/// Turns a nonzero XGBoost return code into an Error with the library's message.
Status xgb_check(int rc, std::string_view what) {
    if (rc == 0) {
        return ok_status();
    }
    return make_error(ErrorCode::kInternal, fmt::format("xgboost {}: {}", what, XGBGetLastError()));
}

#define ATS_XGB_TRY(call, what)                       \
    do {                                              \
        if (auto s_ = xgb_check((call), what); !s_) { \
            return tl::unexpected(s_.error());        \
        }                                             \
    } while (false)

/// Owns one DMatrixHandle.
class DMatrix {
public:
    DMatrix() = default;
    DMatrix(const DMatrix&) = delete;
    DMatrix& operator=(const DMatrix&) = delete;
    ~DMatrix() {
        if (handle_ != nullptr) {
            XGDMatrixFree(handle_);
        }
    }
    DMatrixHandle* out() { return &handle_; }
    DMatrixHandle get() const { return handle_; }

private:
    DMatrixHandle handle_ = nullptr;
};

Status make_dmatrix(const DenseRows& x, DMatrix& out) {
    return xgb_check(
        XGDMatrixCreateFromMat(
            x.values.data(),
            static_cast<bst_ulong>(x.rows),
            static_cast<bst_ulong>(x.cols),
            std::numeric_limits<float>::quiet_NaN(),
            out.out()),
        "XGDMatrixCreateFromMat");
}

}  // namespace

struct Booster::Impl {
    BoosterHandle handle = nullptr;
    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    ~Impl() {
        if (handle != nullptr) {
            XGBoosterFree(handle);
        }
    }
    Status set(const char* name, const std::string& value) const {
        return xgb_check(XGBoosterSetParam(handle, name, value.c_str()), name);
    }
};

Booster::Booster(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Booster::Booster(Booster&&) noexcept = default;
Booster& Booster::operator=(Booster&&) noexcept = default;
Booster::~Booster() = default;

Result<Booster> Booster::train(
    const DenseRows& x, std::span<const float> y, const BoosterParams& params) {
    if (x.rows == 0 || x.cols == 0 || y.size() != x.rows || x.values.size() != x.rows * x.cols) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "training data: {} rows x {} cols with {} labels", x.rows, x.cols, y.size()));
    }
    DMatrix dtrain;
    if (auto s = make_dmatrix(x, dtrain); !s) {
        return tl::unexpected(s.error());
    }
    ATS_XGB_TRY(
        XGDMatrixSetFloatInfo(dtrain.get(), "label", y.data(), static_cast<bst_ulong>(y.size())),
        "XGDMatrixSetFloatInfo");
    auto impl = std::make_unique<Impl>();
    const DMatrixHandle cache[] = {dtrain.get()};
    ATS_XGB_TRY(XGBoosterCreate(cache, 1, &impl->handle), "XGBoosterCreate");
    const bool forest = params.kind == ModelKind::kRandomForest;
    const std::pair<const char*, std::string> settings[] = {
        {"objective", "binary:logistic"},
        {"tree_method", "hist"},
        {"nthread", std::to_string(params.threads)},
        {"seed", std::to_string(params.seed)},
        {"max_depth", std::to_string(params.max_depth)},
        {"min_child_weight", fmt::format("{}", params.min_child_weight)},
        {"lambda", fmt::format("{}", params.reg_lambda)},
        {"alpha", fmt::format("{}", params.reg_alpha)},
        {"subsample", fmt::format("{}", params.subsample)},
        {"eta", forest ? std::string("1") : fmt::format("{}", params.learning_rate)},
        {forest ? "colsample_bynode" : "colsample_bytree", fmt::format("{}", params.colsample)},
        {"num_parallel_tree", forest ? std::to_string(params.trees) : std::string("1")},
        {"verbosity", "0"},
    };
    for (const auto& [name, value] : settings) {
        if (auto s = impl->set(name, value); !s) {
            return tl::unexpected(s.error());
        }
    }
    const int rounds = forest ? 1 : params.rounds;
    for (int i = 0; i < rounds; ++i) {
        ATS_XGB_TRY(
            XGBoosterUpdateOneIter(impl->handle, i, dtrain.get()), "XGBoosterUpdateOneIter");
    }
    return Booster(std::move(impl));
}

Result<Booster> Booster::load(const std::string& path) {
    auto impl = std::make_unique<Impl>();
    ATS_XGB_TRY(XGBoosterCreate(nullptr, 0, &impl->handle), "XGBoosterCreate");
    ATS_XGB_TRY(XGBoosterLoadModel(impl->handle, path.c_str()), "load " + path);
    if (auto s = impl->set("nthread", "1"); !s) {
        return tl::unexpected(s.error());
    }
    return Booster(std::move(impl));
}

Result<std::vector<double>> Booster::predict(const DenseRows& x) const {
    DMatrix d;
    if (auto s = make_dmatrix(x, d); !s) {
        return tl::unexpected(s.error());
    }
    bst_ulong len = 0;
    const float* result = nullptr;
    ATS_XGB_TRY(
        XGBoosterPredict(impl_->handle, d.get(), 0, 0, 0, &len, &result), "XGBoosterPredict");
    // Copy at once: the buffer belongs to the booster and the next call overwrites it.
    return std::vector<double>(result, result + len);
}

Result<double> Booster::predict_one(std::span<const float> row) const {
    const std::string array = fmt::format(
        R"({{"data": [{}, true], "shape": [1, {}], "typestr": "<f4", "version": 3}})",
        reinterpret_cast<std::uintptr_t>(row.data()),
        row.size());
    static constexpr const char* kConfig =
        R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false, "cache_id": 0, "missing": NaN})";
    const bst_ulong* shape = nullptr;
    bst_ulong dim = 0;
    const float* result = nullptr;
    ATS_XGB_TRY(
        XGBoosterPredictFromDense(
            impl_->handle, array.c_str(), kConfig, nullptr, &shape, &dim, &result),
        "XGBoosterPredictFromDense");
    return static_cast<double>(result[0]);
}

Status Booster::save(const std::string& path) const {
    return xgb_check(XGBoosterSaveModel(impl_->handle, path.c_str()), "save " + path);
}

Result<std::vector<double>> Booster::gain_importance(std::size_t cols) const {
    static constexpr const char* kConfig =
        R"({"importance_type": "total_gain", "feature_names": []})";
    bst_ulong n_features = 0;
    const char** names = nullptr;
    bst_ulong out_dim = 0;
    const bst_ulong* shape = nullptr;
    const float* scores = nullptr;
    ATS_XGB_TRY(
        XGBoosterFeatureScore(
            impl_->handle, kConfig, &n_features, &names, &out_dim, &shape, &scores),
        "XGBoosterFeatureScore");
    std::vector<double> out(cols, 0.0);
    for (bst_ulong i = 0; i < n_features; ++i) {
        // Without feature names XGBoost calls them f0, f1, ...
        const std::string_view name(names[i]);
        if (name.size() > 1 && name[0] == 'f') {
            const auto index = std::stoul(std::string(name.substr(1)));
            if (index < cols) {
                out[index] = static_cast<double>(scores[i]);
            }
        }
    }
    return out;
}

std::string Booster::library_version() {
    int major = 0;
    int minor = 0;
    int patch = 0;
    XGBoostVersion(&major, &minor, &patch);
    return fmt::format("{}.{}.{}", major, minor, patch);
}

}  // namespace ats::ml

#undef ATS_XGB_TRY
