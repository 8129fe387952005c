package engine

// Differential test for updating results (changelogs), joins, Top-N, deduplication and OVER
// windows: eddy against a batch oracle written in Go only from
// /work/shared/design/semantics.md (and Flink SQL where the contract is silent), over
// seeded random out-of-order input. It shares no code with exec/ nor with the windowed
// differential test.
//
// Each query runs as `eddy run q.sql --format json` would run it (a Session with Format json,
// RunScript over the script file's text). An updating result must print every line with a
// first key "op"; the lines are applied in order to a multiset (+I/+U add a row, -U/-D remove
// one equal row, and removing a row that is not there fails the test). The input is bounded,
// so the final multiset must be the oracle's answer over all input. An append-only result
// prints plain rows, compared as a multiset. Every query runs with batch sizes 1, 7 and 1024,
// which must give identical materialized results.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
)

const (
	updEpoch  = int64(1793491200000) // 2026-11-01 00:00:00.000 UTC
	updTSFmt  = "2006-01-02 15:04:05.000"
	updDelay  = int64(5000) // every table declares WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
	updWindow = int64(10_000)
)

var updBatchSizes = []int{1, 7, 1024}

func updFmtTS(ms int64) string { return time.UnixMilli(ms).UTC().Format(updTSFmt) }

// ---------------------------------------------------------------------------------------
// Input data.

// updClock makes out-of-order event times over ~10 minutes: ~27% of records jump back up to
// 8 s, ~1% jump back 45-60 s (late for a 5 s watermark delay when more than 5 s behind the
// largest time so far); some times are snapped to whole seconds or to the last millisecond
// of the previous 10 s window, so that exact interval and RANGE bounds (2 s, 10 s) occur in
// the data. ~1% of records land exactly on the watermark (late) and ~1% 1 ms after it (not
// late), and the largest time sometimes ends in x4.999 s so that the watermark sits exactly
// at a window's `end - 1 ms`. About 15% of the records are late.
type updClock struct {
	rng *rand.Rand
	cur int64
	max int64
}

func newUpdClock(rng *rand.Rand) *updClock {
	return &updClock{rng: rng, cur: updEpoch + 61_000, max: math.MinInt64}
}

func (c *updClock) next() int64 {
	c.cur += c.rng.Int64N(400)
	ts := c.cur
	switch p := c.rng.Float64(); {
	case p < 0.01 && c.max > math.MinInt64:
		ts = c.max - updDelay // exactly on the watermark: late
	case p < 0.02 && c.max > math.MinInt64:
		ts = c.max - updDelay + 1 // 1 ms after it: not late
	case p < 0.03:
		ts -= 45_000 + c.rng.Int64N(15_000)
	case p < 0.30:
		ts -= c.rng.Int64N(8000)
		switch p := c.rng.Float64(); {
		case p < 0.20:
			ts -= ts % 1000
		case p < 0.35:
			ts -= ts%updWindow + 1
		}
	case p < 0.35:
		// Forward to the next x4.999 s when it is close: the watermark becomes x9.999 s,
		// the `end - 1 ms` of the window ending at (x+1)0 s.
		if up := (4999 - ts%updWindow + updWindow) % updWindow; up < 1200 {
			ts += up
		}
	case p < 0.55:
		ts -= ts % 1000
	}
	c.max = max(c.max, ts)
	return ts
}

// updUniqueTS moves ts forward to the next millisecond not yet used by key.
func updUniqueTS(used map[int64]map[int64]bool, key, ts int64) int64 {
	if used[key] == nil {
		used[key] = map[int64]bool{}
	}
	for used[key][ts] {
		ts++
	}
	used[key][ts] = true
	return ts
}

// updSRow is a row of the stream s: id is unique, k is the join key (NULL when kNull), g
// the group key. Prices are whole cents (NULL when priceNull), some negative (refunds).
type updSRow struct {
	id        int64
	k         int64
	kNull     bool
	g         string
	cents     int64
	priceNull bool
	qty       int64
	ts        int64
}

type updDimRow struct {
	id             int64
	name, category string
}

// updBid is a row of bids (Top-N, interval join) or of the OVER table.
type updBid struct {
	auction, bidder int64
	cents           int64
	priceNull       bool
	ts              int64
}

// updEvRow is a row of ev (deduplication, unbounded Top-N): id and v are unique, ts is unique
// per k.
type updEvRow struct {
	id, k, v int64
	ts       int64
}

type updData struct {
	s    []updSRow
	dim  []updDimRow
	bids []updBid
	over []updBid
	ev   []updEvRow
}

func genUpdData(seed uint64) *updData {
	d := &updData{}
	{
		rng := rand.New(rand.NewPCG(seed, 1))
		clk := newUpdClock(rng)
		for i := range 5000 {
			// ~50 groups, skewed: low numbers are hot, high ones rare.
			g := min(rng.IntN(50), rng.IntN(50))
			if rng.Float64() < 0.3 {
				g = rng.IntN(50)
			}
			r := updSRow{id: int64(i + 1), k: 1 + rng.Int64N(130), g: fmt.Sprintf("g%02d", g),
				cents: -5000 + rng.Int64N(25_001), qty: 1 + rng.Int64N(10), ts: clk.next()}
			r.kNull = rng.Float64() < 0.05
			r.priceNull = rng.Float64() < 0.03
			d.s = append(d.s, r)
		}
		// The reference table: ids 1..120 with ~20 missing (and 121..130 never present), in
		// random order.
		for _, id := range rng.Perm(120) {
			if rng.Float64() < 0.17 {
				continue
			}
			d.dim = append(d.dim, updDimRow{id: int64(id + 1), name: fmt.Sprintf("item-%03d", id+1),
				category: fmt.Sprintf("cat-%d", rng.IntN(7))})
		}
	}
	{
		rng := rand.New(rand.NewPCG(seed, 2))
		clk := newUpdClock(rng)
		for range 3000 {
			d.bids = append(d.bids, updBid{auction: 1 + rng.Int64N(10), bidder: 1 + rng.Int64N(8),
				cents: 100 + rng.Int64N(19_901), ts: clk.next()})
		}
	}
	{
		rng := rand.New(rand.NewPCG(seed, 3))
		clk := newUpdClock(rng)
		used := map[int64]map[int64]bool{}
		for range 3000 {
			a := 1 + rng.Int64N(10)
			d.over = append(d.over, updBid{auction: a, bidder: 1 + rng.Int64N(8), cents: 100 + rng.Int64N(19_901),
				priceNull: rng.Float64() < 0.03, ts: updUniqueTS(used, a, clk.next())})
		}
	}
	{
		rng := rand.New(rand.NewPCG(seed, 4))
		clk := newUpdClock(rng)
		used := map[int64]map[int64]bool{}
		const n = 3000
		vs := rng.Perm(n)
		for i := range n {
			k := 1 + rng.Int64N(60)
			d.ev = append(d.ev, updEvRow{id: int64(i + 1), k: k, v: int64(vs[i])*3 + 1, ts: updUniqueTS(used, k, clk.next())})
		}
	}
	return d
}

func updPrice(cents int64, null bool) string {
	if null {
		return "null"
	}
	return strconv.FormatFloat(float64(cents)/100, 'f', -1, 64)
}

func writeUpdData(t *testing.T, dir string, d *updData) {
	var b strings.Builder
	for _, r := range d.s {
		k := "null"
		if !r.kNull {
			k = strconv.FormatInt(r.k, 10)
		}
		fmt.Fprintf(&b, `{"id":%d,"k":%s,"g":%q,"price":%s,"qty":%d,"ts":%q}`+"\n",
			r.id, k, r.g, updPrice(r.cents, r.priceNull), r.qty, updFmtTS(r.ts))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "s.json"), []byte(b.String()), 0o644))
	b.Reset()
	for _, r := range d.dim {
		fmt.Fprintf(&b, "%d,%s,%s\n", r.id, r.name, r.category)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "dim.csv"), []byte(b.String()), 0o644))
	for _, f := range []struct {
		name string
		rows []updBid
	}{{"bids.json", d.bids}, {"over.json", d.over}} {
		b.Reset()
		for _, r := range f.rows {
			fmt.Fprintf(&b, `{"auction":%d,"bidder":%d,"price":%s,"ts":%q}`+"\n",
				r.auction, r.bidder, updPrice(r.cents, r.priceNull), updFmtTS(r.ts))
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, f.name), []byte(b.String()), 0o644))
	}
	b.Reset()
	for _, r := range d.ev {
		fmt.Fprintf(&b, `{"id":%d,"k":%d,"v":%d,"ts":%q}`+"\n", r.id, r.k, r.v, updFmtTS(r.ts))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ev.json"), []byte(b.String()), 0o644))
}

// updDDL declares every table; each script starts with it. $DIR is the data folder.
const updDDL = `
CREATE TABLE s (
  id BIGINT, k BIGINT, g STRING, price DOUBLE, qty BIGINT, ts TIMESTAMP(3),
  proc AS PROCTIME(),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = '$DIR/s.json', 'format' = 'json');
CREATE TABLE dim (id BIGINT, name STRING, category STRING)
  WITH ('connector' = 'filesystem', 'path' = '$DIR/dim.csv', 'format' = 'csv');
CREATE TABLE bids (
  auction BIGINT, bidder BIGINT, price DOUBLE, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = '$DIR/bids.json', 'format' = 'json');
CREATE TABLE bo (
  auction BIGINT, bidder BIGINT, price DOUBLE, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = '$DIR/over.json', 'format' = 'json');
CREATE TABLE ev (
  id BIGINT, k BIGINT, v BIGINT, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = '$DIR/ev.json', 'format' = 'json');
`

// ---------------------------------------------------------------------------------------
// Oracle helpers.

// updWmBefore gives, per record in file order, the watermark of its source just before it:
// the largest ts of the records before it minus the delay (MinInt64 before the first).
func updWmBefore(ts []int64) []int64 {
	out := make([]int64, len(ts))
	wm := int64(math.MinInt64)
	for i, t := range ts {
		out[i] = wm
		wm = max(wm, t-updDelay)
	}
	return out
}

// updLateRows marks the records whose ts <= the watermark before them.
func updLateRows(ts []int64) []bool {
	wm := updWmBefore(ts)
	late := make([]bool, len(ts))
	for i, t := range ts {
		late[i] = t <= wm[i]
	}
	return late
}

func updBidTimes(rs []updBid) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.ts
	}
	return out
}

func updEvTimes(rs []updEvRow) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.ts
	}
	return out
}

func updCentsVal(c int64, null bool) any {
	if null {
		return nil
	}
	return float64(c) / 100
}

func updNullIf(null bool, v any) any {
	if null {
		return nil
	}
	return v
}

func (d *updData) dimByID() map[int64]updDimRow {
	m := map[int64]updDimRow{}
	for _, r := range d.dim {
		m[r.id] = r
	}
	return m
}

// updSumAgg is SUM/MIN/MAX/COUNT over cents with SQL NULL semantics.
type updSumAgg struct {
	n, sum   int64 // over non-NULL values
	min, max int64
}

func (a *updSumAgg) add(c int64, null bool) {
	if null {
		return
	}
	if a.n == 0 || c < a.min {
		a.min = c
	}
	if a.n == 0 || c > a.max {
		a.max = c
	}
	a.n++
	a.sum += c
}

func (a *updSumAgg) sumV() any { return updNullIf(a.n == 0, float64(a.sum)/100) }
func (a *updSumAgg) minV() any { return updNullIf(a.n == 0, float64(a.min)/100) }
func (a *updSumAgg) maxV() any { return updNullIf(a.n == 0, float64(a.max)/100) }
func (a *updSumAgg) avgV() any { return updNullIf(a.n == 0, float64(a.sum)/100/float64(a.n)) }

// ---------------------------------------------------------------------------------------
// Oracles, one per query.

// Query 1: SELECT g, COUNT(*), SUM(qty), SUM(price), MIN(price), MAX(price),
// COUNT(DISTINCT k), AVG(price) FROM s GROUP BY g HAVING AVG(price) > 74.
func updOracleGroupBy(t *testing.T, d *updData) [][]any {
	type acc struct {
		n, qty int64
		p      updSumAgg
		ks     map[int64]bool
	}
	groups := map[string]*acc{}
	for _, r := range d.s {
		a := groups[r.g]
		if a == nil {
			a = &acc{ks: map[int64]bool{}}
			groups[r.g] = a
		}
		a.n++
		a.qty += r.qty
		a.p.add(r.cents, r.priceNull)
		if !r.kNull {
			a.ks[r.k] = true
		}
	}
	var rows [][]any
	for g, a := range groups {
		// AVG(price) > 74 exactly, in cents: sum/n > 7400. An exact tie would leave the
		// float comparison to rounding; the data must avoid it.
		require.NotEqual(t, a.p.sum, 7400*a.p.n, "group %s: AVG exactly at the HAVING bound; change the seed", g)
		if a.p.n == 0 || a.p.sum <= 7400*a.p.n {
			continue
		}
		rows = append(rows, []any{g, a.n, a.qty, a.p.sumV(), a.p.minV(), a.p.maxV(), int64(len(a.ks)), a.p.avgV()})
	}
	return rows
}

// Query 1b: the global aggregate.
func updOracleGlobal(_ *testing.T, d *updData) [][]any {
	var p updSumAgg
	gs := map[string]bool{}
	maxTS := int64(math.MinInt64)
	for _, r := range d.s {
		p.add(r.cents, r.priceNull)
		gs[r.g] = true
		maxTS = max(maxTS, r.ts)
	}
	return [][]any{{int64(len(d.s)), p.n, p.sumV(), int64(len(gs)), maxTS}}
}

// Query 2: s enriched from dim on s.k = d.id (NULL k never matches).
func updOracleEnrich(left bool) func(*testing.T, *updData) [][]any {
	return func(_ *testing.T, d *updData) [][]any {
		dim := d.dimByID()
		var rows [][]any
		for _, r := range d.s {
			k := updNullIf(r.kNull, r.k)
			if dr, ok := dim[r.k]; ok && !r.kNull {
				rows = append(rows, []any{r.id, k, dr.name, dr.category})
			} else if left {
				rows = append(rows, []any{r.id, k, nil, nil})
			}
		}
		return rows
	}
}

// Query 3: SELECT d.category, COUNT(*), SUM(s.price), MAX(s.price), COUNT(d.id),
// AVG(s.price), COUNT(DISTINCT s.k) FROM s LEFT JOIN dim d ON s.k = d.id GROUP BY d.category.
func updOracleJoinAgg(_ *testing.T, d *updData) [][]any {
	dim := d.dimByID()
	type acc struct {
		n, matched int64
		p          updSumAgg
		ks         map[int64]bool
	}
	groups := map[any]*acc{} // category, or nil for the rows without a match
	for _, r := range d.s {
		var cat any
		dr, ok := dim[r.k]
		ok = ok && !r.kNull
		if ok {
			cat = dr.category
		}
		a := groups[cat]
		if a == nil {
			a = &acc{ks: map[int64]bool{}}
			groups[cat] = a
		}
		if ok {
			a.matched++
		}
		a.n++
		a.p.add(r.cents, r.priceNull)
		if !r.kNull {
			a.ks[r.k] = true
		}
	}
	var rows [][]any
	for c, a := range groups {
		rows = append(rows, []any{c, a.n, a.p.sumV(), a.p.maxV(), a.matched, a.p.avgV(), int64(len(a.ks))})
	}
	return rows
}

// Query 4: Top-3 auctions by SUM(price) per 10 s tumbling window. A record is late for its
// window when the watermark before it has reached window_end - 1 ms; late records are
// dropped from the aggregation. Totals are compared in cents, so ties are exact; the data
// must have none among the first four of a window (ROW_NUMBER would break them by arrival).
func updOracleWindowTopN(t *testing.T, d *updData) [][]any {
	type wk struct{ start, auction int64 }
	totals := map[wk]int64{}
	wm := updWmBefore(updBidTimes(d.bids))
	for i, r := range d.bids {
		start := r.ts - ((r.ts%updWindow)+updWindow)%updWindow
		if start+updWindow-1 <= wm[i] {
			continue
		}
		totals[wk{start, r.auction}] += r.cents
	}
	perWin := map[int64][][2]int64{}
	for k, c := range totals {
		perWin[k.start] = append(perWin[k.start], [2]int64{k.auction, c})
	}
	var rows [][]any
	for start, as := range perWin {
		sort.Slice(as, func(i, j int) bool { return as[i][1] > as[j][1] })
		for i := 1; i < min(len(as), 4); i++ {
			require.NotEqual(t, as[i-1][1], as[i][1], "window %s: tied totals in the Top-4; change the seed", updFmtTS(start))
		}
		for i := 0; i < min(len(as), 3); i++ {
			rows = append(rows, []any{start, start + updWindow, as[i][0], float64(as[i][1]) / 100, int64(i + 1)})
		}
	}
	return rows
}

func updLateWindowTopN(d *updData) int64 {
	wm := updWmBefore(updBidTimes(d.bids))
	n := int64(0)
	for i, r := range d.bids {
		start := r.ts - ((r.ts%updWindow)+updWindow)%updWindow
		if start+updWindow-1 <= wm[i] {
			n++
		}
	}
	return n
}

// Query 5: the interval self-join. A row is dropped from a side when its ts <= that side's
// watermark before it; both sides read the same file, so a row is dropped from both or
// neither. Every pair of rows that are not late and satisfy the condition appears.
func updOracleIntervalJoin(_ *testing.T, d *updData) [][]any {
	late := updLateRows(updBidTimes(d.bids))
	var keep []updBid
	for i, r := range d.bids {
		if !late[i] {
			keep = append(keep, r)
		}
	}
	var rows [][]any
	for _, a := range keep {
		for _, b := range keep {
			if a.auction == b.auction && b.ts >= a.ts && b.ts <= a.ts+2000 && a.bidder != b.bidder {
				rows = append(rows, []any{a.auction, a.bidder, b.bidder, float64(a.cents) / 100, float64(b.cents) / 100})
			}
		}
	}
	return rows
}

func updCountLate(ts []int64) int64 {
	n := int64(0)
	for _, l := range updLateRows(ts) {
		if l {
			n++
		}
	}
	return n
}

// Query 6a: keep-first deduplication per k by ts among rows that are not late (ts is unique
// per k in the data, so there are no ties).
func updOracleKeepFirst(_ *testing.T, d *updData) [][]any {
	late := updLateRows(updEvTimes(d.ev))
	best := map[int64]updEvRow{}
	for i, r := range d.ev {
		if late[i] {
			continue
		}
		if b, ok := best[r.k]; !ok || r.ts < b.ts {
			best[r.k] = r
		}
	}
	var rows [][]any
	for _, r := range best {
		rows = append(rows, []any{r.id, r.k, r.ts})
	}
	return rows
}

// Query 6b: keep-last deduplication per k by ts. As in Flink, nothing is dropped for lateness:
// the row with the largest ts of each key wins.
func updOracleKeepLast(_ *testing.T, d *updData) [][]any {
	best := map[int64]updEvRow{}
	for _, r := range d.ev {
		if b, ok := best[r.k]; !ok || r.ts > b.ts {
			best[r.k] = r
		}
	}
	var rows [][]any
	for _, r := range best {
		rows = append(rows, []any{r.id, r.k, r.v, r.ts, int64(1)})
	}
	return rows
}

// Query 6c: the unbounded Top-2 per k by v DESC (v is unique).
func updOracleTop2(_ *testing.T, d *updData) [][]any {
	per := map[int64][]updEvRow{}
	for _, r := range d.ev {
		per[r.k] = append(per[r.k], r)
	}
	var rows [][]any
	for k, rs := range per {
		sort.Slice(rs, func(i, j int) bool { return rs[i].v > rs[j].v })
		for i := 0; i < min(len(rs), 2); i++ {
			rows = append(rows, []any{k, rs[i].v, rs[i].id, int64(i + 1)})
		}
	}
	return rows
}

// updOverPartitions returns, per auction, the rows of bo that are not late (ts <= the watermark
// before them), ordered by ts (unique per auction in the data).
func updOverPartitions(d *updData) map[int64][]updBid {
	late := updLateRows(updBidTimes(d.over))
	per := map[int64][]updBid{}
	for i, r := range d.over {
		if !late[i] {
			per[r.auction] = append(per[r.auction], r)
		}
	}
	for _, rs := range per {
		sort.Slice(rs, func(i, j int) bool { return rs[i].ts < rs[j].ts })
	}
	return per
}

// Query 7a: SUM and COUNT of price over ROWS BETWEEN 2 PRECEDING AND CURRENT ROW.
func updOracleOverRows(_ *testing.T, d *updData) [][]any {
	var rows [][]any
	for a, rs := range updOverPartitions(d) {
		for i, r := range rs {
			var acc updSumAgg
			for j := max(0, i-2); j <= i; j++ {
				acc.add(rs[j].cents, rs[j].priceNull)
			}
			rows = append(rows, []any{a, r.ts, updCentsVal(r.cents, r.priceNull), acc.sumV(), acc.n})
		}
	}
	return rows
}

// Query 7b: SUM and MIN of price over RANGE BETWEEN INTERVAL '10' SECOND PRECEDING AND
// CURRENT ROW: the rows with ts in [ts - 10 s, ts], both bounds included.
func updOracleOverRange(_ *testing.T, d *updData) [][]any {
	var rows [][]any
	for a, rs := range updOverPartitions(d) {
		for i, r := range rs {
			var acc updSumAgg
			for j := 0; j <= i; j++ {
				if rs[j].ts >= r.ts-10_000 {
					acc.add(rs[j].cents, rs[j].priceNull)
				}
			}
			rows = append(rows, []any{a, r.ts, updCentsVal(r.cents, r.priceNull), acc.sumV(), acc.minV()})
		}
	}
	return rows
}

// Query 7c: LAG(price) and LAG(price, 2, -1.0) OVER (PARTITION BY auction ORDER BY ts).
func updOracleOverLag(_ *testing.T, d *updData) [][]any {
	var rows [][]any
	for a, rs := range updOverPartitions(d) {
		for i, r := range rs {
			var prev, prev2 any
			if i >= 1 {
				prev = updCentsVal(rs[i-1].cents, rs[i-1].priceNull)
			}
			prev2 = -1.0
			if i >= 2 {
				prev2 = updCentsVal(rs[i-2].cents, rs[i-2].priceNull)
			}
			rows = append(rows, []any{a, r.ts, prev, prev2})
		}
	}
	return rows
}

// ---------------------------------------------------------------------------------------
// Queries.

// Column kinds of the output.
const (
	ukInt = 'I' // BIGINT: a JSON integer
	ukF64 = 'F' // DOUBLE: a JSON number
	ukStr = 'S' // STRING: a JSON string
	ukTS  = 'T' // TIMESTAMP(3): a string in the contract's format, read as epoch millis
)

type updCol struct {
	name string
	kind byte
}

func updCols(spec string) []updCol {
	var cs []updCol
	for _, f := range strings.Fields(spec) {
		name, kind, _ := strings.Cut(f, ":")
		cs = append(cs, updCol{name, kind[0]})
	}
	return cs
}

type updQuery struct {
	name     string
	sql      string
	cols     []updCol
	updating bool // the output must be a changelog (every line has "op")
	// key names columns that identify a row of the result: after every +I/+U line no two
	// rows of the materialized table may share them (nil: not checked).
	key  []string
	want func(*testing.T, *updData) [][]any
	// late is the number of late records eddy must report (nil: only logged).
	late func(*updData) int64
	// floatOrder: DOUBLE aggregates add rows in an order that depends on how two streamed
	// sources interleave, so they may differ between runs in the last bits (floating-point
	// addition is not associative); they are compared within rounding only.
	floatOrder bool
}

func updNoLate(*updData) int64 { return 0 }

var updQueries = []updQuery{
	{
		name: "1_group_by_having",
		sql: `SELECT g, COUNT(*) AS n, SUM(qty) AS sq, SUM(price) AS sp, MIN(price) AS mn, MAX(price) AS mx,
  COUNT(DISTINCT k) AS dk, AVG(price) AS ap
FROM s
GROUP BY g
HAVING AVG(price) > 74`,
		cols:     updCols("g:S n:I sq:I sp:F mn:F mx:F dk:I ap:F"),
		updating: true, key: []string{"g"}, want: updOracleGroupBy, late: updNoLate,
	},
	{
		name:     "1b_global_aggregate",
		sql:      `SELECT COUNT(*) AS n, COUNT(price) AS np, SUM(price) AS sp, COUNT(DISTINCT g) AS dg, MAX(ts) AS mts FROM s`,
		cols:     updCols("n:I np:I sp:F dg:I mts:T"),
		updating: true, key: []string{}, want: updOracleGlobal, late: updNoLate,
	},
	{
		name: "2a_lookup_join_inner",
		sql: `SELECT s.id, s.k, d.name, d.category
FROM s JOIN dim FOR SYSTEM_TIME AS OF s.proc AS d ON s.k = d.id`,
		cols: updCols("id:I k:I name:S category:S"),
		want: updOracleEnrich(false), late: updNoLate,
	},
	{
		name: "2b_lookup_join_left",
		sql: `SELECT s.id, s.k, d.name, d.category
FROM s LEFT JOIN dim FOR SYSTEM_TIME AS OF s.proc AS d ON s.k = d.id`,
		cols: updCols("id:I k:I name:S category:S"),
		want: updOracleEnrich(true), late: updNoLate,
	},
	{
		// A regular inner join of two append-only inputs is append-only.
		name: "2c_regular_join_inner",
		sql: `SELECT s.id, s.k, d.name, d.category
FROM s JOIN dim AS d ON s.k = d.id`,
		cols: updCols("id:I k:I name:S category:S"),
		want: updOracleEnrich(false), late: updNoLate,
	},
	{
		name: "2d_regular_join_left",
		sql: `SELECT s.id, s.k, d.name, d.category
FROM s LEFT JOIN dim AS d ON s.k = d.id`,
		cols:     updCols("id:I k:I name:S category:S"),
		updating: true, key: []string{"id"}, want: updOracleEnrich(true), late: updNoLate,
	},
	{
		// The same, written with the reference table on the left.
		name: "2e_regular_join_right",
		sql: `SELECT s.id, s.k, d.name, d.category
FROM dim AS d RIGHT JOIN s ON d.id = s.k`,
		cols:     updCols("id:I k:I name:S category:S"),
		updating: true, key: []string{"id"}, want: updOracleEnrich(true), late: updNoLate,
	},
	{
		name: "3a_left_join_then_group_by",
		sql: `SELECT d.category, COUNT(*) AS n, SUM(s.price) AS total, MAX(s.price) AS mx, COUNT(d.id) AS matched,
  AVG(s.price) AS ap, COUNT(DISTINCT s.k) AS dk
FROM s LEFT JOIN dim AS d ON s.k = d.id
GROUP BY d.category`,
		cols:     updCols("category:S n:I total:F mx:F matched:I ap:F dk:I"),
		updating: true, key: []string{"category"}, want: updOracleJoinAgg, late: updNoLate, floatOrder: true,
	},
	{
		name: "3b_lookup_join_then_group_by",
		sql: `SELECT d.category, COUNT(*) AS n, SUM(s.price) AS total, MAX(s.price) AS mx, COUNT(d.id) AS matched,
  AVG(s.price) AS ap, COUNT(DISTINCT s.k) AS dk
FROM s LEFT JOIN dim FOR SYSTEM_TIME AS OF s.proc AS d ON s.k = d.id
GROUP BY d.category`,
		cols:     updCols("category:S n:I total:F mx:F matched:I ap:F dk:I"),
		updating: true, key: []string{"category"}, want: updOracleJoinAgg, late: updNoLate,
	},
	{
		name: "4_window_top3",
		sql: `SELECT window_start, window_end, auction, total, rn FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY total DESC) AS rn
  FROM (
    SELECT window_start, window_end, auction, SUM(price) AS total
    FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))
    GROUP BY window_start, window_end, auction))
WHERE rn <= 3`,
		cols: updCols("window_start:T window_end:T auction:I total:F rn:I"),
		want: updOracleWindowTopN, late: updLateWindowTopN,
	},
	{
		name: "5_interval_self_join",
		sql: `SELECT a.auction, a.bidder, b.bidder AS other_bidder, a.price AS a_price, b.price AS b_price
FROM bids a JOIN bids b ON a.auction = b.auction
  AND b.ts BETWEEN a.ts AND a.ts + INTERVAL '2' SECOND
  AND a.bidder <> b.bidder`,
		cols: updCols("auction:I bidder:I other_bidder:I a_price:F b_price:F"),
		want: updOracleIntervalJoin,
	},
	{
		name: "6a_dedup_keep_first",
		sql: `SELECT id, k, ts FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts ASC) AS rn FROM ev)
WHERE rn = 1`,
		cols: updCols("id:I k:I ts:T"),
		key:  []string{"k"}, want: updOracleKeepFirst, late: func(d *updData) int64 { return updCountLate(updEvTimes(d.ev)) },
	},
	{
		name: "6b_dedup_keep_last",
		sql: `SELECT id, k, v, ts, rn FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts DESC) AS rn FROM ev)
WHERE rn = 1`,
		cols:     updCols("id:I k:I v:I ts:T rn:I"),
		updating: true, key: []string{"k"}, want: updOracleKeepLast, late: updNoLate,
	},
	{
		name: "6c_unbounded_top2",
		sql: `SELECT k, v, id, rn FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) AS rn FROM ev)
WHERE rn <= 2`,
		cols:     updCols("k:I v:I id:I rn:I"),
		updating: true, key: []string{"k", "rn"}, want: updOracleTop2, late: updNoLate,
	},
	{
		name: "7a_over_rows",
		sql: `SELECT auction, ts, price,
  SUM(price) OVER (PARTITION BY auction ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS s3,
  COUNT(price) OVER (PARTITION BY auction ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS c3
FROM bo`,
		cols: updCols("auction:I ts:T price:F s3:F c3:I"),
		key:  []string{"auction", "ts"}, want: updOracleOverRows, late: func(d *updData) int64 { return updCountLate(updBidTimes(d.over)) },
	},
	{
		name: "7b_over_range",
		sql: `SELECT auction, ts, price,
  SUM(price) OVER (PARTITION BY auction ORDER BY ts RANGE BETWEEN INTERVAL '10' SECOND PRECEDING AND CURRENT ROW) AS s10,
  MIN(price) OVER (PARTITION BY auction ORDER BY ts RANGE BETWEEN INTERVAL '10' SECOND PRECEDING AND CURRENT ROW) AS m10
FROM bo`,
		cols: updCols("auction:I ts:T price:F s10:F m10:F"),
		key:  []string{"auction", "ts"}, want: updOracleOverRange, late: func(d *updData) int64 { return updCountLate(updBidTimes(d.over)) },
	},
	{
		// The same with a named window, as Flink's documentation of OVER aggregation writes it.
		name: "7d_over_range_named_window",
		sql: `SELECT auction, ts, price,
  SUM(price) OVER w AS s10,
  MIN(price) OVER w AS m10
FROM bo
WINDOW w AS (PARTITION BY auction ORDER BY ts RANGE BETWEEN INTERVAL '10' SECOND PRECEDING AND CURRENT ROW)`,
		cols: updCols("auction:I ts:T price:F s10:F m10:F"),
		key:  []string{"auction", "ts"}, want: updOracleOverRange, late: func(d *updData) int64 { return updCountLate(updBidTimes(d.over)) },
	},
	{
		name: "7c_over_lag",
		sql: `SELECT auction, ts,
  LAG(price) OVER (PARTITION BY auction ORDER BY ts) AS prev,
  LAG(price, 2, -1.0) OVER (PARTITION BY auction ORDER BY ts) AS prev2
FROM bo`,
		cols: updCols("auction:I ts:T prev:F prev2:F"),
		key:  []string{"auction", "ts"}, want: updOracleOverLag, late: func(d *updData) int64 { return updCountLate(updBidTimes(d.over)) },
	},
}

// ---------------------------------------------------------------------------------------
// Running eddy.

var (
	updLateRE = regexp.MustCompile(`^eddy: (\d+) late record\(s\) dropped`)
)

// runUpd runs one script as `eddy run q.sql --format json` does, with the given batch size.
// After the query nothing may be left allocated: a checked allocator must be back to zero.
// (At batch size 1 the checked allocator triples the run time, so that run, whose code paths
// batch size 7 also takes, uses the plain one to keep the test within its time budget.)
func runUpd(t *testing.T, dir, script string, batch int) (stdout, stderr string) {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("q-%d.sql", batch))
	require.NoError(t, os.WriteFile(path, []byte(script), 0o644))
	s := NewSession()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	if batch == 1 {
		s.SetAllocator(memory.NewGoAllocator())
	} else {
		s.SetAllocator(mem)
	}
	var out, errb bytes.Buffer
	s.Format, s.BatchSize, s.Stdout, s.Stderr = FormatJSON, batch, &out, &errb
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.RunScript(ctx, path, script) }()
	select {
	case err := <-done:
		require.NoError(t, err, "stderr: %s", errb.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("eddy did not finish a bounded query in 30 s (batch=%d)", batch)
	}
	if batch != 1 {
		mem.AssertSize(t, 0)
	}
	return out.String(), errb.String()
}

// updLine is one parsed output line.
type updLine struct {
	op  string // "" for an append-only result
	row []any
}

// parseUpdLines reads JSON lines, checking "op", key order and value types.
func parseUpdLines(t *testing.T, out string, cs []updCol, updating bool) []updLine {
	t.Helper()
	var lines []updLine
	for ln, text := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if text == "" {
			continue
		}
		where := fmt.Sprintf("line %d: %s", ln+1, text)
		dec := json.NewDecoder(strings.NewReader(text))
		dec.UseNumber()
		tok, err := dec.Token()
		require.NoError(t, err, where)
		require.Equal(t, json.Delim('{'), tok, where)
		var l updLine
		first := true
		for i := 0; dec.More(); {
			k, err := dec.Token()
			require.NoError(t, err, where)
			v, err := dec.Token()
			require.NoError(t, err, where)
			if first && k == "op" {
				require.True(t, updating, "an append-only result must print plain rows: %s", where)
				op, _ := v.(string)
				require.Contains(t, []string{"+I", "-U", "+U", "-D"}, op, where)
				l.op = op
				first = false
				continue
			}
			if first {
				require.False(t, updating, "an updating result must print \"op\" as the first key: %s", where)
			}
			first = false
			require.Less(t, i, len(cs), "extra key %v: %s", k, where)
			require.Equal(t, cs[i].name, k, "key %d: %s", i, where)
			l.row = append(l.row, updValue(t, cs[i], v, where))
			i++
		}
		require.Len(t, l.row, len(cs), where)
		lines = append(lines, l)
	}
	return lines
}

func updValue(t *testing.T, c updCol, v any, where string) any {
	t.Helper()
	return jsonCell(t, c.kind, c.name, v, where)
}

// updCanon is a row's exact identity (floats by their exact value).
func updCanon(row []any) string {
	var b strings.Builder
	for _, v := range row {
		switch x := v.(type) {
		case nil:
			b.WriteString("∅")
		case int64:
			b.WriteString("i" + strconv.FormatInt(x, 10))
		case float64:
			b.WriteString("f" + strconv.FormatFloat(x, 'g', -1, 64))
		case string:
			b.WriteString("s" + strconv.Quote(x))
		}
		b.WriteByte('|')
	}
	return b.String()
}

// updMultiset is a materialized table: canonical row -> row and count.
type updMultiset map[string]*updEntry

type updEntry struct {
	row []any
	n   int
}

// updMaterialize applies the lines in order. It fails on the removal of a row that is not
// present and, when key is set, when an added row's key is already present.
func updMaterialize(t *testing.T, lines []updLine, cs []updCol, key []string) updMultiset {
	t.Helper()
	var keyIdx []int
	for _, k := range key {
		i := slices.IndexFunc(cs, func(c updCol) bool { return c.name == k })
		require.GreaterOrEqual(t, i, 0, k)
		keyIdx = append(keyIdx, i)
	}
	keyOf := func(row []any) string {
		var kr []any
		for _, i := range keyIdx {
			kr = append(kr, row[i])
		}
		return updCanon(kr)
	}
	m := updMultiset{}
	keys := map[string]int{}
	keyErrs := 0
	for i, l := range lines {
		c := updCanon(l.row)
		switch l.op {
		case "", "+I", "+U":
			if key != nil && keys[keyOf(l.row)] > 0 && keyErrs < 5 {
				keyErrs++
				t.Errorf("line %d %s %s: a row with the same %v is already in the table (%s)", i+1, l.op, fmtUpdRow(l.row, cs), key, updKeyRowsOf(m, keyOf, keyOf(l.row), cs))
			}
			e := m[c]
			if e == nil {
				e = &updEntry{row: l.row}
				m[c] = e
			}
			e.n++
			keys[keyOf(l.row)]++
		default:
			e := m[c]
			if e == nil || e.n == 0 {
				t.Fatalf("line %d %s %s removes a row that is not in the table", i+1, l.op, fmtUpdRow(l.row, cs))
			}
			e.n--
			keys[keyOf(l.row)]--
		}
	}
	for c, e := range m {
		if e.n == 0 {
			delete(m, c)
		}
	}
	return m
}

func updKeyRowsOf(m updMultiset, keyOf func([]any) string, k string, cs []updCol) string {
	var out []string
	for _, e := range m {
		if e.n > 0 && keyOf(e.row) == k {
			out = append(out, fmtUpdRow(e.row, cs))
		}
	}
	return strings.Join(out, "; ")
}

func (m updMultiset) rows() [][]any {
	var out [][]any
	for _, e := range m {
		for range e.n {
			out = append(out, e.row)
		}
	}
	return out
}

func fmtUpdRow(row []any, cs []updCol) string {
	parts := make([]string, len(row))
	for i, v := range row {
		switch {
		case v == nil:
			parts[i] = cs[i].name + "=NULL"
		case cs[i].kind == ukTS:
			parts[i] = cs[i].name + "=" + updFmtTS(v.(int64))
		default:
			parts[i] = fmt.Sprintf("%s=%v", cs[i].name, v)
		}
	}
	return strings.Join(parts, " ")
}

func updCmpCell(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	switch x := a.(type) {
	case int64:
		return updCmpOrdered(x, b.(int64))
	case float64:
		return updCmpOrdered(x, b.(float64))
	case string:
		return strings.Compare(x, b.(string))
	}
	return 0
}

func updCmpOrdered[T int64 | float64](x, y T) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// updCompareRows orders rows by their non-DOUBLE columns first, so that rows whose DOUBLEs
// differ in the last bits still line up.
func updCompareRows(a, b []any, cs []updCol) int {
	for pass := 0; pass < 2; pass++ {
		for i, c := range cs {
			if (c.kind == ukF64) != (pass == 1) {
				continue
			}
			if d := updCmpCell(a[i], b[i]); d != 0 {
				return d
			}
		}
	}
	return 0
}

func updCellsEqual(a, b any) bool {
	x, xf := a.(float64)
	y, yf := b.(float64)
	if xf && yf {
		return x == y || math.Abs(x-y) <= 1e-6+1e-9*max(math.Abs(x), math.Abs(y))
	}
	return a == b
}

// updDiff returns a readable multiset difference (empty when equal, DOUBLEs within rounding).
func updDiff(want, got [][]any, cs []updCol) string {
	want, got = slices.Clone(want), slices.Clone(got)
	compare := func(a, b []any) int { return updCompareRows(a, b, cs) }
	slices.SortFunc(want, compare)
	slices.SortFunc(got, compare)
	return multisetDiff(want, got, updCellsEqual, compare, func(r []any) string { return fmtUpdRow(r, cs) })
}

// updLateReported sums the late-record lines of stderr; any other line fails the test.
func updLateReported(t *testing.T, stderr string) int64 {
	t.Helper()
	var n int64
	for _, l := range strings.Split(stderr, "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if m := updLateRE.FindStringSubmatch(l); m != nil {
			v, err := strconv.ParseInt(m[1], 10, 64)
			require.NoError(t, err)
			n += v
			continue
		}
		t.Errorf("unexpected stderr: %q", l)
	}
	return n
}

// ---------------------------------------------------------------------------------------

func TestDifferentialUpdating(t *testing.T) {
	dir := t.TempDir()
	if keep := os.Getenv("EDDY_DIFF_KEEP"); keep != "" {
		dir = keep // keep the input for reproducing a failure with `eddy run`
	}
	d := genUpdData(7)
	writeUpdData(t, dir, d)
	ddl := strings.ReplaceAll(updDDL, "$DIR", dir)

	t.Run("oracle_sanity", func(t *testing.T) { updOracleSanity(t, d) })

	for _, q := range updQueries {
		t.Run(q.name, func(t *testing.T) {
			t.Parallel()
			want := q.want(t, d)
			qdir := t.TempDir()
			script := ddl + q.sql + ";\n"
			results := make([]updMultiset, len(updBatchSizes))
			for i, batch := range updBatchSizes {
				t.Run(fmt.Sprintf("batch=%d", batch), func(t *testing.T) {
					stdout, stderr := runUpd(t, qdir, script, batch)
					lines := parseUpdLines(t, stdout, q.cols, q.updating)
					got := updMaterialize(t, lines, q.cols, q.key)
					results[i] = got
					if diff := updDiff(want, got.rows(), q.cols); diff != "" {
						t.Errorf("%s\n%s", q.sql, diff)
					}
					late := updLateReported(t, stderr)
					if q.late != nil {
						require.Equal(t, q.late(d), late, "late records reported")
					} else {
						t.Logf("late rows of bids (each dropped from both sides of the self-join): %d", updCountLate(updBidTimes(d.bids)))
					}
					ops := map[string]int{}
					for _, l := range lines {
						ops[l.op]++
					}
					t.Logf("%d lines %v, %d rows at the end, %d late reported", len(lines), ops, len(got.rows()), late)
				})
			}
			// Batch sizes change nothing (semantics.md: replaying the same bounded input gives
			// the same output, row for row): the materialized results are identical, DOUBLEs
			// bit for bit.
			t.Run("identical_across_batch_sizes", func(t *testing.T) {
				for i := 1; i < len(results); i++ {
					if results[0] == nil || results[i] == nil {
						t.Skip("a run failed")
					}
					diff := updExactDiff(results[0], results[i], q.cols)
					if q.floatOrder {
						diff = updDiff(results[0].rows(), results[i].rows(), q.cols)
					}
					if diff != "" {
						note := ""
						if updDiff(results[0].rows(), results[i].rows(), q.cols) == "" {
							note = " only in the last bits of DOUBLE columns (a floating-point SUM whose additions and " +
								"retractions came in a different order)"
						}
						t.Errorf("batch=%d and batch=%d differ%s; count at batch=%d vs batch=%d:\n%s",
							updBatchSizes[0], updBatchSizes[i], note, updBatchSizes[0], updBatchSizes[i], diff)
					}
				}
			})
		})
	}
}

// updExactDiff compares two materialized results exactly (DOUBLEs bit for bit).
func updExactDiff(a, b updMultiset, cs []updCol) string {
	var out []string
	for c, e := range a {
		if f := b[c]; f == nil || f.n != e.n {
			n := 0
			if f != nil {
				n = f.n
			}
			out = append(out, fmt.Sprintf("  %s: %d vs %d", fmtUpdRow(e.row, cs), e.n, n))
		}
	}
	for c, f := range b {
		if a[c] == nil {
			out = append(out, fmt.Sprintf("  %s: 0 vs %d", fmtUpdRow(f.row, cs), f.n))
		}
	}
	sort.Strings(out)
	if len(out) > 12 {
		out = append(out[:12], fmt.Sprintf("  ... %d more", len(out)-12))
	}
	return strings.Join(out, "\n")
}

// updOracleSanity guards the oracles against the easy mistakes: the data must contain what
// makes the comparison meaningful, and small hand-checked cases must come out right.
func updOracleSanity(t *testing.T, d *updData) {
	// Late and out-of-order records exist in every time-based input.
	for name, ts := range map[string][]int64{"bids": updBidTimes(d.bids), "over": updBidTimes(d.over), "ev": updEvTimes(d.ev)} {
		late := updCountLate(ts)
		require.Positive(t, late, name)
		require.Less(t, late, int64(len(ts)/4), name)
		// Some records sit exactly on the watermark (late) or 1 ms after it (not late).
		wm, onWM, after := updWmBefore(ts), 0, 0
		for i := range ts {
			switch ts[i] - wm[i] {
			case 0:
				onWM++
			case 1:
				after++
			}
		}
		require.Positive(t, onWM, name)
		require.Positive(t, after, name)
	}
	require.Positive(t, updLateWindowTopN(d))
	// Some records of bids arrive when the watermark is exactly their window's end - 1 ms.
	wmb, atEdge := updWmBefore(updBidTimes(d.bids)), 0
	for i, r := range d.bids {
		if end := r.ts - ((r.ts%updWindow)+updWindow)%updWindow + updWindow; end-1 == wmb[i] {
			atEdge++
		}
	}
	require.Positive(t, atEdge, "no record meets the watermark at its window's end - 1 ms")
	// Joins: NULL keys, keys missing from the reference table, and matches.
	dim := d.dimByID()
	var nullK, missing, matched int
	for _, r := range d.s {
		switch _, ok := dim[r.k]; {
		case r.kNull:
			nullK++
		case !ok:
			missing++
		default:
			matched++
		}
	}
	require.Positive(t, nullK)
	require.Positive(t, missing)
	require.Greater(t, matched, missing)
	require.InDelta(t, 100, len(d.dim), 10)
	// HAVING keeps some groups and drops others.
	kept := len(updOracleGroupBy(t, d))
	require.Greater(t, kept, 5)
	require.Less(t, kept, 45)
	// Every keep-first key has a first row, and some key's earliest row overall was late.
	require.Len(t, updOracleKeepFirst(t, d), 60)
	late := updLateRows(updEvTimes(d.ev))
	firstAll := map[int64]int{}
	for i, r := range d.ev {
		if j, ok := firstAll[r.k]; !ok || r.ts < d.ev[j].ts {
			firstAll[r.k] = i
		}
	}
	lateFirst := 0
	for _, i := range firstAll {
		if late[i] {
			lateFirst++
		}
	}
	require.Positive(t, lateFirst, "no key's earliest row is late: keep-first lateness is untested")

	// Hand-checked: delay 5 s; records at 10 s, 20 s, then 15 s (watermark 15 s: late), then
	// 16 s (not late).
	require.Equal(t, []bool{false, false, true, false}, updLateRows([]int64{10_000, 20_000, 15_000, 16_000}))
	// Window lateness is at end - 1 ms: a 10 s window [0, 10 s) is closed by a watermark of
	// 9.999 s. Record at 14.999 s gives watermark 9.999 s; a record at 5 s is then late.
	hand := &updData{bids: []updBid{{auction: 1, cents: 100, ts: 14_999}, {auction: 1, cents: 200, ts: 5000}}}
	require.Equal(t, int64(1), updLateWindowTopN(hand))
	hand.bids[0].ts = 14_998
	require.Equal(t, int64(0), updLateWindowTopN(hand))
	// Interval bounds are inclusive: b.ts = a.ts and b.ts = a.ts + 2 s pair, 2.001 s does not.
	ij := &updData{bids: []updBid{{auction: 1, bidder: 1, cents: 100, ts: 10_000}, {auction: 1, bidder: 2, cents: 200, ts: 10_000},
		{auction: 1, bidder: 3, cents: 300, ts: 12_000}, {auction: 1, bidder: 4, cents: 400, ts: 12_001}}}
	require.ElementsMatch(t, [][]any{{int64(1), int64(1), int64(2), 1.0, 2.0}, {int64(1), int64(2), int64(1), 2.0, 1.0},
		{int64(1), int64(1), int64(3), 1.0, 3.0}, {int64(1), int64(2), int64(3), 2.0, 3.0}, {int64(1), int64(3), int64(4), 3.0, 4.0}},
		updOracleIntervalJoin(t, ij))
	// RANGE 10 s includes a row exactly 10 s earlier; ROWS 2 PRECEDING takes three rows.
	ov := &updData{over: []updBid{{auction: 1, cents: 100, ts: 0}, {auction: 1, cents: 200, ts: 5000},
		{auction: 1, priceNull: true, ts: 10_000}, {auction: 1, cents: 400, ts: 10_001}}}
	require.ElementsMatch(t, [][]any{{int64(1), int64(0), 1.0, 1.0, 1.0}, {int64(1), int64(5000), 2.0, 3.0, 1.0},
		{int64(1), int64(10_000), nil, 3.0, 1.0}, {int64(1), int64(10_001), 4.0, 6.0, 2.0}}, updOracleOverRange(t, ov))
	require.ElementsMatch(t, [][]any{{int64(1), int64(0), 1.0, 1.0, int64(1)}, {int64(1), int64(5000), 2.0, 3.0, int64(2)},
		{int64(1), int64(10_000), nil, 3.0, int64(2)}, {int64(1), int64(10_001), 4.0, 6.0, int64(2)}}, updOracleOverRows(t, ov))
	require.ElementsMatch(t, [][]any{{int64(1), int64(0), nil, -1.0}, {int64(1), int64(5000), 1.0, -1.0},
		{int64(1), int64(10_000), 2.0, 1.0}, {int64(1), int64(10_001), nil, 2.0}}, updOracleOverLag(t, ov))
}
