#pragma once

#include <string_view>

namespace ats::altdata {

/// A headline's sentiment from a crypto-aware lexicon, in-process and without model weights
/// (docs/altdata.md). VADER-style (Hutto and Gilbert 2014): word and phrase valences in
/// [-4, 4]; a negator ("not", "n't", "no", "never", "without", "fails to") within the three
/// words before flips and damps a valence (x -0.74); intensifiers ("sharply", "massive", ...)
/// and dampers ("slightly", "modest", ...) just before or after it scale it by 1.3 and 0.7;
/// after "but" words weigh 1.5
/// and before it 0.5; compound = sum / sqrt(sum^2 + 15), in (-1, 1).
struct SentimentScore {
    double compound = 0;
    int positive_words = 0;
    int negative_words = 0;
};

SentimentScore score_headline(std::string_view text);

/// -1, 0 or +1: compound below -0.05, between, above 0.05 (VADER's thresholds).
int sentiment_label(double compound) noexcept;

}  // namespace ats::altdata
