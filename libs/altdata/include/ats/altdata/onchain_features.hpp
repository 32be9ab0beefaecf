#pragma once

#include <string>
#include <vector>

#include "ats/altdata/pit_store.hpp"

namespace ats::altdata {

/// Derived on-chain series of one asset from its Coin Metrics observations (docs/altdata.md),
/// each value from events up to its own (causal) and available when its last input is:
///   onchain_active_addresses_z:N   z-score of AdrActCnt over the last N days
///   onchain_tx_count_z:N           z-score of TxCnt
///   onchain_fees_z:N               z-score of FeeTotNtv
///   onchain_exchange_netflow_z:N   z-score of FlowInExNtv - FlowOutExNtv (coins into exchanges)
///   onchain_hash_rate_chg:N        log change of HashRate over N days
///   onchain_mvrv                   CapMVRVCur as it is
///   onchain_mvrv_z:M               its z-score over the last M days
/// for N = `window` and M = `long_window`. Series a file lacks are skipped.
std::vector<Observation> onchain_features(
    const std::vector<Observation>& raw,
    const std::string& asset,
    int window,
    int long_window,
    Timestamp ingested);

}  // namespace ats::altdata
