// Checks the Nexmark golden files (testdata/nexmark/qN.test) against DuckDB, once, by hand:
// not part of CI. For each file it
//   1. runs the file's setup blocks (the CREATE TABLE/VIEW blocks, whose expected output is
//      empty) with eddy and dumps the generated person, auction and bid rows to JSON;
//   2. loads them into DuckDB and computes the query as a batch (windows as floor arithmetic;
//      the generator is in order, so no record is late and every window fires at the end);
//   3. compares every query block's expectation in the file with DuckDB's answer, and, when
//      the file wraps the query in a view nexmark_qN (its output is too big for the file),
//      also eddy's whole `SELECT * FROM nexmark_qN` (changelog applied) with DuckDB's whole
//      answer.
// Rows are compared as multisets; DOUBLEs to 6 decimals. (Table cells longer than their
// column are cut with "..." by eddy: the files keep such strings out of their tables.)
//
// Usage (from the repository root):
//   (cd /tmp/duckbench && npm install @duckdb/node-api)     # once; any folder will do
//   DUCKDB_DIR=/tmp/duckbench node scripts/nexmark-check/check.mjs [q0 q5 ...]
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DATA = path.join(ROOT, 'testdata/data');
const DUCKDB_DIR = process.env.DUCKDB_DIR || '/tmp/duckbench';
const { DuckDBInstance } = createRequire(path.join(DUCKDB_DIR, 'package.json'))('@duckdb/node-api');

// ---------------------------------------------------------------------------------------
// The batch answers. `full` is the whole query (DuckDB makes it the view nexmark_qN);
// `blocks` are the file's query blocks in order, as DuckDB SQL (they may use nexmark_qN).
// Flink semantics kept: AVG of a BIGINT is a BIGINT (truncated), REGEXP_EXTRACT without a
// match and SPLIT_INDEX past the end are NULL, 0.908 is an exact DECIMAL.
// ---------------------------------------------------------------------------------------
const ms = (c) => `epoch_ms(${c})`;
const REGEX = `'(&|^)channel_id=([^&]*)'`;
const rx = `CASE WHEN regexp_matches(url, ${REGEX}) THEN regexp_extract(url, ${REGEX}, 2) END`;
const rankAggs = (extra = '') => `
  count(*) AS total_bids,
  count(*) FILTER (WHERE price < 10000) AS rank1_bids,
  count(*) FILTER (WHERE price >= 10000 AND price < 1000000) AS rank2_bids,
  count(*) FILTER (WHERE price >= 1000000) AS rank3_bids${extra}`;
const distinctAggs = `,
  count(DISTINCT bidder) AS total_bidders,
  count(DISTINCT bidder) FILTER (WHERE price < 10000) AS rank1_bidders,
  count(DISTINCT bidder) FILTER (WHERE price >= 10000 AND price < 1000000) AS rank2_bidders,
  count(DISTINCT bidder) FILTER (WHERE price >= 1000000) AS rank3_bidders,
  count(DISTINCT auction) AS total_auctions,
  count(DISTINCT auction) FILTER (WHERE price < 10000) AS rank1_auctions,
  count(DISTINCT auction) FILTER (WHERE price >= 10000 AND price < 1000000) AS rank2_auctions,
  count(DISTINCT auction) FILTER (WHERE price >= 1000000) AS rank3_auctions`;

const Q = {
  q0: {
    full: `SELECT auction, bidder, price, dateTime, extra FROM bid`,
    blocks: [
      `SELECT * FROM nexmark_q0 WHERE auction = 1121`,
      `SELECT count(*), count(DISTINCT auction), count(DISTINCT bidder), sum(price), min(dateTime), max(dateTime), sum(length(extra)) FROM nexmark_q0`,
    ],
  },
  q1: {
    full: `SELECT auction, bidder, CAST(0.908 * price AS DOUBLE) AS price, dateTime, extra FROM bid`,
    blocks: [
      `SELECT * FROM nexmark_q1 WHERE auction = 1121`,
      `SELECT count(*), min(price), max(price), count(DISTINCT price), min(dateTime), max(dateTime) FROM nexmark_q1`,
    ],
  },
  q2: {
    full: `SELECT auction, price FROM bid WHERE auction % 123 = 0`,
  },
  q3: {
    full: `SELECT P.name, P.city, P.state, A.id FROM auction A JOIN person P ON A.seller = P.id
           WHERE A.category = 10 AND P.state IN ('OR', 'ID', 'CA')`,
  },
  q4: {
    full: `SELECT category, sum(final) // count(final) AS avg_final FROM (
             SELECT max(B.price) AS final, A.category FROM auction A, bid B
             WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires
             GROUP BY A.id, A.category) GROUP BY category`,
  },
  q5: {
    // HOP(2 s slide, 10 s size): the windows [ws, ws + 10 s) with ws a multiple of 2 s in (ts - 10 s, ts].
    full: `WITH hb AS (
             SELECT auction, ws FROM bid,
               unnest(range((${ms('dateTime')} // 2000) * 2000 - 8000, (${ms('dateTime')} // 2000) * 2000 + 1, 2000)) AS t(ws)),
           ab AS (SELECT auction, count(*) AS num, ws FROM hb GROUP BY auction, ws),
           mb AS (SELECT max(num) AS maxn, ws FROM ab GROUP BY ws)
           SELECT ab.auction, ab.num FROM ab JOIN mb ON ab.ws = mb.ws AND ab.num >= mb.maxn`,
  },
  q7: {
    full: `WITH b1 AS (SELECT max(price) AS maxprice, epoch_ms((${ms('dateTime')} // 10000) * 10000 + 10000) AS dt
                       FROM bid GROUP BY ${ms('dateTime')} // 10000)
           SELECT B.auction, B.price, B.bidder, B.dateTime, B.extra FROM bid B JOIN b1 ON B.price = b1.maxprice
           WHERE B.dateTime BETWEEN b1.dt - INTERVAL 10 SECOND AND b1.dt`,
  },
  q8: {
    full: `WITH P AS (SELECT id, name, ${ms('dateTime')} // 10000 AS w FROM person GROUP BY id, name, w),
                A AS (SELECT seller, ${ms('dateTime')} // 10000 AS w FROM auction GROUP BY seller, w)
           SELECT P.id, P.name, epoch_ms(P.w * 10000) AS starttime FROM P JOIN A ON P.id = A.seller AND P.w = A.w`,
  },
  q9: {
    full: `SELECT A.id, A.itemName, A.description, A.initialBid, A.reserve, A.dateTime, A.expires, A.seller,
             A.category, A.extra, B.auction, B.bidder, B.price, B.dateTime AS bid_dateTime, B.extra AS bid_extra
           FROM auction A, bid B WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires
           QUALIFY row_number() OVER (PARTITION BY A.id ORDER BY B.price DESC, B.dateTime ASC) <= 1`,
    blocks: [
      `SELECT id, initialBid, reserve, dateTime, expires, seller, category, auction, bidder, price, bid_dateTime FROM nexmark_q9 WHERE id < 1012`,
      `SELECT count(*), sum(price), sum(length(extra) + length(bid_extra)), min(bid_dateTime), max(bid_dateTime) FROM nexmark_q9`,
    ],
  },
  q10: {
    full: `SELECT auction, bidder, price, dateTime, extra, strftime(dateTime, '%Y-%m-%d') AS dt, strftime(dateTime, '%H:%M') AS hm FROM bid`,
    blocks: [
      `SELECT dt, hm, count(*), min(dateTime), max(dateTime) FROM nexmark_q10 GROUP BY dt, hm`,
      `SELECT * FROM nexmark_q10 WHERE auction = 1121`,
    ],
  },
  q11: {
    // Per bidder, a gap of 10 s or more starts a new session; a session ends 10 s after its last bid.
    full: `WITH s AS (SELECT bidder, dateTime,
                        CASE WHEN dateTime - lag(dateTime) OVER (PARTITION BY bidder ORDER BY dateTime) < INTERVAL 10 SECOND
                             THEN 0 ELSE 1 END AS brk FROM bid),
                g AS (SELECT *, sum(brk) OVER (PARTITION BY bidder ORDER BY dateTime ROWS UNBOUNDED PRECEDING) AS sid FROM s)
           SELECT bidder, count(*) AS bid_count, min(dateTime) AS starttime, max(dateTime) + INTERVAL 10 SECOND AS endtime
           FROM g GROUP BY bidder, sid`,
    blocks: [
      `SELECT * FROM nexmark_q11 WHERE bidder < 1016`,
      `SELECT count(*), count(DISTINCT bidder), sum(bid_count), max(bid_count) FROM nexmark_q11`,
    ],
  },
  q13: {
    setup: `CREATE TABLE side_input AS SELECT * FROM read_csv('${ROOT}/testdata/nexmark/side_input.csv', header = false,
              columns = {'key': 'BIGINT', 'value': 'VARCHAR'})`,
    full: `SELECT B.auction, B.bidder, B.price, B.dateTime, S.value FROM bid B JOIN side_input S ON B.auction % 10000 = S.key`,
    blocks: [
      `SELECT value, count(*), sum(price), min(dateTime), max(dateTime) FROM nexmark_q13 GROUP BY value`,
    ],
  },
  q14: {
    full: `SELECT auction, bidder, CAST(0.908 * price AS DOUBLE) AS price,
             CASE WHEN hour(dateTime) >= 8 AND hour(dateTime) <= 18 THEN 'dayTime'
                  WHEN hour(dateTime) <= 6 OR hour(dateTime) >= 20 THEN 'nightTime'
                  ELSE 'otherTime' END AS bidTimeType,
             dateTime, extra, length(extra) - length(replace(extra, 'c', '')) AS c_counts
           FROM bid WHERE 0.908 * price > 1000000 AND 0.908 * price < 50000000`,
    blocks: [
      `SELECT * FROM nexmark_q14 WHERE auction BETWEEN 1118 AND 1122`,
      `SELECT bidTimeType, count(*), min(price), max(price), sum(c_counts), min(dateTime), max(dateTime) FROM nexmark_q14 GROUP BY bidTimeType`,
    ],
  },
  q15: {
    full: `SELECT strftime(dateTime, '%Y-%m-%d') AS day, ${rankAggs(distinctAggs)} FROM bid GROUP BY 1`,
  },
  q16: {
    full: `SELECT channel, strftime(dateTime, '%Y-%m-%d') AS day, max(strftime(dateTime, '%H:%M')) AS minute,
             ${rankAggs(distinctAggs)} FROM bid GROUP BY channel, day`,
    blocks: [
      `SELECT * FROM nexmark_q16 WHERE channel IN ('Apple', 'Google', 'Facebook', 'Baidu')`,
      `SELECT day, count(*), sum(total_bids), sum(rank1_bids), sum(total_bidders), sum(total_auctions), max(minute) FROM nexmark_q16 GROUP BY day`,
    ],
  },
  q17: {
    full: `SELECT auction, strftime(dateTime, '%Y-%m-%d') AS day, ${rankAggs()},
             min(price) AS min_price, max(price) AS max_price, sum(price) // count(price) AS avg_price, sum(price) AS sum_price
           FROM bid GROUP BY auction, day`,
    blocks: [
      `SELECT * FROM nexmark_q17 WHERE auction IN (1000, 1100, 1200, 1119, 1120, 1121)`,
      `SELECT day, count(*), sum(total_bids), sum(rank3_bids), min(min_price), max(max_price), sum(sum_price), sum(avg_price) FROM nexmark_q17 GROUP BY day`,
    ],
  },
  q18: {
    full: `SELECT auction, bidder, price, channel, url, dateTime, extra FROM bid
           QUALIFY row_number() OVER (PARTITION BY bidder, auction ORDER BY dateTime DESC) <= 1`,
    blocks: [
      `SELECT auction, bidder, price, channel, dateTime FROM nexmark_q18 WHERE auction IN (1006, 1121)`,
      `SELECT count(*), count(DISTINCT bidder), count(DISTINCT auction), sum(price), max(dateTime), sum(length(url) + length(extra)) FROM nexmark_q18`,
    ],
  },
  q19: {
    full: `SELECT *, row_number() OVER (PARTITION BY auction ORDER BY price DESC) AS rank_number FROM bid
           QUALIFY rank_number <= 10`,
    blocks: [
      `SELECT auction, bidder, price, channel, dateTime, rank_number FROM nexmark_q19 WHERE auction IN (1000, 1121)`,
      `SELECT count(*), count(DISTINCT auction), sum(price), sum(rank_number), sum(length(url) + length(extra)) FROM nexmark_q19`,
    ],
  },
  q20: {
    full: `SELECT B.auction, B.bidder, B.price, B.channel, B.url, B.dateTime, B.extra, A.itemName, A.description,
             A.initialBid, A.reserve, A.dateTime AS dateTime0, A.expires, A.seller, A.category, A.extra AS extra0
           FROM bid B JOIN auction A ON B.auction = A.id WHERE A.category = 10`,
    blocks: [
      `SELECT auction, bidder, price, channel, dateTime, itemName, initialBid, reserve, dateTime0, expires, seller, category FROM nexmark_q20 WHERE auction = 1119`,
      `SELECT count(*), count(DISTINCT auction), sum(price), sum(reserve), min(dateTime0), max(expires), sum(length(url) + length(extra) + length(description) + length(extra0)) FROM nexmark_q20`,
    ],
  },
  q21: {
    full: `SELECT auction, bidder, price, channel,
             CASE WHEN lower(channel) = 'apple' THEN '0' WHEN lower(channel) = 'google' THEN '1'
                  WHEN lower(channel) = 'facebook' THEN '2' WHEN lower(channel) = 'baidu' THEN '3'
                  ELSE ${rx} END AS channel_id
           FROM bid WHERE ${rx} IS NOT NULL OR lower(channel) IN ('apple', 'google', 'facebook', 'baidu')`,
    blocks: [
      `SELECT * FROM nexmark_q21 WHERE auction = 1121`,
      `SELECT CASE WHEN channel_id IN ('0', '1', '2', '3') THEN channel ELSE 'other' END AS ch, min(channel_id), max(channel_id), count(*) FROM nexmark_q21 GROUP BY ch`,
    ],
  },
  q22: {
    full: `SELECT auction, bidder, price, channel, string_split(url, '/')[4] AS dir1, string_split(url, '/')[5] AS dir2,
             string_split(url, '/')[6] AS dir3 FROM bid`,
    blocks: [
      `SELECT * FROM nexmark_q22 WHERE auction = 1121`,
      `SELECT CASE WHEN channel LIKE 'channel-%' THEN 'other' ELSE channel END AS ch, min(dir1), min(dir2), min(dir3), count(DISTINCT dir1), count(*) FROM nexmark_q22 GROUP BY ch`,
    ],
  },
};

// ---------------------------------------------------------------------------------------
// The golden file, eddy and DuckDB.
// ---------------------------------------------------------------------------------------

// parseTest splits a datadriven file into {cmd, input, expected} blocks.
function parseTest(text) {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^(exec|query)\b/.test(lines[i])) continue;
    const cmd = lines[i];
    const input = [];
    for (i++; lines[i] !== '----'; i++) input.push(lines[i]);
    const expected = [];
    for (i++; i < lines.length && lines[i] !== ''; i++) expected.push(lines[i]);
    blocks.push({ cmd, input: input.join('\n'), expected });
  }
  return blocks;
}

let eddyBin;
function buildEddy() {
  eddyBin = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nexmark-check-')), 'eddy');
  execFileSync('go', ['build', '-o', eddyBin, './cmd/eddy'], { cwd: ROOT, stdio: 'inherit' });
  return eddyBin;
}
function eddy(sql, format = 'json') {
  if (!eddyBin) buildEddy();
  const f = path.join(path.dirname(eddyBin), 'job.sql');
  fs.writeFileSync(f, sql.replaceAll('$DATA', DATA));
  return execFileSync(eddyBin, ['run', f, '--format', format], { maxBuffer: 1 << 30, encoding: 'utf8' });
}

const pad = (n, w = 2) => String(n).padStart(w, '0');
function fmtTime(d) {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

// canon is the comparable text of one value; loose (table output) also reads numbers from text.
function canon(v, loose) {
  if (v === null || v === undefined) return 'NULL';
  if (v instanceof Date) return fmtTime(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(6);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string' && loose) {
    const s = v.trim();
    if (s === 'NULL' || s === '<NULL>') return 'NULL';
    if (/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(s)) return canon(Number(s), false);
    return s;
  }
  if (typeof v === 'object') return JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? x.toString() : x));
  return String(v);
}
const rowKey = (vals, loose) => JSON.stringify(vals.map((v) => canon(v, loose)));

// rowsOfJSON applies a changelog (lines with "op") or takes plain rows.
function rowsOfJSON(lines) {
  const m = new Map();
  const problems = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    const o = JSON.parse(line);
    const op = o.op;
    delete o.op;
    const k = rowKey(Object.values(o));
    if (op === undefined || op === '+I' || op === '+U') m.set(k, (m.get(k) || 0) + 1);
    else if (m.get(k) > 0) m.set(k, m.get(k) - 1);
    else problems.push(`${op} of a row not in the result: ${line}`);
  }
  return { keys: [...m].flatMap(([k, n]) => Array(n).fill(k)), problems };
}

// rowsOfTable reads eddy's --format table output, its lines sorted (exec sort format=table):
// the header is the one row of left-aligned names; "N row(s) in result" says how many rows.
function rowsOfTable(lines) {
  const cells = (line) => line.slice(1, -1).split('|');
  const isHeader = (line) => cells(line).every((c) => /^ [A-Za-z_$][\w$]* *$/.test(c));
  const rows = lines.filter((l) => l.startsWith('|'));
  const headers = rows.filter(isHeader);
  const n = Number((lines.find((l) => /row\(s\) in result/.test(l)) || '').split(' ')[0]);
  const problems = [];
  if (headers.length !== 1 || rows.length !== n + 1) problems.push(`cannot tell the header among ${rows.length} lines (${headers.length} candidates)`);
  return { keys: rows.filter((l) => l !== headers[0]).map((l) => rowKey(cells(l), true)), problems };
}

function diff(name, got, want) {
  const count = (ks) => ks.reduce((m, k) => m.set(k, (m.get(k) || 0) + 1), new Map());
  const g = count(got), w = count(want);
  const extra = [], missing = [];
  for (const [k, n] of g) for (let i = (w.get(k) || 0); i < n; i++) extra.push(k);
  for (const [k, n] of w) for (let i = (g.get(k) || 0); i < n; i++) missing.push(k);
  if (!extra.length && !missing.length) {
    console.log(`  ok    ${name}: ${want.length} rows`);
    return true;
  }
  console.log(`  FAIL  ${name}: eddy ${got.length} rows, DuckDB ${want.length}; ${extra.length} only in eddy, ${missing.length} only in DuckDB`);
  for (const k of extra.slice(0, 5)) console.log(`        eddy only:   ${k}`);
  for (const k of missing.slice(0, 5)) console.log(`        DuckDB only: ${k}`);
  return false;
}

const COLS = {
  person: `{'id': 'BIGINT', 'name': 'VARCHAR', 'emailAddress': 'VARCHAR', 'creditCard': 'VARCHAR', 'city': 'VARCHAR',
            'state': 'VARCHAR', 'dateTime': 'TIMESTAMP', 'extra': 'VARCHAR'}`,
  auction: `{'id': 'BIGINT', 'itemName': 'VARCHAR', 'description': 'VARCHAR', 'initialBid': 'BIGINT', 'reserve': 'BIGINT',
             'dateTime': 'TIMESTAMP', 'expires': 'TIMESTAMP', 'seller': 'BIGINT', 'category': 'BIGINT', 'extra': 'VARCHAR'}`,
  bid: `{'auction': 'BIGINT', 'bidder': 'BIGINT', 'price': 'BIGINT', 'channel': 'VARCHAR', 'url': 'VARCHAR',
         'dateTime': 'TIMESTAMP', 'extra': 'VARCHAR'}`,
};

async function check(q) {
  const file = path.join(ROOT, 'testdata/nexmark', `${q}.test`);
  const spec = Q[q];
  if (!fs.existsSync(file) || !spec) {
    console.log(`${q}: no golden file (not supported by eddy: see docs/nexmark.md), skipped`);
    return true;
  }
  console.log(q);
  const blocks = parseTest(fs.readFileSync(file, 'utf8')).filter((b) => b.cmd.startsWith('exec'));
  const setup = blocks.filter((b) => b.expected.length === 0).map((b) => b.input).join('\n');
  const queries = blocks.filter((b) => b.expected.length > 0);

  const db = await (await DuckDBInstance.create(':memory:')).connect();
  const dir = path.join(path.dirname(eddyBin || buildEddy()), q);
  fs.mkdirSync(dir, { recursive: true });
  for (const t of Object.keys(COLS)) {
    fs.writeFileSync(path.join(dir, `${t}.json`), eddy(`${setup}\nSELECT * FROM ${t};`));
    await db.run(`CREATE TABLE ${t} AS SELECT * FROM read_json('${dir}/${t}.json', format = 'newline_delimited', columns = ${COLS[t]})`);
  }
  if (spec.setup) await db.run(spec.setup);
  await db.run(`CREATE VIEW nexmark_${q} AS ${spec.full}`);
  const duck = async (sql, loose) => {
    const r = await db.runAndReadAll(sql);
    return r.getRowsJS().map((row) => rowKey(row, loose));
  };

  let ok = true;
  if (new RegExp(`CREATE\\s+VIEW\\s+nexmark_${q}\\b`, 'i').test(setup)) {
    const out = eddy(`${setup}\nSELECT * FROM nexmark_${q};`).split('\n');
    const got = rowsOfJSON(out);
    for (const p of got.problems) console.log(`  FAIL  ${p}`);
    ok = diff(`whole query (SELECT * FROM nexmark_${q})`, got.keys, await duck(`SELECT * FROM nexmark_${q}`)) && ok;
  }
  const sqls = spec.blocks || [`SELECT * FROM nexmark_${q}`];
  if (queries.length && sqls.length !== queries.length) {
    console.log(`  FAIL  ${queries.length} query blocks in the file, ${sqls.length} DuckDB queries`);
    return false;
  }
  if (!queries.length) console.log('  (no query blocks)');
  for (const [i, b] of queries.entries()) {
    const table = /format=table/.test(b.cmd);
    const got = table ? rowsOfTable(b.expected) : rowsOfJSON(b.expected.filter((l) => !l.startsWith('error:')));
    for (const p of got.problems) console.log(`  FAIL  ${p}`);
    if (b.expected.some((l) => l.startsWith('error:'))) console.log(`  FAIL  block ${i + 1} expects an error`);
    ok = diff(`block ${i + 1} (${b.cmd}) expectation`, got.keys, await duck(sqls[i], table)) && ok;
  }
  return ok;
}

const wanted = process.argv.slice(2);
const all = Array.from({ length: 23 }, (_, i) => `q${i}`);
let failed = 0;
for (const q of wanted.length ? wanted : all) if (!(await check(q))) failed++;
if (eddyBin) fs.rmSync(path.dirname(eddyBin), { recursive: true, force: true });
console.log(failed ? `${failed} queries differ` : 'all checked queries agree with DuckDB');
process.exit(failed ? 1 : 0);
