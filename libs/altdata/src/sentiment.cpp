#include "ats/altdata/sentiment.hpp"

#include <cctype>
#include <cmath>
#include <string>
#include <unordered_map>
#include <vector>

namespace ats::altdata {
namespace {

// Written for crypto and market headlines: price moves, flows, regulation, crime, adoption.
const std::unordered_map<std::string, double>& lexicon() {
    static const std::unordered_map<std::string, double> kWords = {
        // Price up, strength.
        {"rally", 2.5},
        {"rallies", 2.5},
        {"rallied", 2.5},
        {"surge", 2.5},
        {"surges", 2.5},
        {"surged", 2.5},
        {"soar", 3},
        {"soars", 3},
        {"soared", 3},
        {"jump", 2},
        {"jumps", 2},
        {"jumped", 2},
        {"gain", 1.5},
        {"gains", 1.8},
        {"rise", 1.3},
        {"rises", 1.5},
        {"rising", 1.2},
        {"climb", 1.5},
        {"climbs", 1.5},
        {"tops", 1.5},
        {"highest", 1.5},
        {"rebound", 2},
        {"rebounds", 2},
        {"recover", 1.5},
        {"recovers", 2},
        {"recovery", 1.5},
        {"regains", 2},
        {"reclaims", 1.8},
        {"bullish", 2.5},
        {"bulls", 1.5},
        {"bull", 1.2},
        {"boom", 2.5},
        {"upside", 1.5},
        {"uptrend", 1.5},
        {"optimism", 2},
        {"optimistic", 2},
        {"boost", 1.8},
        {"boosts", 1.8},
        {"lifts", 1.8},
        {"tailwind", 1.8},
        {"outperforms", 1.8},
        {"outperformed", 1.8},
        {"outperform", 1.5},
        {"overtakes", 1.8},
        {"strong", 1.5},
        {"strengthens", 1.8},
        {"resilience", 2},
        {"resilient", 2},
        {"firm", 1},
        {"encouraging", 2},
        {"improves", 2},
        {"improve", 1.5},
        {"defend", 1},
        {"defends", 1},
        // Flows, adoption, institutions, approvals.
        {"approval", 2},
        {"approves", 2.5},
        {"approved", 2.5},
        {"adoption", 1.8},
        {"accept", 1.2},
        {"accepts", 1.5},
        {"launch", 1.2},
        {"launches", 1.2},
        {"invest", 1},
        {"investment", 1},
        {"buy", 1.2},
        {"buys", 1.5},
        {"purchase", 1.2},
        {"purchases", 1.2},
        {"acquires", 1.2},
        {"inflow", 1.5},
        {"inflows", 1.5},
        {"accumulation", 1.5},
        {"reserve", 1.2},
        {"expands", 1.5},
        {"expand", 1.2},
        {"innovation", 1.5},
        {"revolution", 1},
        {"milestone", 1.5},
        {"partnership", 1.5},
        {"victory", 2.5},
        {"wins", 2},
        {"win", 1.5},
        {"profit", 1.2},
        {"profitable", 1.5},
        {"protect", 1.2},
        {"refunds", 1.5},
        {"warming", 1.2},
        {"favors", 1},
        {"hodl", 1.5},
        {"record", 1.2},
        {"upgrade", 1.2},
        {"backs", 1},
        {"leads", 1},
        {"leading", 1},
        // Price down, weakness.
        {"crash", -3},
        {"crashes", -3},
        {"plunge", -3},
        {"plunges", -3},
        {"plunged", -3},
        {"tumble", -2.5},
        {"tumbles", -2.5},
        {"tumbled", -2.5},
        {"drop", -1.8},
        {"drops", -1.8},
        {"dropped", -1.8},
        {"dropping", -1.8},
        {"fall", -1.5},
        {"falls", -1.8},
        {"falling", -1.5},
        {"fell", -1.8},
        {"slide", -1.8},
        {"slides", -2},
        {"slump", -2.5},
        {"slumps", -2.5},
        {"selloff", -2.5},
        {"dip", -1},
        {"dips", -1.2},
        {"decline", -1.8},
        {"declines", -1.8},
        {"loss", -2},
        {"losses", -2},
        {"lose", -1.8},
        {"loses", -1.8},
        {"losing", -1.8},
        {"lost", -1.5},
        {"lower", -1.2},
        {"down", -1.2},
        {"bearish", -2.5},
        {"bears", -1.5},
        {"bear", -1.5},
        {"downtrend", -2},
        {"pullback", -1.5},
        {"capitulation", -2.5},
        {"liquidation", -2},
        {"liquidations", -2},
        {"fatigue", -1.5},
        {"stalls", -1.5},
        {"stall", -1.5},
        {"struggle", -1.8},
        {"struggles", -1.8},
        {"weak", -1.5},
        {"weaker", -1.5},
        {"withers", -2},
        {"bleed", -2.5},
        {"ugly", -2.5},
        {"shudder", -2},
        {"shakes", -1.5},
        {"whiplash", -1.5},
        {"wobble", -1.2},
        {"wobbles", -1.2},
        {"buckle", -2},
        {"depressed", -2},
        {"lag", -1.2},
        {"lags", -1.2},
        {"shed", -2},
        {"sheds", -2},
        {"elusive", -1.2},
        {"dull", -1},
        {"outflows", -1.5},
        {"dumps", -2},
        {"dump", -2},
        {"volatility", -0.3},
        {"turmoil", -2.5},
        // Crime, regulation, trouble.
        {"hack", -3},
        {"hacked", -3},
        {"hackers", -2.5},
        {"exploit", -3},
        {"steal", -3},
        {"stolen", -3},
        {"theft", -3},
        {"scam", -3},
        {"fraud", -3},
        {"bogus", -2.5},
        {"duping", -2.5},
        {"charged", -2},
        {"sued", -2.5},
        {"lawsuit", -2},
        {"lawsuits", -2},
        {"convicted", -2.5},
        {"guilty", -2.5},
        {"trial", -1.5},
        {"laundering", -2.5},
        {"ransomware", -2.5},
        {"ban", -2.5},
        {"bans", -2.5},
        {"banned", -2.5},
        {"rejects", -2.2},
        {"rejected", -2.2},
        {"reject", -2},
        {"delays", -1.5},
        {"delay", -1.2},
        {"delayed", -1.5},
        {"shutdown", -2},
        {"shutting", -2},
        {"halts", -2},
        {"halt", -2},
        {"blacklist", -2},
        {"blacklists", -2},
        {"risk", -1.2},
        {"risks", -1.5},
        {"threat", -2},
        {"threatens", -2},
        {"threatened", -2},
        {"fears", -2},
        {"fear", -1.8},
        {"concerns", -1.5},
        {"worries", -1.5},
        {"worsens", -2},
        {"crisis", -2.5},
        {"recession", -2},
        {"problem", -1.8},
        {"problems", -1.8},
        {"issues", -1.2},
        {"deficits", -2},
        {"fallout", -2.5},
        {"trashing", -2.5},
        {"cuts", -1.2},
        {"hawkish", -1.5},
        {"inflation", -0.8},
        {"failures", -2},
        {"failure", -2},
        {"bankruptcy", -3},
        {"collapse", -3},
        {"collapses", -3},
        {"insolvent", -3},
    };
    return kWords;
}

// Phrases (joined with ' '), matched before single words.
const std::unordered_map<std::string, double>& phrases() {
    static const std::unordered_map<std::string, double> kPhrases = {
        {"all time high", 3}, {"all-time high", 3},   {"all-time highs", 3},
        {"record high", 2.5}, {"record highs", 2.5},  {"record low", -2},
        {"record lows", -2},  {"all-time lows", -2},  {"sell-off", -2.5},
        {"sell off", -2.5},   {"short squeeze", 2},   {"profit taking", -1.2},
        {"safe haven", 2},    {"in the black", 2},    {"under threat", -2},
        {"at risk", -1.8},    {"falls short", -1.8},  {"falling short", -1.8},
        {"rate cut", 1},      {"rate cuts", 1},       {"halts withdrawals", -3},
        {"pulls back", -1.5}, {"down day", -1.5},     {"pump-and-dump", -2.5},
        {"double top", -1.8}, {"rising wedge", -1.5},
    };
    return kPhrases;
}

bool is_negator(const std::string& w) {
    return w == "not" || w == "no" || w == "never" || w == "without" || w == "nor" ||
           w == "fails" || w == "fail" || w == "failed" ||
           (w.size() > 3 && w.compare(w.size() - 3, 3, "n't") == 0);
}

double booster(const std::string& w) {
    static const std::unordered_map<std::string, double> kBoost = {
        {"very", 0.3},
        {"massive", 0.3},
        {"huge", 0.3},
        {"sharply", 0.3},
        {"significantly", 0.3},
        {"deeper", 0.3},
        {"biggest", 0.3},
        {"extremely", 0.3},
        {"slightly", -0.3},
        {"modest", -0.3},
        {"modestly", -0.3},
        {"little", -0.3},
        {"somewhat", -0.3},
        {"marginally", -0.3},
    };
    const auto it = kBoost.find(w);
    return it == kBoost.end() ? 0.0 : it->second;
}

std::vector<std::string> tokens(std::string_view text) {
    std::vector<std::string> out;
    std::string cur;
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        // The typographic apostrophe (U+2019, e2 80 99) counts as "'".
        if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
            static_cast<unsigned char>(text[i + 2]) == 0x99) {
            cur += '\'';
            i += 2;
            continue;
        }
        if (std::isalnum(c) != 0 || c == '\'' || c == '-') {
            cur += static_cast<char>(std::tolower(c));
        } else if (!cur.empty()) {
            out.push_back(cur);
            cur.clear();
        }
    }
    if (!cur.empty()) {
        out.push_back(cur);
    }
    return out;
}

}  // namespace

SentimentScore score_headline(std::string_view text) {
    const auto words = tokens(text);
    std::vector<double> valence(words.size(), 0.0);
    std::vector<bool> used(words.size(), false);
    // Phrases first (three words, then two, then hyphenated single tokens).
    for (int len = 3; len >= 2; --len) {
        for (std::size_t i = 0; i + static_cast<std::size_t>(len) <= words.size(); ++i) {
            std::string p = words[i];
            for (int k = 1; k < len; ++k) {
                p += ' ' + words[i + static_cast<std::size_t>(k)];
            }
            const auto it = phrases().find(p);
            if (it != phrases().end() && !used[i]) {
                valence[i] = it->second;
                for (int k = 0; k < len; ++k) {
                    used[i + static_cast<std::size_t>(k)] = true;
                }
            }
        }
    }
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (used[i]) {
            continue;
        }
        if (const auto it = phrases().find(words[i]); it != phrases().end()) {
            valence[i] = it->second;
            continue;
        }
        if (const auto it = lexicon().find(words[i]); it != lexicon().end()) {
            valence[i] = it->second;
        }
    }
    // Context: negators and boosters in the three words before; "but".
    std::size_t but = words.size();
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (words[i] == "but") {
            but = i;
        }
    }
    SentimentScore s;
    double sum = 0;
    for (std::size_t i = 0; i < words.size(); ++i) {
        double v = valence[i];
        if (v == 0) {
            continue;
        }
        for (std::size_t back = 1; back <= 3 && back <= i; ++back) {
            const std::string& w = words[i - back];
            const double b = booster(w);
            if (b != 0) {
                v *= 1 + b;  // 1.3 for an intensifier, 0.7 for a damper
            }
            if (is_negator(w)) {
                v *= -0.74;
                break;
            }
        }
        // Headlines put the adverb after the verb too ("drops sharply").
        if (i + 1 < words.size()) {
            v *= 1 + booster(words[i + 1]);
        }
        if (but < words.size()) {
            v *= i > but ? 1.5 : 0.5;
        }
        sum += v;
        (v > 0 ? s.positive_words : s.negative_words) += 1;
    }
    s.compound = sum / std::sqrt(sum * sum + 15.0);
    return s;
}

int sentiment_label(double compound) noexcept {
    return compound >= 0.05 ? 1 : compound <= -0.05 ? -1 : 0;
}

}  // namespace ats::altdata
