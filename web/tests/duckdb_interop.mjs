// DuckDB (npm @duckdb/node-api, a real Parquet implementation) against ats's Parquet, both ways:
//  1. DuckDB reads every file ats writes (typed samples of every encoding/codec/page version,
//     trades, depth, converted bars, a catalog) and finds the counts, nulls, min, max and sums
//     of ats's manifest exactly (decimals to the last place; DuckDB keeps microseconds, so
//     nanosecond columns are compared at that precision), and the same bars as in the CSV.
//  2. DuckDB writes bar files (row-group sizes, codecs, v1/v2 pages, DECIMAL and DOUBLE prices,
//     BIGINT epoch-ms and TIMESTAMP times under the names open_time/ts/timestamp) that ats reads
//     into exactly the bars of the source CSV.
//  3. DuckDB writes tables of every type it maps to Parquet (v1 and v2 pages, so DELTA_BINARY_PACKED,
//     DELTA_LENGTH_BYTE_ARRAY, BYTE_STREAM_SPLIT and dictionaries, with nulls); ats's reader finds
//     the same aggregates.
// usage: node duckdb_interop.mjs ATS ROOT SAMPLES_DIR WORK_DIR SAMPLES_BIN
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdirSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [ats, root, samples, work, samplesBin] = process.argv.slice(2);
mkdirSync(work, { recursive: true });
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const rows = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJson();
const one = async (sql) => (await rows(sql))[0];
let checks = 0;
const fail = (msg) => {
  console.error(`duckdb interop: ${msg}`);
  process.exit(1);
};
const same = (what, got, want) => {
  checks++;
  if (String(got) !== String(want)) fail(`${what}: DuckDB ${got}, ats ${want}`);
};
const q = (name) => `"${name.replaceAll('"', '""')}"`;

// DuckDB's aggregates of every file of a manifest against the manifest's.
const checkManifest = async (manifest) => {
for (const file of manifest.files) {
  const src = `read_parquet('${file.path}')`;
  same(`${file.path} rows`, (await one(`SELECT count(*) AS n FROM ${src}`)).n, file.rows);
  const types = Object.fromEntries(
    (await rows(`DESCRIBE SELECT * FROM ${src}`)).map((r) => [r.column_name, r.column_type]));
  for (const col of file.columns) {
    const c = q(col.name);
    const where = `${file.path} ${col.name}`;
    const base = await one(`SELECT count(${c}) AS n, count(*) - count(${c}) AS nulls FROM ${src}`);
    same(`${where} count`, base.n, col.count);
    same(`${where} nulls`, base.nulls, col.nulls);
    let sql;
    switch (col.kind) {
      case 'empty':
        continue;
      case 'decimal':
      case 'int':
        sql = `SELECT min(${c})::VARCHAR AS mn, max(${c})::VARCHAR AS mx, sum(${c})::VARCHAR AS s FROM ${src}`;
        break;
      case 'timestamp':
        sql = `SELECT epoch_us(min(${c}))::VARCHAR AS mn, epoch_us(max(${c}))::VARCHAR AS mx FROM ${src}`;
        break;
      case 'double':
        sql = `SELECT min(${c}) AS mn, max(${c}) AS mx, sum(${c}) AS s FROM ${src}`;
        break;
      case 'bool':
        sql = `SELECT sum(${c}::INTEGER)::VARCHAR AS s FROM ${src}`;
        break;
      case 'string':
        sql = `SELECT min(${c}) AS mn, max(${c}) AS mx, sum(strlen(${c}))::VARCHAR AS s FROM ${src}`;
        break;
      case 'blob':
        sql = `SELECT hex(min(${c})) AS mn, hex(max(${c})) AS mx, sum(octet_length(${c}))::VARCHAR AS s FROM ${src}`;
        break;
      default:
        fail(`${where}: unknown kind ${col.kind}`);
    }
    const got = await one(sql);
    if (col.kind === 'timestamp') {
      // DuckDB reads UTC timestamps as TIMESTAMPTZ (microseconds): compare at that precision.
      const us = (ns) => (BigInt(ns) / 1000n).toString();
      same(`${where} min (${types[col.name]})`, got.mn, us(col.min));
      same(`${where} max`, got.mx, us(col.max));
    } else if (col.kind === 'double') {
      same(`${where} min`, Number(got.mn), Number(col.min));
      same(`${where} max`, Number(got.mx), Number(col.max));
      checks++;
      if (Math.abs(Number(got.s) - Number(col.sum)) > 1e-9 * Math.max(1, Math.abs(Number(col.sum)))) {
        fail(`${where} sum: DuckDB ${got.s}, ats ${col.sum}`);
      }
    } else {
      if (col.min !== undefined) {
        same(`${where} min`, got.mn, col.min);
        same(`${where} max`, got.mx, col.max);
      }
      same(`${where} sum`, got.s, col.sum);
    }
  }
}
};

// 1a. Typed samples, trades and depth against the manifest.
const manifest = JSON.parse(readFileSync(`${samples}/manifest.json`, 'utf8'));
await checkManifest(manifest);

// 1b. Bars ats converted (a file and a catalog) hold exactly the CSV's values.
const csv = (path) => `(SELECT open_time_ms::BIGINT AS t, open::DECIMAL(18,8) AS o, high::DECIMAL(18,8) AS h,
    low::DECIMAL(18,8) AS l, close::DECIMAL(18,8) AS c, volume::DECIMAL(18,8) AS v
  FROM read_csv('${path}', all_varchar = true))`;
const pq = (glob, hive) => `(SELECT epoch_ms(open_time) AS t, open AS o, high AS h, low AS l, close AS c,
    volume AS v FROM read_parquet('${glob}'${hive ? ', hive_partitioning = true' : ''}))`;
const sameRows = async (what, a, b) => {
  const diff = await one(`SELECT (SELECT count(*) FROM (${a} EXCEPT ALL ${b})) +
      (SELECT count(*) FROM (${b} EXCEPT ALL ${a})) AS n, (SELECT count(*) FROM ${a}) AS rows`);
  same(`${what}: rows that differ`, diff.n, 0);
  checks++;
  if (Number(diff.rows) < 100) fail(`${what}: only ${diff.rows} rows`);
};
for (const name of ['BTCUSDT_1m_2024-12.csv', 'BTCUSDT_1h_2021-04_2025-12.csv']) {
  const src = `${root}/data/${name}`;
  const file = `${work}/${name}.parquet`;
  execFileSync(ats, ['data', 'convert', src, '--to', 'parquet', '--output', file, '--row-group-rows', '5000']);
  await sameRows(`${name} as one file`, pq(file, false), csv(src));
  const cat = `${work}/catalog`;
  execFileSync(ats, ['data', 'convert', src, '--to', 'parquet', '--output', `${cat}/`]);
  const interval = name.includes('_1m_') ? '1m' : '1h';
  await sameRows(`${name} in the catalog`,
    pq(`${cat}/bars/symbol=BTCUSDT/interval=${interval}/*/*.parquet`, true), csv(src));
  const hive = await one(`SELECT count(DISTINCT month) AS months, min(symbol) AS symbol
    FROM read_parquet('${cat}/bars/*/*/*/*.parquet', hive_partitioning = true)
    WHERE interval = '${interval}'`);
  same(`${name} catalog partitions`, hive.symbol, 'BTCUSDT');
}

// 2. DuckDB writes; ats reads the same bars as from the CSV (through `ats data convert --to csv`).
const source = `${root}/data/BTCUSDT_1m_2024-12.csv`;
execFileSync(ats, ['data', 'convert', source, '--to', 'csv', '--output', `${work}/want.csv`]);
const want = readFileSync(`${work}/want.csv`, 'utf8');
const text = `read_csv('${source}', all_varchar = true)`;
const variants = [
  // [name, time column expression, price type, codec, row group size, parquet version]
  ['bigint_decimal_zstd', 'open_time_ms::BIGINT AS open_time', 'DECIMAL(18,8)', 'zstd', 2048, 'V1'],
  ['ts_double_snappy', 'epoch_ms(open_time_ms::BIGINT) AS ts', 'DOUBLE', 'snappy', 100000, 'V1'],
  ['timestamp_wide_decimal_v2', 'epoch_ms(open_time_ms::BIGINT)::TIMESTAMP_NS AS "timestamp"', 'DECIMAL(30,10)',
    'uncompressed', 10000, 'V2'],
  ['tz_double_zstd_v2', 'epoch_ms(open_time_ms::BIGINT)::TIMESTAMPTZ AS open_time', 'DOUBLE', 'zstd', 4096, 'V2'],
  ['ms_decimal_small_groups', 'epoch_ms(open_time_ms::BIGINT)::TIMESTAMP_MS AS open_time', 'DECIMAL(12,2)',
    'snappy', 3000, 'V1'],
];
for (const [name, time, price, codec, groups, version] of variants) {
  const file = `${work}/duck_${name}.parquet`;
  // DECIMAL(12,2) cannot hold volumes; those stay DECIMAL(18,8) there.
  const vol = price === 'DECIMAL(12,2)' ? 'DECIMAL(18,8)' : price;
  await con.run(`COPY (SELECT ${time}, open::${price} AS open, high::${price} AS high, low::${price} AS low,
      close::${price} AS close, volume::${vol} AS volume, quote_volume::${vol} AS quote_volume,
      trades::BIGINT AS trades FROM ${text} ORDER BY open_time_ms)
    TO '${file}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE ${groups}, PARQUET_VERSION ${version})`);
  const out = `${work}/duck_${name}.csv`;
  execFileSync(ats, ['data', 'convert', file, '--asset', 'BTCUSDT', '--to', 'csv', '--output', out]);
  checks++;
  if (readFileSync(out, 'utf8') !== want) fail(`${name}: ats read different bars than the CSV holds`);
  const meta = await one(`SELECT count(DISTINCT row_group_id) AS groups, min(compression) AS codec
    FROM parquet_metadata('${file}')`);
  checks++;
  if (Number(meta.groups) < 1) fail(`${name}: no row groups`);
}

// 3. Generic tables written by DuckDB, read by ats.
const generic = [];
for (const [version, codec] of [['V1', 'snappy'], ['V2', 'zstd'], ['V2', 'uncompressed']]) {
  const file = `${work}/duck_types_${version}_${codec}.parquet`;
  await con.run(`COPY (SELECT range::BIGINT * 1000003 AS i64, (range % 1000)::INTEGER AS i32,
      CASE WHEN range % 7 = 0 THEN NULL ELSE range * 3 END AS nullable,
      range::DOUBLE / 7 AS d, (range % 3 = 0) AS b,
      'name-' || (range * 7919 % 100003)::VARCHAR AS unique_text, 'side' || (range % 2)::VARCHAR AS few_text,
      (range * 12345)::DECIMAL(18,8) / 1000 AS dec18, (range::DECIMAL(38,8) * 1e12) AS dec38,
      TIMESTAMP '2024-12-01' + INTERVAL (range) SECOND AS ts
    FROM range(20000)) TO '${file}' (FORMAT parquet, COMPRESSION ${codec}, PARQUET_VERSION ${version},
    ROW_GROUP_SIZE 7000)`);
  generic.push(file);
}
const encodings = await rows(`SELECT DISTINCT encodings FROM parquet_metadata([${generic.map((f) => `'${f}'`).join(',')}])`);
const seen = encodings.map((r) => r.encodings).join(',');
for (const e of ['DELTA_BINARY_PACKED', 'DELTA_LENGTH_BYTE_ARRAY', 'BYTE_STREAM_SPLIT', 'RLE_DICTIONARY', 'PLAIN']) {
  checks++;
  if (!seen.includes(e)) fail(`DuckDB wrote no ${e} page (saw ${seen})`);
}
const described = JSON.parse(execFileSync(samplesBin, ['--describe', ...generic], { encoding: 'utf8' }));
await checkManifest(described);
console.log(`duckdb interop: ${checks} checks passed (${manifest.files.length} ats files, ` +
  `${variants.length + generic.length} DuckDB files; encodings ${[...new Set(seen.split(','))].join(' ')})`);
