#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "ats/git_revision.hpp"
#include "ats/version.hpp"

#include "src/altdata_command.hpp"
#include "src/backtest_command.hpp"
#include "src/data_commands.hpp"
#include "src/doctor_command.hpp"
#include "src/download_command.hpp"
#include "src/evolve_command.hpp"
#include "src/exchange_sim_command.hpp"
#include "src/exit_codes.hpp"
#include "src/hft_sim_command.hpp"
#include "src/indicators_command.hpp"
#include "src/jobs_command.hpp"
#include "src/live_command.hpp"
#include "src/market_sim_command.hpp"
#include "src/ml_commands.hpp"
#include "src/paper_command.hpp"
#include "src/record_command.hpp"
#include "src/run_store.hpp"
#include "src/serve_command.hpp"
#include "src/watchdog_command.hpp"

int main(int argc, char** argv) {
    using namespace ats::cli;  // NOLINT(google-build-using-namespace): tiny entry point
    CLI::App app{"ats: an AI trading system for crypto markets"};
    app.set_version_flag(
        "--version", fmt::format("ats {} (git {})", ats::kVersion, ats::kGitRevision));
    app.require_subcommand(1);

    auto* data = app.add_subcommand("data", "Inspect and transform market data files");
    data->require_subcommand(1);

    DataInspectArgs inspect;
    auto* inspect_cmd = data->add_subcommand(
        "inspect",
        "Summarize bars (CSV, Parquet or a catalog): rows, time span, gaps, duplicates, bad rows, "
        "prices; the Parquet layout for Parquet files");
    inspect_cmd->add_option("file", inspect.file, "Kline CSV or Parquet file, or a catalog")
        ->required();
    inspect_cmd->add_option("--asset", inspect.asset, "Symbol, for a catalog with several");
    inspect_cmd->add_option(
        "--interval", inspect.interval, "Bar interval, e.g. 1m, 1h (default: inferred)");
    inspect_cmd->add_option("--policy", inspect.policy, "Bad row policy")
        ->check(CLI::IsMember({"strict", "skip", "repair"}));
    inspect_cmd->add_flag("--json", inspect.json, "Print the summary as JSON");

    DataResampleArgs resample;
    auto* resample_cmd =
        data->add_subcommand("resample", "Aggregate bars into UTC-aligned buckets and write a CSV");
    resample_cmd->add_option("file", resample.file, "Kline CSV or Parquet file")->required();
    resample_cmd->add_option("--to", resample.to, "Target interval, e.g. 5m, 15m, 1h, 4h, 1d")
        ->required();
    resample_cmd
        ->add_option("--output,-o", resample.output, "Output file (.parquet for Parquet, else CSV)")
        ->required();
    resample_cmd->add_option(
        "--interval", resample.interval, "Source interval (default: inferred)");
    resample_cmd->add_option("--policy", resample.policy, "Bad row policy")
        ->check(CLI::IsMember({"strict", "skip", "repair"}));
    resample_cmd->add_flag(
        "--drop-incomplete", resample.drop_incomplete, "Leave out buckets missing source bars");

    DataConvertArgs convert;
    auto* convert_cmd = data->add_subcommand(
        "convert",
        "Convert bars between CSV and Parquet exactly (Parquet: a file, or a catalog directory)");
    convert_cmd->add_option("input", convert.input, "CSV or Parquet file, or a catalog")
        ->required();
    convert_cmd->add_option("--to", convert.to, "parquet | csv")
        ->required()
        ->check(CLI::IsMember({"parquet", "csv"}));
    convert_cmd
        ->add_option(
            "--output,-o",
            convert.output,
            "Output file, or (Parquet) a catalog directory: bars/symbol=S/interval=I/month=M/")
        ->required();
    convert_cmd->add_option("--asset", convert.asset, "Symbol (default: from the input)");
    convert_cmd->add_option("--interval", convert.interval, "Source interval (default: inferred)");
    convert_cmd->add_option("--policy", convert.policy, "Bad row policy")
        ->check(CLI::IsMember({"strict", "skip", "repair"}));
    convert_cmd->add_option("--codec", convert.codec, "zstd | snappy | none (default zstd)")
        ->check(CLI::IsMember({"zstd", "snappy", "none"}));
    convert_cmd->add_option(
        "--row-group-rows", convert.row_group_rows, "Rows per Parquet row group (default 65536)");

    DataDownloadArgs download;
    auto* download_cmd = data->add_subcommand(
        "download", "Download Binance klines into a CSV (paginated, resumable, rate-limit aware)");
    download_cmd->add_option("--asset", download.asset, "Symbol, e.g. BTCUSDT")->required();
    download_cmd->add_option("--interval", download.interval, "Kline interval (default 1m)");
    download_cmd->add_option("--from", download.from, "First open time (UTC date or time)")
        ->required();
    download_cmd->add_option("--to", download.to, "End, exclusive (UTC date or time)")->required();
    download_cmd
        ->add_option(
            "--output,-o",
            download.output,
            "CSV file (appended to when resuming), or the catalog directory with --format parquet")
        ->required();
    download_cmd->add_option("--format", download.format, "csv | parquet (default csv)")
        ->check(CLI::IsMember({"csv", "parquet"}));
    download_cmd->add_option(
        "--base-url", download.base_url, "REST base URL, e.g. https://api.binance.com");
    download_cmd->add_option(
        "--ca-file", download.ca_file, "Extra trusted CA certificates (PEM) for https");
    download_cmd->add_flag("--no-progress", download.no_progress, "No progress bar");

    RecordArgs record;
    auto* record_cmd = app.add_subcommand(
        "record",
        "Record Binance market streams (klines, trades, depth) into the Parquet catalog "
        "(docs/catalog.md)");
    record_cmd->add_option("--symbols", record.symbols, "Symbols, e.g. BTCUSDT,ETHUSDT")
        ->required();
    record_cmd->add_option("--streams", record.streams, "kline_1m,trade,depth (any subset)")
        ->required();
    record_cmd->add_option("--catalog", record.catalog, "Catalog directory")->required();
    record_cmd->add_option(
        "--redis", record.redis, "redis://HOST:PORT: latest bars and book snapshots");
    record_cmd->add_option(
        "--exchange",
        record.exchange,
        "binance (default), testnet or http(s)://HOST:PORT (ats exchange-sim)");
    record_cmd->add_option(
        "--ca-file", record.ca_file, "Extra trusted CA certificates (PEM) for https/wss");
    record_cmd->add_option(
        "--checkpoint-seconds",
        record.checkpoint_seconds,
        "Footer checkpoint interval (default 5)");
    record_cmd->add_option("--duration", record.duration_seconds, "Stop after this many seconds");
    record_cmd->add_option("--codec", record.codec, "zstd | snappy | none (default zstd)");
    record_cmd->add_flag("--no-progress", record.no_progress, "No progress line");

    IndicatorsArgs indicators;
    auto* indicators_cmd = app.add_subcommand(
        "indicators", "Compute technical indicators (TA-Lib-exact) over a kline CSV into a CSV");
    indicators_cmd->add_option("--data", indicators.data, "Kline CSV or Parquet file, or a catalog")
        ->required();
    indicators_cmd
        ->add_option(
            "--set",
            indicators.set,
            "Indicators, e.g. \"sma:20,ema:20,rsi:14,macd:12:26:9,bbands:20:2:2\" (TA-Lib's "
            "parameters in TA-Lib's order; omitted trailing ones take TA-Lib's defaults)")
        ->required();
    indicators_cmd->add_option("--output,-o", indicators.output, "Output CSV file (- for stdout)")
        ->required();
    indicators_cmd->add_option(
        "--interval", indicators.interval, "Bar interval, e.g. 1m, 1h (default: inferred)");
    indicators_cmd->add_option("--policy", indicators.policy, "Bad row policy")
        ->check(CLI::IsMember({"strict", "skip", "repair"}));

    BacktestArgs bt;
    auto* backtest_cmd = app.add_subcommand(
        "backtest", "Run an event-driven backtest on historical bars and write a report");
    backtest_cmd->add_option("--config,-c", bt.config, "TOML config file (flags override it)");
    backtest_cmd->add_option(
        "--asset,--assets", bt.assets, "Symbol(s), e.g. BTCUSDT or BTCUSDT,ETHUSDT");
    backtest_cmd->add_option(
        "--data",
        bt.data,
        "Kline CSV or Parquet file, a directory with SYMBOL_* files, or a catalog");
    backtest_cmd->add_option(
        "--strategy",
        bt.strategy,
        "sma_cross, ema_cross, rsi_reversion, macd, bollinger_breakout, ml");
    backtest_cmd->add_option("--param,-p", bt.params, "Strategy parameter name=value (repeatable)");
    backtest_cmd->add_option(
        "--model", bt.model, "Model directory from `ats train` (for --strategy ml)");
    backtest_cmd->add_option(
        "--altdata",
        bt.altdata,
        "[altdata] config for alternative-data features (ml: default the model's; rules)");
    backtest_cmd->add_option(
        "--predictions",
        bt.predictions,
        "For --strategy ml: open_time,probability CSV (e.g. oos_predictions.csv of ats train)");
    backtest_cmd->add_option(
        "--from", bt.from, "First traded bar (UTC date or time); earlier bars only warm up");
    backtest_cmd->add_option("--to", bt.to, "End (exclusive, UTC date or time)");
    backtest_cmd->add_option("--cash", bt.cash, "Starting cash in the quote asset (default 10000)");
    backtest_cmd->add_option(
        "--fee-bps", bt.fee_bps, "Maker and taker fee in basis points (default 10)");
    backtest_cmd->add_option("--slippage-bps", bt.slippage_bps, "Fixed slippage in basis points");
    backtest_cmd->add_option(
        "--slippage",
        bt.slippage,
        "none | fixed:BPS | volatility:FRACTION | volume:PARTICIPATION:BPS");
    backtest_cmd->add_option(
        "--sizing",
        bt.sizing,
        "all_in | fixed_qty:Q | fixed_notional:N | fraction:F | vol_target:R | kelly:CAP");
    backtest_cmd->add_option(
        "--fill", bt.fill, "Market orders fill at next_open (default) or close");
    backtest_cmd->add_option(
        "--warmup", bt.warmup_bars, "Bars at the start that only warm up indicators");
    backtest_cmd->add_option("--report", bt.report, "Output directory (default out/backtest)");
    backtest_cmd->add_option(
        "--journal", bt.journal, "Write every event as a JSON line to this file");
    backtest_cmd->add_option(
        "--plotly", bt.plotly, "plotly.min.js to inline (default: web/node_modules)");
    backtest_cmd->add_option("--db", bt.db, "SQLite file for the run history (default ats.db)");
    backtest_cmd->add_flag("--no-db", bt.no_db, "Do not record the run");
    backtest_cmd->add_flag("--no-progress", bt.no_progress, "No progress bar");

    TrainArgs train;
    LiveArgs live;
    auto* live_cmd = app.add_subcommand(
        "live", "Live trading on Binance, the Spot testnet or a local simulator");
    live_cmd->add_option("--assets,-a", live.assets, "Symbols, e.g. BTCUSDT,ETHUSDT")->required();
    live_cmd
        ->add_option(
            "--exchange",
            live.exchange,
            "binance, testnet, or a local http(s)://127.0.0.1:PORT (e.g. ats exchange-sim)")
        ->required();
    live_cmd->add_option(
        "--ca-file", live.ca_file, "Extra trusted CA certificates (PEM) for https/wss");
    live_cmd->add_option("--strategy,-s", live.strategy, "Strategy name (default sma_cross)");
    live_cmd->add_option("--param,-p", live.params, "Strategy parameter name=value (repeatable)");
    live_cmd->add_option("--config,-c", live.config, "TOML config file (same format as backtest)");
    live_cmd->add_option(
        "--model", live.model, "Model directory from `ats train` (for --strategy ml)");
    live_cmd->add_option("--state", live.state, "SQLite state file (default live.db)");
    live_cmd->add_option(
        "--interval", live.interval, "Kline interval of the bar feed (default 1m)");
    live_cmd->add_option(
        "--keys", live.keys, "File with api_key=... and api_secret=... (mode 0600)");
    live_cmd->add_option("--max-bars", live.max_bars, "Stop after N closed bars (0: never)");
    live_cmd->add_option(
        "--read-timeout", live.read_timeout_s, "Seconds without a message before reconnecting");
    live_cmd->add_flag(
        "--no-user-stream",
        live.no_user_stream,
        "Drive orders by REST polling only (default: the user data stream, REST as fallback)");
    live_cmd->add_option(
        "--redis",
        live.redis,
        "redis://HOST:PORT: publish the session status there and obey a halt mark from there "
        "(for `ats watchdog` on another machine)");
    live_cmd->add_option(
        "--redis-key", live.redis_key, "Key prefix in Redis (default ats:live:<state file stem>)");
    live_cmd->add_flag(
        "--client-stops",
        live.client_stops,
        "Keep stops and targets in ats, sent as market orders after a closed bar trades through "
        "them (default: STOP_LOSS / TAKE_PROFIT / OCO orders on the exchange, which protect the "
        "position while ats is down)");
    live_cmd->add_flag(
        "--i-understand-this-trades-real-money",
        live.real_money,
        "Required for any target but testnet and 127.0.0.1/localhost");
    PaperArgs paper;
    auto* paper_cmd = app.add_subcommand(
        "paper", "Paper trading on a replayed feed with crash-safe state (resumes after a crash)");
    paper_cmd->add_option("--assets,-a", paper.assets, "Symbols, e.g. BTCUSDT,ETHUSDT")->required();
    paper_cmd
        ->add_option(
            "--feed",
            paper.feed,
            "replay:FILE[,FILE] (one kline CSV or Parquet file per asset, or one catalog "
            "directory) or live:binance|testnet|URL (the exchange's kline stream, orders filled "
            "by the paper venue)")
        ->required();
    paper_cmd->add_option("--max-bars", paper.max_bars, "live feed: stop after N closed bars");
    paper_cmd->add_option("--interval", paper.interval, "live feed: kline interval (default 1m)");
    paper_cmd->add_option(
        "--ca-file", paper.ca_file, "live feed over https/wss: extra trusted CA certificates");
    paper_cmd->add_option(
        "--speed", paper.speed, "Replay pace: 60x (a minute of bars per second) or max");
    paper_cmd->add_option("--strategy,-s", paper.strategy, "Strategy name (default sma_cross)");
    paper_cmd->add_option("--param,-p", paper.params, "Strategy parameter name=value (repeatable)");
    paper_cmd->add_option(
        "--config,-c", paper.config, "TOML config file (same format as backtest)");
    paper_cmd->add_option(
        "--model", paper.model, "Model directory from `ats train` (for --strategy ml)");
    paper_cmd->add_option("--state", paper.state, "SQLite state file (default paper.db)");
    paper_cmd->add_option("--sync", paper.sync, "Durability: normal (default) or full");
    paper_cmd->add_option(
        "--commit-every", paper.commit_every, "Commit every N bars (default 1024)");
    paper_cmd->add_option(
        "--snapshot-every",
        paper.snapshot_every,
        "Snapshot every N bars, a multiple of --commit-every (default 8192)");
    paper_cmd->add_option(
        "--job", paper.jobs, "Scheduled job NAME=CRON on feed time (summary=\"0 0 * * *\")");

    paper_cmd->add_flag(
        "--telegram", paper.telegram, "Send alerts, fills and summaries to Telegram");
    paper_cmd->add_option(
        "--telegram-credentials",
        paper.telegram_credentials,
        "0600 file with bot_token= and chat_id= (else "
        "ATS_TELEGRAM_BOT_TOKEN/ATS_TELEGRAM_CHAT_ID)");
    paper_cmd->add_option("--telegram-api", paper.telegram_api, "Bot API base URL");
    paper_cmd->add_option(
        "--redis",
        paper.redis,
        "redis://HOST:PORT: also publish every event to a Redis Stream (optional; SQLite stays "
        "the record)");
    paper_cmd->add_option("--redis-stream", paper.redis_stream, "Stream key (default ats:events)");

    auto* train_cmd = app.add_subcommand(
        "train", "Train an ML signal model with purged walk-forward validation (docs/ml.md)");
    train_cmd->add_option("--asset", train.asset, "Symbol the data belongs to (default BTCUSDT)");
    train_cmd->add_option("--data", train.data, "Kline CSV or Parquet file, or a catalog")
        ->required();
    train_cmd->add_option("--model", train.model, "xgboost | random_forest | ensemble")
        ->check(CLI::IsMember({"xgboost", "random_forest", "ensemble"}));
    train_cmd->add_option(
        "--label",
        train.label,
        "forward_return:N[:DEAD_ZONE] | triple_barrier:N:TP:SL (TP/SL fractions or like 2atr)");
    train_cmd->add_option(
        "--walk-forward", train.walk_forward, "train=8760h,test=720h,embargo=24h[,anchored]");
    train_cmd->add_option(
        "--features",
        train.features,
        "Comma-separated feature names, or a TOML file with features = [...] (docs/ml.md; "
        "alternative data: docs/altdata.md)");
    train_cmd->add_option(
        "--altdata",
        train.altdata,
        "TOML file with an [altdata] table for fear_greed, onchain_*, news_* features");
    train_cmd->add_flag(
        "--ablation",
        train.ablation,
        "Walk-forward with and without the alternative-data features of --features, on the same "
        "rows, with a permutation test of the difference (writes ablation.html to --output)");
    train_cmd->add_option(
        "--permutations", train.permutations, "--ablation: permutation draws (default 1000)");
    train_cmd->add_option(
        "--fee-bps", train.fee_bps, "--ablation: fee per side of the traded Sharpe (default 10)");
    train_cmd->add_option(
        "--to", train.to, "Use only bars before this UTC date (keep later bars out of sample)");
    train_cmd->add_option("--output,-o", train.output, "Model directory (default out/model)");
    train_cmd->add_option("--rounds", train.rounds, "Boosting rounds (default 200)");
    train_cmd->add_option("--trees", train.trees, "Random forest trees (default 100)");
    train_cmd->add_option("--max-depth", train.max_depth, "Boosting tree depth (default 4)");
    train_cmd->add_option("--learning-rate", train.learning_rate, "Boosting eta (default 0.05)");
    train_cmd->add_option("--seed", train.seed, "Random seed (default 42)");
    train_cmd->add_option("--threads", train.threads, "XGBoost threads (default 2)");
    train_cmd->add_flag("--no-progress", train.no_progress, "No progress line");
    train_cmd->add_option("--db", train.db, "SQLite model registry (default ats.db)");
    train_cmd->add_flag("--no-db", train.no_db, "Do not register the model");

    std::string models_db = "ats.db";
    std::size_t models_limit = 50;
    auto* models = app.add_subcommand("models", "Trained models recorded in SQLite");
    models->require_subcommand(1);
    auto* models_list = models->add_subcommand("list", "List registered models, most recent first");
    models_list->add_option("--db", models_db, "SQLite file (default ats.db)");
    models_list->add_option("--limit", models_limit, "How many (default 50)");

    PredictArgs predict;
    auto* predict_cmd =
        app.add_subcommand("predict", "Write a trained model's probability for every bar");
    predict_cmd->add_option("--model", predict.model, "Model directory from `ats train`")
        ->required();
    predict_cmd->add_option("--data", predict.data, "Kline CSV or Parquet file")->required();
    predict_cmd->add_option("--output,-o", predict.output, "CSV open_time,probability");
    predict_cmd->add_option(
        "--dump-features", predict.dump_features, "Also write the feature rows to this CSV");
    predict_cmd->add_option(
        "--altdata", predict.altdata, "[altdata] config (default: the one the model recorded)");

    std::string runs_db = "ats.db";
    auto* runs = app.add_subcommand("runs", "Past runs recorded in SQLite");
    runs->require_subcommand(1);
    std::size_t runs_limit = 50;
    auto* runs_list = runs->add_subcommand("list", "List recent runs");
    runs_list->add_option("--limit", runs_limit, "How many (default 50)");
    runs_list->add_option("--db", runs_db, "SQLite file (default ats.db)");
    std::int64_t run_id = 0;
    bool show_trades = false;
    auto* runs_show = runs->add_subcommand("show", "Show one run: config, metrics, trades");
    runs_show->add_option("id", run_id, "Run id (from `ats runs list`)")->required();
    runs_show->add_flag("--trades", show_trades, "Also print its trades as CSV");
    runs_show->add_option("--db", runs_db, "SQLite file (default ats.db)");

    EvolveArgs ev;
    auto* evolve_cmd = app.add_subcommand(
        "evolve",
        "Search rule strategies or ML hyperparameters with pagmo islands (docs/evolve.md); runs "
        "under `mpirun -np N` to spread islands over processes");
    evolve_cmd->add_option("--mode", ev.mode, "strategy | hyperparams (default strategy)")
        ->check(CLI::IsMember({"strategy", "hyperparams"}));
    evolve_cmd->add_option("--asset", ev.asset, "Symbol (default BTCUSDT)");
    evolve_cmd->add_option(
        "--data", ev.data, "Kline CSV/Parquet file, directory or catalog (default data)");
    evolve_cmd->add_option("--algorithm", ev.algorithm, "sga | sade | pso | cmaes (default sga)")
        ->check(CLI::IsMember({"sga", "sade", "pso", "cmaes"}));
    evolve_cmd->add_option("--generations", ev.generations, "Generations (default 50)")
        ->check(CLI::Range(1, 100000));
    evolve_cmd->add_option("--population", ev.population, "Individuals per island (default 64)")
        ->check(CLI::Range(5, 100000));
    evolve_cmd->add_option("--islands", ev.islands, "Islands (default 4)")
        ->check(CLI::Range(1, 4096));
    evolve_cmd->add_option(
        "--migration-interval",
        ev.migration_interval,
        "Generations between migrations (default 5)");
    evolve_cmd->add_option("--migrants", ev.migrants, "Best individuals migrating (default 2)");
    evolve_cmd->add_option("--seed", ev.seed, "Random seed (default 1)");
    evolve_cmd
        ->add_option("--threads", ev.threads, "Islands evolved at once per process (default 1)")
        ->check(CLI::Range(1, 256));
    evolve_cmd->add_option(
        "--holdout", ev.holdout, "Last share of bars never seen by the search (default 0.25)");
    evolve_cmd->add_option("--windows", ev.windows, "Search windows for the fitness (default 4)")
        ->check(CLI::Range(1, 100));
    evolve_cmd->add_option(
        "--min-trades", ev.min_trades, "Fewer search trades are penalised (default 20)");
    evolve_cmd->add_option("--hall-of-fame", ev.hall_of_fame, "TOML configs written (default 5)");
    evolve_cmd->add_option("--cash", ev.cash, "Initial cash (default 10000)");
    evolve_cmd->add_option("--fee-bps", ev.fee_bps, "Fee per fill in bps (default 10)");
    evolve_cmd->add_option("--slippage", ev.slippage, "Slippage model (default fixed:2)");
    evolve_cmd->add_option("--features", ev.features, "hyperparams: feature set (list or TOML)");
    evolve_cmd->add_option(
        "--altdata",
        ev.altdata,
        "[altdata] config for alternative-data features and rule conditions (docs/altdata.md)");
    evolve_cmd->add_option("--label", ev.label, "hyperparams: label (default forward_return:1)");
    evolve_cmd->add_option(
        "--walk-forward", ev.walk_forward, "hyperparams: train=8760h,test=2160h,embargo=24h");
    evolve_cmd->add_option("--output,-o", ev.output, "Output directory (default out/evolve)");
    evolve_cmd->add_option("--db", ev.db, "SQLite file (default ats.db)");
    evolve_cmd->add_flag("--no-db", ev.no_db, "Do not record the search");
    evolve_cmd->add_flag("--no-progress", ev.no_progress, "No progress lines");

    auto* evolutions = app.add_subcommand("evolutions", "Searches recorded by `ats evolve`");
    evolutions->require_subcommand(1);
    std::string evolutions_db = "ats.db";
    std::size_t evolutions_limit = 50;
    auto* evolutions_list =
        evolutions->add_subcommand("list", "List recorded searches, most recent first");
    evolutions_list->add_option("--db", evolutions_db, "SQLite file (default ats.db)");
    evolutions_list->add_option("--limit", evolutions_limit, "How many (default 50)");

    ExchangeSimArgs sim;
    auto* sim_cmd = app.add_subcommand(
        "exchange-sim",
        "Serve a Binance Spot compatible REST API over replayed bars (docs/binance.md)");
    sim_cmd->add_option("--port", sim.port, "TCP port (default 8900; 0 picks a free one)");
    sim_cmd->add_option("--bind", sim.bind, "Address to bind (default 127.0.0.1)");
    sim_cmd
        ->add_option(
            "--data", sim.data, "SYMBOL=FILE (CSV, Parquet or a catalog) to replay (repeatable)")
        ->required();
    sim_cmd->add_option(
        "--api-key", sim.api_key, "API key clients must send (or $ATS_SIM_API_KEY)");
    sim_cmd->add_option("--api-secret", sim.api_secret, "HMAC secret (or $ATS_SIM_API_SECRET)");
    sim_cmd->add_option("--balance", sim.balance, "Start balances, e.g. USDT=10000,BTC=0");
    sim_cmd->add_option(
        "--faults",
        sim.faults,
        "e.g. "
        "5xx=0.1,429=0.05,latency=20,executed=0.5,ws-dup=0.1,ws-reorder=0.1,ws-drop=2,freeze=30,"
        "seed=7");
    sim_cmd->add_option(
        "--bar-ms", sim.bar_ms, "Wall-clock ms per replayed bar (default 1000; 0 freezes)");
    sim_cmd->add_option(
        "--start-bar", sim.start_bar, "Bars already in the past at start (default 1000)");
    sim_cmd->add_flag(
        "--quote-path",
        sim.quote_path,
        "bookTicker quotes along each bar's path (open, then its low and high) before it closes "
        "(they do not match the depth stream's book)");
    sim_cmd->add_option(
        "--weight-limit", sim.weight_limit, "REQUEST_WEIGHT per minute (default 6000)");
    sim_cmd->add_option(
        "--orders-per-10s", sim.orders_per_10s, "ORDERS per 10 seconds (default 100)");
    sim_cmd->add_option("--fee-bps", sim.fee_bps, "Maker and taker commission (default 10)");
    sim_cmd->add_option("--threads", sim.threads, "I/O threads (default 1)");
    sim_cmd->add_option(
        "--tls-cert",
        sim.tls_cert,
        "PEM certificate chain: serve https:// and wss:// (with --tls-key)");
    sim_cmd->add_option("--tls-key", sim.tls_key, "PEM private key of --tls-cert");

    HftSimArgs hft;
    auto* hft_cmd = app.add_subcommand(
        "hft-backtest",
        "Run a tick-level strategy (market maker, Avellaneda-Stoikov, imbalance taker) on a "
        "Binance tick recording through the tick-level simulator, with a report (docs/hft.md)");
    hft_cmd->alias("hft-sim");
    hft_cmd->add_option(
        "--ticks",
        hft.ticks,
        "Directory of the recording's CSV files, or a Parquet catalog (default data/ticks)");
    hft_cmd->add_option(
        "--strategy",
        hft.strategy,
        "maker (joins the touch), as (Avellaneda-Stoikov) or imbalance (order-book imbalance "
        "taker)");
    hft_cmd->add_option(
        "--as-gamma", hft.as_gamma, "Avellaneda-Stoikov risk aversion (default 0.1)");
    hft_cmd->add_option(
        "--as-kappa", hft.as_kappa, "Avellaneda-Stoikov order-arrival decay (default 1.5)");
    hft_cmd->add_option(
        "--as-tau-s", hft.as_tau_s, "Avellaneda-Stoikov horizon in seconds (default 30)");
    hft_cmd->add_option("--imbalance-levels", hft.imbalance_levels, "Levels per side (default 5)");
    hft_cmd->add_option(
        "--imbalance-threshold",
        hft.imbalance_threshold,
        "Imbalance to trade at, in (0, 1) (default 0.6)");
    hft_cmd->add_option(
        "--cooldown-ms", hft.cooldown_ms, "Least time between taker orders (default 1000)");
    hft_cmd->add_option("--symbol", hft.symbol, "Symbol (default BTCUSDT)");
    hft_cmd->add_option(
        "--queue", hft.queue, "Queue model: risk-averse, power:N or log (default power:2)");
    hft_cmd->add_option("--fill", hft.fill, "partial or no-partial (default partial)");
    hft_cmd->add_option(
        "--entry-ms", hft.entry_ms, "Order entry latency in ms, or a comma list drawn at random");
    hft_cmd->add_option("--response-ms", hft.response_ms, "Exchange response latency (default 5)");
    hft_cmd->add_option(
        "--feed-latency-ms", hft.feed_latency_ms, "Fastest market data latency (default 5)");
    hft_cmd->add_option("--maker-fee-bps", hft.maker_fee_bps, "Maker fee (default 1)");
    hft_cmd->add_option("--taker-fee-bps", hft.taker_fee_bps, "Taker fee (default 7.5)");
    hft_cmd->add_option("--quote-qty", hft.quote_qty, "Quote size (default 0.001)");
    hft_cmd->add_option("--max-position", hft.max_position, "Inventory limit (default 0.01)");
    hft_cmd->add_option("--skew-ticks", hft.skew_ticks, "Quote shift at the limit (default 2)");
    hft_cmd->add_option("--requote-ms", hft.requote_ms, "Least time between cancels (default 100)");
    hft_cmd->add_option("--tick-size", hft.tick_size, "Price tick (default 0.01)");
    hft_cmd->add_option("--lot-size", hft.lot_size, "Quantity step (default 0.00001)");
    hft_cmd->add_option("--seed", hft.seed, "Seed of the latency draws (default 1)");
    hft_cmd->add_option(
        "--output,--report", hft.output, "Directory for fills.csv, orders.csv and report.html");
    hft_cmd->add_option(
        "--config", hft.config, "TOML file of these settings (docs/hft.md); flags win over it");
    hft_cmd->add_option(
        "--latency-file",
        hft.latency_file,
        "Recorded order latencies: request_ns,exchange_ns,response_ns CSV or an ats live state "
        "database");
    hft_cmd->add_option(
        "--impact-halflife-ms",
        hft.impact_halflife_ms,
        "Self-impact: consumed depth comes back with this half-life (default 0: off)");
    hft_cmd->add_option("--cash", hft.cash, "Starting quote balance (default 10000)");
    hft_cmd->add_option(
        "--max-position-qty", hft.risk_max_position_qty, "Risk: position limit (default none)");
    hft_cmd->add_option(
        "--max-drawdown-pct",
        hft.max_drawdown_pct,
        "Risk: kill switch at this drawdown fraction, e.g. 0.02 (default off)");
    hft_cmd->add_option(
        "--max-daily-loss-pct", hft.max_daily_loss_pct, "Risk: daily loss fraction (default off)");
    hft_cmd->add_option(
        "--max-open-orders", hft.max_open_orders, "Risk: working orders at most (default 50)");
    hft_cmd->add_option(
        "--calibrate",
        hft.calibrate,
        "A recorded ats live/paper state database: its orders are replayed and their fill "
        "rates compared");
    hft_cmd->add_option(
        "--session",
        hft.session,
        "Write the simulated orders and fills into this state database (ats live's format)");

    MarketSimArgs market;
    auto* market_cmd = app.add_subcommand(
        "market-sim",
        "Run a multi-agent market scenario and compare its bars with real data (docs/agents.md)");
    market_cmd->add_option(
        "--config", market.config, "Scenario TOML (default configs/market_default.toml)");
    market_cmd->add_option("--output", market.output, "Output directory (default out/market)");
    market_cmd->add_option(
        "--real",
        market.real,
        "Real 1m klines for the scorecard (default data/BTCUSDT_1m_2024-12.csv)");
    market_cmd->add_option("--seed", market.seed, "Override the scenario's seed");
    market_cmd->add_option("--hours", market.hours, "Override the scenario's duration");
    market_cmd->add_flag("--no-trades", market.no_trades, "Do not write trades.csv");
    market_cmd->add_option(
        "--calibrate-generations",
        market.calibrate_generations,
        "Calibrate the scenario to the real facts first: pagmo generations (default 0: off)");
    market_cmd->add_option(
        "--calibrate-population",
        market.calibrate_population,
        "Calibration population (default 8)");
    market_cmd->add_option(
        "--calibrate-hours",
        market.calibrate_hours,
        "Simulated hours per calibration run (default 12)");

    ServeArgs serve;
    auto* serve_cmd = app.add_subcommand(
        "serve", "Web dashboard, REST API and WebSocket stream (docs/dashboard.md)");
    serve_cmd->alias("dashboard");
    serve_cmd->add_option("--port", serve.port, "TCP port (default 8080; 0 picks a free one)");
    serve_cmd->add_option("--bind", serve.bind, "Address to bind (default 127.0.0.1)");
    serve_cmd->add_option(
        "--db", serve.db, "SQLite file: users, tokens, audit log, run history (default ats.db)");
    serve_cmd->add_option(
        "--data", serve.data, "Directory the API may read bars and models from (repeatable)");
    serve_cmd->add_option(
        "--sessions-dir", serve.sessions_dir, "State files of hosted sessions (default sessions)");
    serve_cmd->add_option(
        "--jobs-dir", serve.jobs_dir, "Report directories of backtests run from the dashboard");
    serve_cmd->add_option("--web-root", serve.web_root, "The dashboard's files");
    serve_cmd->add_option(
        "--altdata",
        serve.altdata,
        "[altdata] config for the alternative-data panel (default configs/altdata.toml if "
        "present)");
    serve_cmd->add_option(
        "--keys",
        serve.keys,
        "Exchange keys for live sessions: 0600 file with api_key=, api_secret=");
    serve_cmd->add_option("--ca-file", serve.ca_file, "Extra trusted CA certificates (PEM)");
    serve_cmd->add_option("--tls-cert", serve.tls_cert, "PEM certificate chain: serve https/wss");
    serve_cmd->add_option("--tls-key", serve.tls_key, "PEM private key of --tls-cert");
    serve_cmd->add_flag(
        "--insecure-bind",
        serve.insecure_bind,
        "Allow a non-loopback --bind without TLS (behind your own TLS proxy)");
    serve_cmd->add_option("--threads", serve.threads, "I/O threads (default 2)");
    serve_cmd->add_flag(
        "--no-resume", serve.no_resume, "Do not restart the sessions running at the last stop");
    serve_cmd->add_flag("--openapi", serve.openapi, "Print the OpenAPI document and exit");
    serve_cmd->add_flag("--telegram", serve.telegram, "Send every session's alerts to Telegram");
    serve_cmd->add_option(
        "--telegram-credentials",
        serve.telegram_credentials,
        "0600 file with bot_token= and chat_id= (else "
        "ATS_TELEGRAM_BOT_TOKEN/ATS_TELEGRAM_CHAT_ID)");
    serve_cmd->add_option("--telegram-api", serve.telegram_api, "Bot API base URL");

    UsersArgs users;
    AltdataCollectArgs collect;
    std::string altdata_show_db = "altdata.db";
    auto* altdata_cmd = app.add_subcommand(
        "altdata", "Alternative data: collect from the public APIs, inspect (docs/altdata.md)");
    auto* collect_cmd = altdata_cmd->add_subcommand(
        "collect",
        "Collect Coin Metrics, Fear & Greed or news into a SQLite file (resumes; revisions are "
        "new vintages)");
    collect_cmd->add_option("--source", collect.source, "coinmetrics | fear-greed | news")
        ->required()
        ->check(CLI::IsMember({"coinmetrics", "fear-greed", "news"}));
    collect_cmd->add_option("--db", collect.db, "SQLite file (default altdata.db)");
    collect_cmd->add_option(
        "--base-url", collect.base_url, "API base URL (default: the public one)");
    collect_cmd->add_option("--asset", collect.asset, "coinmetrics: asset (default btc)");
    collect_cmd->add_option("--metrics", collect.metrics, "coinmetrics: comma-separated metrics");
    collect_cmd->add_option(
        "--start", collect.start, "UTC date to start from (default: resume from the database)");
    collect_cmd->add_option("--rate", collect.rate, "Requests per second (default 1)");
    collect_cmd->add_option(
        "--max-attempts", collect.max_attempts, "Attempts per request (default 5)");
    collect_cmd->add_flag("--no-progress", collect.no_progress, "No progress lines");
    auto* altdata_show_cmd = altdata_cmd->add_subcommand("show", "What a collected file holds");
    altdata_show_cmd->add_option("--db", altdata_show_db, "SQLite file (default altdata.db)");
    altdata_cmd->require_subcommand(1);

    JobsArgs jobs;
    auto* jobs_cmd = app.add_subcommand(
        "jobs",
        "Scheduled jobs (update-data, retrain, backtest) from a [jobs] TOML, with catch-up and a "
        "SQLite history (docs/operations.md)");
    jobs_cmd->add_option("--config,-c", jobs.config, "TOML with a [jobs] table")->required();
    jobs_cmd->add_option(
        "--simulate-from", jobs.simulate_from, "Run on simulated time from this UTC date");
    jobs_cmd->add_option("--simulate-to", jobs.simulate_to, "... to this one");
    jobs_cmd->add_option(
        "--step-minutes", jobs.step_minutes, "Simulated time step in minutes (default 60)");
    jobs_cmd->add_flag("--once", jobs.once, "Run what is due now (and missed slots) and exit");

    WatchdogArgs watchdog;
    auto* watchdog_cmd = app.add_subcommand(
        "watchdog",
        "Watch live sessions from outside (heartbeat, feed, drawdown, books vs account) and stop "
        "them on a failure: cancel their orders, optionally flatten, halt, alert");
    watchdog_cmd->add_option(
        "--config,-c", watchdog.config, "Watchdog TOML (default watchdog.toml)");
    watchdog_cmd->add_option(
        "--max-rounds", watchdog.max_rounds, "Stop after N rounds of checks (0: until a signal)");
    DoctorArgs doctor;
    auto* doctor_cmd = app.add_subcommand(
        "doctor", "Check this machine for running ats and print what to fix (docs/operations.md)");
    doctor_cmd->add_option(
        "--state-dir", doctor.state_dir, "Where state databases go (default: here)");
    doctor_cmd->add_option("--keys", doctor.keys, "API key file to check (mode 600, format)");
    doctor_cmd->add_option(
        "--exchange", doctor.exchange, "binance | testnet | http(s)://HOST:PORT: clock offset");
    doctor_cmd->add_option("--ca-file", doctor.ca_file, "Extra trusted CA (PEM) for https");
    doctor_cmd->add_option("--redis", doctor.redis, "redis://HOST:PORT to check");

    auto* users_cmd = app.add_subcommand("users", "Dashboard users (viewer or trader)");
    users_cmd->require_subcommand(1);
    auto* users_add =
        users_cmd->add_subcommand("add", "Add a user; the password is read from stdin");
    users_add->add_option("name", users.name, "Letters, digits, _ - . (1 to 64)")->required();
    users_add->add_option("--role", users.role, "viewer (reads) or trader (also controls)");
    users_add->add_option("--db", users.db, "SQLite file (default ats.db)");
    auto* users_list = users_cmd->add_subcommand("list", "List users and roles");
    users_list->add_option("--db", users.db, "SQLite file (default ats.db)");
    auto* users_remove = users_cmd->add_subcommand("remove", "Remove a user and their tokens");
    users_remove->add_option("name", users.name, "The user")->required();
    users_remove->add_option("--db", users.db, "SQLite file (default ats.db)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? kExitOk : kExitUsage;
    }
    try {
        if (inspect_cmd->parsed()) {
            return run_data_inspect(inspect);
        }
        if (download_cmd->parsed()) {
            return run_data_download(download);
        }
        if (convert_cmd->parsed()) {
            return run_data_convert(convert);
        }
        if (resample_cmd->parsed()) {
            return run_data_resample(resample);
        }
        if (record_cmd->parsed()) {
            return run_record_command(record);
        }
        if (indicators_cmd->parsed()) {
            return run_indicators(indicators);
        }
        if (backtest_cmd->parsed()) {
            return run_backtest_command(bt);
        }
        if (live_cmd->parsed()) {
            return run_live_command(live);
        }
        if (paper_cmd->parsed()) {
            return run_paper_command(paper);
        }
        if (train_cmd->parsed()) {
            return run_train(train);
        }
        if (evolve_cmd->parsed()) {
            return run_evolve(ev);
        }
        if (evolutions_list->parsed()) {
            return run_evolutions_list(evolutions_db, evolutions_limit);
        }
        if (models_list->parsed()) {
            return run_models_list(models_db, models_limit);
        }
        if (predict_cmd->parsed()) {
            return run_predict(predict);
        }
        if (sim_cmd->parsed()) {
            return run_exchange_sim(sim);
        }
        if (market_cmd->parsed()) {
            return run_market_sim(market);
        }
        if (hft_cmd->parsed()) {
            for (const auto* opt : hft_cmd->get_options()) {
                if (opt->count() > 0) {
                    for (const auto& name : opt->get_lnames()) {
                        hft.explicit_flags.insert(name);
                    }
                }
            }
            return run_hft_sim(hft);
        }
        if (serve_cmd->parsed()) {
            return run_serve(serve);
        }
        if (doctor_cmd->parsed()) {
            return run_doctor(doctor);
        }
        if (watchdog_cmd->parsed()) {
            return run_watchdog_command(watchdog);
        }
        if (jobs_cmd->parsed()) {
            return run_jobs(jobs);
        }
        if (collect_cmd->parsed()) {
            return run_altdata_collect(collect);
        }
        if (altdata_show_cmd->parsed()) {
            return run_altdata_show(altdata_show_db);
        }
        if (users_add->parsed()) {
            return run_users_add(users);
        }
        if (users_list->parsed()) {
            return run_users_list(users);
        }
        if (users_remove->parsed()) {
            return run_users_remove(users);
        }
        if (runs_list->parsed()) {
            return run_runs_list(runs_db, runs_limit);
        }
        if (runs_show->parsed()) {
            return run_runs_show(runs_db, run_id, show_trades);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ats: internal error: %s\n", e.what());
        return kExitInternal;
    }
    return kExitUsage;
}
