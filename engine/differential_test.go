package engine

// Differential test: eddy's windowed results against a reference written only from
// /work/shared/design/semantics.md, over seeded random out-of-order input. The reference
// is deliberately naive (per record, in file order, one map per group) so that it is easy
// to check by reading against the contract; it shares no code with exec/.

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
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
)

const (
	diffBaseMs  = int64(1793491200000) // 2026-11-01 00:00:00.000 UTC
	diffTSUnits = "2006-01-02 15:04:05.000"
)

// bidRec is one input row. price is NULL when priceNull is set.
type bidRec struct {
	auction, bidder int64
	price           float64
	priceNull       bool
	ts              int64 // epoch millis
}

// genBids makes n out-of-order bids over ~10 minutes. The mix is chosen so that every
// watermark delay under test has some late records and some merely out-of-order ones:
// ~35% jump back up to 15 s, ~1% jump back 45-60 s. Some timestamps are snapped to
// whole seconds or to the last millisecond of a 10 s window, so that window edges,
// `end - 1 ms` and exact session-gap distances actually occur in the data. With spikes,
// ~0.1% of records jump 30 s ahead: the watermark leaps and the next stretch of ordinary
// records becomes late in bulk.
func genBids(seed uint64, n int, nullPrices, spikes bool) []bidRec {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	cur := diffBaseMs + 61_000 // room for 60 s jumps back without leaving 2026-11-01
	out := make([]bidRec, 0, n)
	for range n {
		cur += rng.Int64N(400)
		ts := cur
		switch p := rng.Float64(); {
		case p < 0.01:
			ts -= 45_000 + rng.Int64N(15_000)
		case p < 0.35:
			ts -= rng.Int64N(15_000)
		case spikes && p > 0.999:
			ts += 30_000
		}
		switch p := rng.Float64(); {
		case p < 0.20:
			ts -= ts % 1000
		case p < 0.25:
			ts += 10_000 - ts%10_000 - 1
		}
		price := float64(100+rng.Int64N(19_900)) / 100
		if rng.Float64() < 0.01 {
			price = float64(900_000+rng.Int64N(100_000)) / 100
		}
		r := bidRec{auction: 1 + rng.Int64N(20), bidder: 1 + rng.Int64N(50), price: price, ts: ts}
		if nullPrices && rng.Float64() < 0.03 {
			r.priceNull = true
		}
		out = append(out, r)
	}
	return out
}

func fmtTS(ms int64) string { return time.UnixMilli(ms).UTC().Format(diffTSUnits) }

// How ts is written. The contract accepts all three encodings, in any mix.
type tsEncoding int

const (
	tsString tsEncoding = iota // "2026-11-01 00:00:10.000"
	tsEpoch                    // 1793491210000
	tsMixed                    // per record: string, epoch millis or ISO-8601 with Z
)

func writeBids(t testing.TB, path string, recs []bidRec, enc tsEncoding) {
	var b strings.Builder
	for i, r := range recs {
		price := "null"
		if !r.priceNull {
			price = strconv.FormatFloat(r.price, 'f', -1, 64)
		}
		ts := strconv.Quote(fmtTS(r.ts))
		if enc == tsEpoch || (enc == tsMixed && i%3 == 1) {
			ts = strconv.FormatInt(r.ts, 10)
		} else if enc == tsMixed && i%3 == 2 {
			ts = strconv.Quote(time.UnixMilli(r.ts).UTC().Format("2006-01-02T15:04:05.000Z"))
		}
		fmt.Fprintf(&b, `{"auction":%d,"bidder":%d,"price":%s,"ts":%s}`+"\n", r.auction, r.bidder, price, ts)
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
}

// ---------------------------------------------------------------------------------------
// Reference implementation.

type win struct{ start, end int64 }

// lateStats counts lateness three ways, because "late record" is ambiguous for windows
// that overlap (HOP, CUMULATE): a record can be late for some of its windows only.
type lateStats struct {
	all   int64 // records late for every window they belong to (dropped entirely)
	any   int64 // records late for at least one of their windows
	pairs int64 // (record, window) pairs dropped
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Window starts are offset + k*size (k*slide for HOP), as in Flink.
func tumbleOf(size, offset int64) func(int64) []win {
	return func(ts int64) []win {
		s := floorDiv(ts-offset, size)*size + offset
		return []win{{s, s + size}}
	}
}

func hopOf(slide, size, offset int64) func(int64) []win {
	return func(ts int64) []win {
		var ws []win
		for s := floorDiv(ts-offset, slide)*slide + offset; s > ts-size; s -= slide {
			ws = append(ws, win{s, s + size})
		}
		return ws
	}
}

func cumulateOf(step, size int64) func(int64) []win {
	return func(ts int64) []win {
		w := floorDiv(ts, size) * size
		var ws []win
		for k := int64(1); k <= size/step; k++ {
			if e := w + k*step; e > ts {
				ws = append(ws, win{w, e})
			}
		}
		return ws
	}
}

type projectFn func(w win, key int64, rs []bidRec) []any

// refWindowAgg: the watermark before record i is max(ts_j - delay) over j < i (it is a
// property of the source, so records later removed by WHERE still advance it); a record
// joins each of its windows unless end-1 <= that watermark. Every window fires at the end.
func refWindowAgg(recs []bidRec, delay int64, assign func(int64) []win, keep func(bidRec) bool,
	key func(bidRec) int64, project projectFn) ([][]any, lateStats) {
	type gk struct {
		w   win
		key int64
	}
	groups := map[gk][]bidRec{}
	var order []gk
	var ls lateStats
	wm := int64(math.MinInt64)
	for _, r := range recs {
		if keep(r) {
			ws := assign(r.ts)
			late := 0
			for _, w := range ws {
				if w.end-1 <= wm {
					late++
					continue
				}
				k := gk{w, key(r)}
				if _, ok := groups[k]; !ok {
					order = append(order, k)
				}
				groups[k] = append(groups[k], r)
			}
			ls.pairs += int64(late)
			if late > 0 {
				ls.any++
			}
			if late == len(ws) {
				ls.all++
			}
		}
		wm = max(wm, r.ts-delay)
	}
	rows := make([][]any, 0, len(order))
	for _, k := range order {
		rows = append(rows, project(k.w, k.key, groups[k]))
	}
	return rows, ls
}

// refSessionAgg: per key, sessions whose end-1 <= watermark are closed for good; a record
// is late when ts+gap-1 <= watermark; otherwise [ts, ts+gap) merges with every open session
// of its key that it strictly overlaps ("records closer than gap merge", so records exactly
// gap apart do not).
func refSessionAgg(recs []bidRec, delay, gap int64, keep func(bidRec) bool, key func(bidRec) int64,
	project projectFn) ([][]any, lateStats) {
	type sess struct {
		w  win
		rs []bidRec
	}
	open := map[int64][]sess{}
	var keys []int64
	var rows [][]any
	var ls lateStats
	wm := int64(math.MinInt64)
	for _, r := range recs {
		if keep(r) {
			k := key(r)
			if _, ok := open[k]; !ok {
				keys = append(keys, k)
			}
			var still []sess
			for _, s := range open[k] {
				if s.w.end-1 <= wm {
					rows = append(rows, project(s.w, k, s.rs))
				} else {
					still = append(still, s)
				}
			}
			if r.ts+gap-1 <= wm {
				ls.all++
				ls.any++
				ls.pairs++
			} else {
				ns := sess{w: win{r.ts, r.ts + gap}, rs: []bidRec{r}}
				var rest []sess
				for _, s := range still {
					if s.w.start < r.ts+gap && r.ts < s.w.end {
						ns.w.start = min(ns.w.start, s.w.start)
						ns.w.end = max(ns.w.end, s.w.end)
						ns.rs = append(ns.rs, s.rs...)
					} else {
						rest = append(rest, s)
					}
				}
				still = append(rest, ns)
			}
			open[k] = still
		}
		wm = max(wm, r.ts-delay)
	}
	for _, k := range keys {
		for _, s := range open[k] {
			rows = append(rows, project(s.w, k, s.rs))
		}
	}
	return rows, ls
}

// Aggregates, with SQL NULL semantics: NULL prices are ignored; no non-NULL input gives NULL.

func aggCount(rs []bidRec) any { return int64(len(rs)) }

func aggCountPrice(rs []bidRec) any {
	n := int64(0)
	for _, r := range rs {
		if !r.priceNull {
			n++
		}
	}
	return n
}

func aggCountIf(cond func(bidRec) bool) func([]bidRec) any {
	return func(rs []bidRec) any {
		n := int64(0)
		for _, r := range rs {
			if cond(r) {
				n++
			}
		}
		return n
	}
}

func aggSumPrice(rs []bidRec) any {
	s, n := 0.0, 0
	for _, r := range rs {
		if !r.priceNull {
			s += r.price
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return s
}

func aggMaxPrice(rs []bidRec) any {
	var m any
	for _, r := range rs {
		if !r.priceNull && (m == nil || r.price > m.(float64)) {
			m = r.price
		}
	}
	return m
}

func aggAvgPrice(rs []bidRec) any {
	s := aggSumPrice(rs)
	if s == nil {
		return nil
	}
	return s.(float64) / float64(aggCountPrice(rs).(int64))
}

// aggAvgBidder: AVG of BIGINT is BIGINT, truncated toward zero (Go's / does that).
func aggAvgBidder(rs []bidRec) any {
	s := int64(0)
	for _, r := range rs {
		s += r.bidder
	}
	return s / int64(len(rs))
}

func aggMinBidder(rs []bidRec) any {
	m := rs[0].bidder
	for _, r := range rs {
		m = min(m, r.bidder)
	}
	return m
}

func aggDistinctBidders(rs []bidRec) any {
	seen := map[int64]bool{}
	for _, r := range rs {
		seen[r.bidder] = true
	}
	return int64(len(seen))
}

// proj builds a row: window start/end (as TIMESTAMP millis), optionally the key, then aggs.
func proj(withKey bool, aggs ...func([]bidRec) any) projectFn {
	return func(w win, key int64, rs []bidRec) []any {
		row := []any{w.start, w.end}
		if withKey {
			row = append(row, key)
		}
		for _, a := range aggs {
			row = append(row, a(rs))
		}
		return row
	}
}

func all(bidRec) bool          { return true }
func byAuction(r bidRec) int64 { return r.auction }
func byBidder(r bidRec) int64  { return r.bidder }
func noKey(bidRec) int64       { return 0 }
func priceOver(x float64) func(bidRec) bool {
	return func(r bidRec) bool { return !r.priceNull && r.price > x }
}

// ---------------------------------------------------------------------------------------
// Queries.

// Column kinds: how a JSON value of eddy's output is read back.
const (
	colTS  = 'T' // TIMESTAMP(3) string -> epoch millis
	colI64 = 'I' // BIGINT -> int64, must be a JSON integer
	colF64 = 'F' // DOUBLE -> float64
)

type diffCol struct {
	name string
	kind byte
}

func cols(spec string) []diffCol {
	var cs []diffCol
	for _, f := range strings.Fields(spec) {
		name, kind, _ := strings.Cut(f, ":")
		cs = append(cs, diffCol{name, kind[0]})
	}
	return cs
}

type diffQuery struct {
	name string
	sql  string
	cols []diffCol
	ref  func(recs []bidRec, delay int64) ([][]any, lateStats)
}

const (
	tvfTumble10 = "FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND))"
	sec         = int64(1000)
)

var diffQueries = []diffQuery{
	{
		name: "tumble_by_auction",
		sql: "SELECT window_start, window_end, auction, COUNT(*) AS c, MAX(price) AS max_price, SUM(price) AS sum_price, MIN(bidder) AS min_bidder " +
			tvfTumble10 + " GROUP BY window_start, window_end, auction",
		cols: cols("window_start:T window_end:T auction:I c:I max_price:F sum_price:F min_bidder:I"),
		ref: func(recs []bidRec, d int64) ([][]any, lateStats) {
			return refWindowAgg(recs, d, tumbleOf(10*sec, 0), all, byAuction,
				proj(true, aggCount, aggMaxPrice, aggSumPrice, aggMinBidder))
		},
	},
	{
		name: "tumble_global",
		sql: "SELECT window_start, window_end, COUNT(*) AS c, AVG(price) AS avg_price, AVG(bidder) AS avg_bidder, COUNT(DISTINCT bidder) AS bidders, COUNT(price) AS priced " +
			tvfTumble10 + " GROUP BY window_start, window_end",
		cols: cols("window_start:T window_end:T c:I avg_price:F avg_bidder:I bidders:I priced:I"),
		ref: func(recs []bidRec, d int64) ([][]any, lateStats) {
			return refWindowAgg(recs, d, tumbleOf(10*sec, 0), all, noKey,
				proj(false, aggCount, aggAvgPrice, aggAvgBidder, aggDistinctBidders, aggCountPrice))
		},
	},
	{
		name: "tumble_offset",
		sql: "SELECT window_start, window_end, COUNT(*) AS c, SUM(price) AS sum_price " +
			"FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '3' SECOND)) GROUP BY window_start, window_end",
		cols: cols("window_start:T window_end:T c:I sum_price:F"),
		ref: func(recs []bidRec, d int64) ([][]any, lateStats) {
			return refWindowAgg(recs, d, tumbleOf(10*sec, 3*sec), all, noKey, proj(false, aggCount, aggSumPrice))
		},
	},
	{
		name: "hop_offset",
		sql: "SELECT window_start, window_end, COUNT(*) AS c " +
			"FROM TABLE(HOP(TABLE bid, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '15' SECOND, INTERVAL '2' SECOND)) GROUP BY window_start, window_end",
		cols: cols("window_start:T window_end:T c:I"),
		ref: func(recs []bidRec, d int64) ([][]any, lateStats) {
			return refWindowAgg(recs, d, hopOf(5*sec, 15*sec, 2*sec), all, noKey, proj(false, aggCount))
		},
	},
	{
		name: "hop_by_auction",
		sql: "SELECT window_start, window_end, auction, COUNT(*) AS c, COUNT(DISTINCT bidder) AS bidders " +
			"FROM TABLE(HOP(TABLE bid, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '20' SECOND)) GROUP BY window_start, window_end, auction",
		cols: cols("window_start:T window_end:T auction:I c:I bidders:I"),
		ref: func(recs []bidRec, d int64) ([][]any, lateStats) {
			return refWindowAgg(recs, d, hopOf(5*sec, 20*sec, 0), all, byAuction, proj(true, aggCount, aggDistinctBidders))
		},
	},
	{
		name: "cumulate_by_auction",
		sql: "SELECT window_start, window_end, auction, COUNT(*) AS c, MAX(price) AS max_price " +
			"FROM TABLE(CUMULATE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '60' SECOND)) GROUP BY window_start, window_end, auction",
		cols: cols("window_start:T window_end:T auction:I c:I max_price:F"),
		ref: func(recs []bidRec, d int64) ([][]any, lateStats) {
			return refWindowAgg(recs, d, cumulateOf(10*sec, 60*sec), all, byAuction, proj(true, aggCount, aggMaxPrice))
		},
	},
	{
		name: "session_by_bidder",
		sql: "SELECT window_start, window_end, bidder, COUNT(*) AS c, SUM(price) AS sum_price " +
			"FROM TABLE(SESSION(TABLE bid PARTITION BY bidder, DESCRIPTOR(ts), INTERVAL '7' SECOND)) GROUP BY window_start, window_end, bidder",
		cols: cols("window_start:T window_end:T bidder:I c:I sum_price:F"),
		ref: func(recs []bidRec, d int64) ([][]any, lateStats) {
			return refSessionAgg(recs, d, 7*sec, all, byBidder, proj(true, aggCount, aggSumPrice))
		},
	},
	{
		name: "legacy_tumble",
		sql: "SELECT TUMBLE_START(ts, INTERVAL '30' SECOND) AS ws, TUMBLE_END(ts, INTERVAL '30' SECOND) AS we, auction, COUNT(*) AS c " +
			"FROM bid GROUP BY TUMBLE(ts, INTERVAL '30' SECOND), auction",
		cols: cols("ws:T we:T auction:I c:I"),
		ref: func(recs []bidRec, d int64) ([][]any, lateStats) {
			return refWindowAgg(recs, d, tumbleOf(30*sec, 0), all, byAuction, proj(true, aggCount))
		},
	},
	{
		name: "legacy_hop",
		sql: "SELECT HOP_START(ts, INTERVAL '10' SECOND, INTERVAL '30' SECOND) AS ws, HOP_END(ts, INTERVAL '10' SECOND, INTERVAL '30' SECOND) AS we, auction, COUNT(*) AS c " +
			"FROM bid GROUP BY HOP(ts, INTERVAL '10' SECOND, INTERVAL '30' SECOND), auction",
		cols: cols("ws:T we:T auction:I c:I"),
		ref: func(recs []bidRec, d int64) ([][]any, lateStats) {
			return refWindowAgg(recs, d, hopOf(10*sec, 30*sec, 0), all, byAuction, proj(true, aggCount))
		},
	},
	{
		name: "legacy_session",
		sql: "SELECT SESSION_START(ts, INTERVAL '7' SECOND) AS ws, SESSION_END(ts, INTERVAL '7' SECOND) AS we, bidder, COUNT(*) AS c, MAX(price) AS max_price " +
			"FROM bid GROUP BY SESSION(ts, INTERVAL '7' SECOND), bidder",
		cols: cols("ws:T we:T bidder:I c:I max_price:F"),
		ref: func(recs []bidRec, d int64) ([][]any, lateStats) {
			return refSessionAgg(recs, d, 7*sec, all, byBidder, proj(true, aggCount, aggMaxPrice))
		},
	},
	{
		name: "tumble_where_and_filter",
		sql: "SELECT window_start, window_end, auction, COUNT(*) AS c, COUNT(*) FILTER (WHERE price > 100) AS c100, SUM(price) AS sum_price " +
			tvfTumble10 + " WHERE price > 50 GROUP BY window_start, window_end, auction",
		cols: cols("window_start:T window_end:T auction:I c:I c100:I sum_price:F"),
		ref: func(recs []bidRec, d int64) ([][]any, lateStats) {
			return refWindowAgg(recs, d, tumbleOf(10*sec, 0), priceOver(50), byAuction,
				proj(true, aggCount, aggCountIf(priceOver(100)), aggSumPrice))
		},
	},
	{
		// WHERE removes records that would otherwise have bridged two sessions.
		name: "session_where_and_filter",
		sql: "SELECT window_start, window_end, bidder, COUNT(*) AS c, COUNT(*) FILTER (WHERE price > 100) AS c100 " +
			"FROM TABLE(SESSION(TABLE bid PARTITION BY bidder, DESCRIPTOR(ts), INTERVAL '7' SECOND)) WHERE price > 50 GROUP BY window_start, window_end, bidder",
		cols: cols("window_start:T window_end:T bidder:I c:I c100:I"),
		ref: func(recs []bidRec, d int64) ([][]any, lateStats) {
			return refSessionAgg(recs, d, 7*sec, priceOver(50), byBidder, proj(true, aggCount, aggCountIf(priceOver(100))))
		},
	},
	{
		name: "filter_project",
		sql:  "SELECT auction, price * 2 AS p2, ts FROM bid WHERE price > 9000 OR bidder = 3",
		cols: cols("auction:I p2:F ts:T"),
		ref: func(recs []bidRec, _ int64) ([][]any, lateStats) {
			var rows [][]any
			for _, r := range recs {
				// NULL > 9000 is NULL; NULL OR TRUE is TRUE; NULL * 2 is NULL.
				if priceOver(9000)(r) || r.bidder == 3 {
					var p2 any
					if !r.priceNull {
						p2 = r.price * 2
					}
					rows = append(rows, []any{r.auction, p2, r.ts})
				}
			}
			return rows, lateStats{}
		},
	},
}

// ---------------------------------------------------------------------------------------
// Running eddy and comparing.

var lateLineRE = regexp.MustCompile(`(?m)^eddy: (\d+) late record\(s\) dropped.*$`)

// partlyLateRE matches the report of records late for only some of their windows.
var partlyLateRE = regexp.MustCompile(`(?m)^eddy: (\d+) record\(s\) of table '\w+' were late for some of their overlapping windows.*$`)

func runEddy(t *testing.T, inPath string, delay int64, batch int, q diffQuery) (stdout, stderr string) {
	t.Helper()
	ddl := fmt.Sprintf("CREATE TABLE bid (auction BIGINT, bidder BIGINT, price DOUBLE, ts TIMESTAMP(3), "+
		"WATERMARK FOR ts AS ts - INTERVAL '%d' SECOND) WITH ('connector'='filesystem','path'='%s','format'='json');\n",
		delay/sec, inPath)
	s := NewSession()
	// A checked allocator also catches batches that an operator forgets to release.
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	s.SetAllocator(mem)
	defer func() {
		if !t.Failed() { // after a hang the job still holds its batches
			mem.AssertSize(t, 0)
		}
	}()
	var out, errb bytes.Buffer
	s.Stdout, s.Stderr = &out, &errb
	s.BatchSize = batch
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// A bounded job must end by itself. Cancelling ctx does not reach every place a job can
	// block (e.g. closing a sink), so a hang (a run normally takes well under 1 s) is reported here rather than as the whole
	// binary's 10-minute timeout; the stuck goroutine is leaked, the test has failed anyway.
	done := make(chan error, 1)
	go func() { done <- s.RunScript(ctx, "q.sql", ddl+q.sql+";\n") }()
	select {
	case err := <-done:
		require.NoError(t, err, "stderr: %s", errb.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("eddy did not finish a bounded query in 20 s (batch=%d, delay=%ds): %s", batch, delay/sec, q.sql)
	}
	return out.String(), errb.String()
}

// parseEddyRows reads JSON lines, checking key order and value types against cols.
func parseEddyRows(t *testing.T, out string, cs []diffCol) [][]any {
	t.Helper()
	var rows [][]any
	for ln, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		tok, err := dec.Token()
		require.NoError(t, err, "line %d: %s", ln+1, line)
		require.Equal(t, json.Delim('{'), tok, "line %d: %s", ln+1, line)
		row := make([]any, 0, len(cs))
		for i := 0; dec.More(); i++ {
			k, err := dec.Token()
			require.NoError(t, err)
			require.Less(t, i, len(cs), "extra key %v in line %d: %s", k, ln+1, line)
			require.Equal(t, cs[i].name, k, "key %d of line %d: %s", i, ln+1, line)
			v, err := dec.Token()
			require.NoError(t, err)
			row = append(row, readValue(t, cs[i], v, line))
		}
		require.Len(t, row, len(cs), "line %d: %s", ln+1, line)
		rows = append(rows, row)
	}
	return rows
}

func readValue(t *testing.T, c diffCol, v any, line string) any {
	t.Helper()
	return jsonCell(t, c.kind, c.name, v, line)
}

// jsonCell reads one value of eddy's JSON output back by its column kind ('S' STRING, 'T'
// TIMESTAMP(3), 'I' BIGINT, else DOUBLE), checking that it prints as the contract says.
func jsonCell(t *testing.T, kind byte, name string, v any, where string) any {
	t.Helper()
	if v == nil {
		return nil
	}
	switch kind {
	case 'S':
		s, ok := v.(string)
		require.True(t, ok, "%s: STRING must print as a string: %s", name, where)
		return s
	case colTS:
		s, ok := v.(string)
		require.True(t, ok, "%s: TIMESTAMP(3) must print as a string: %s", name, where)
		tm, err := time.Parse(diffTSUnits, s)
		require.NoError(t, err, "%s: %s", name, where)
		require.Equal(t, s, tm.Format(diffTSUnits), "%s: not in the contract's format: %s", name, where)
		return tm.UnixMilli()
	case colI64:
		n, ok := v.(json.Number)
		require.True(t, ok, "%s: BIGINT must print as a number: %s", name, where)
		i, err := n.Int64()
		require.NoError(t, err, "%s: BIGINT must print as a JSON integer: %s", name, where)
		return i
	default:
		n, ok := v.(json.Number)
		require.True(t, ok, "%s: DOUBLE must print as a number: %s", name, where)
		f, err := n.Float64()
		require.NoError(t, err, "%s: %s", name, where)
		return f
	}
}

func cmpCell(a, b any) int {
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
		y, ok := b.(int64)
		if !ok {
			return -1
		}
		return int(min(max(x-y, -1), 1))
	case float64:
		y, ok := b.(float64)
		if !ok {
			return 1
		}
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
	}
	return 0
}

// sortRows orders rows column by column. Every query's non-DOUBLE columns (window and
// key) identify a row, and DOUBLE columns of the pass-through query are computed
// identically on both sides, so two sorted multisets line up row for row even though
// SUMs may differ in the last bits.
func sortRows(rows [][]any, cs []diffCol) {
	slices.SortFunc(rows, func(a, b []any) int { return compareRow(a, b, cs) })
}

func compareRow(a, b []any, cs []diffCol) int {
	for pass := 0; pass < 2; pass++ {
		for i, c := range cs {
			if (c.kind == colF64) != (pass == 1) {
				continue
			}
			if d := cmpCell(a[i], b[i]); d != 0 {
				return d
			}
		}
	}
	return 0
}

func cellsEqual(a, b any) bool {
	x, xf := a.(float64)
	y, yf := b.(float64)
	if xf && yf {
		return x == y || math.Abs(x-y) <= 1e-9*max(math.Abs(x), math.Abs(y))
	}
	return a == b
}

func fmtRow(row []any, cs []diffCol) string {
	parts := make([]string, len(row))
	for i, v := range row {
		switch {
		case v == nil:
			parts[i] = cs[i].name + "=NULL"
		case cs[i].kind == colTS:
			parts[i] = cs[i].name + "=" + fmtTS(v.(int64))
		default:
			parts[i] = fmt.Sprintf("%s=%v", cs[i].name, v)
		}
	}
	return strings.Join(parts, " ")
}

// diffRows returns a readable multiset difference, empty when the rows match.
func diffRows(want, got [][]any, cs []diffCol) string {
	sortRows(want, cs)
	sortRows(got, cs)
	return multisetDiff(want, got, cellsEqual,
		func(a, b []any) int { return compareRow(a, b, cs) },
		func(r []any) string { return fmtRow(r, cs) })
}

// multisetDiff lists the rows missing from got and the unexpected ones, both sorted by
// compare; empty when they match.
func multisetDiff(want, got [][]any, equal func(a, b any) bool, compare func(a, b []any) int, format func([]any) string) string {
	var missing, extra []string
	i, j := 0, 0
	for i < len(want) || j < len(got) {
		switch {
		case i < len(want) && j < len(got) && slices.EqualFunc(want[i], got[j], equal):
			i++
			j++
		case j >= len(got) || (i < len(want) && compare(want[i], got[j]) <= 0):
			missing = append(missing, format(want[i]))
			i++
		default:
			extra = append(extra, format(got[j]))
			j++
		}
	}
	if len(missing) == 0 && len(extra) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "want %d rows, got %d; %d missing, %d unexpected\n", len(want), len(got), len(missing), len(extra))
	for _, part := range []struct {
		sign, what string
		rows       []string
	}{{"-", "missing", missing}, {"+", "unexpected", extra}} {
		for k, r := range part.rows {
			if k == 15 {
				fmt.Fprintf(&b, "  ... %d more %s\n", len(part.rows)-k, part.what)
				break
			}
			fmt.Fprintf(&b, "  %s %s\n", part.sign, r)
		}
	}
	return b.String()
}

func lateReported(t *testing.T, stderr string) int64 {
	t.Helper()
	var n int64
	for _, m := range lateLineRE.FindAllStringSubmatch(stderr, -1) {
		v, err := strconv.ParseInt(m[1], 10, 64)
		require.NoError(t, err)
		n += v
	}
	// Anything else on stderr (bad records, warnings) means the input was not read as written.
	rest := partlyLateRE.ReplaceAllString(lateLineRE.ReplaceAllString(stderr, ""), "")
	for _, l := range strings.Split(rest, "\n") {
		if strings.TrimSpace(l) != "" {
			t.Errorf("unexpected stderr: %q", l)
		}
	}
	return n
}

// countReported sums the counts of the stderr lines re matches (0 when none).
func countReported(t *testing.T, re *regexp.Regexp, stderr string) int64 {
	t.Helper()
	var n int64
	for _, m := range re.FindAllStringSubmatch(stderr, -1) {
		v, err := strconv.ParseInt(m[1], 10, 64)
		require.NoError(t, err)
		n += v
	}
	return n
}

// ---------------------------------------------------------------------------------------

type diffInput struct {
	name          string
	seed          uint64
	enc           tsEncoding
	nulls, spikes bool
	delays        []int64
}

func TestDifferential(t *testing.T) {
	const n = 3000
	inputs := []diffInput{
		// The full delay sweep runs on one input; the other encodings run at the DDL's usual delay.
		{name: "strts", seed: 1, enc: tsString, delays: []int64{0, 2 * sec, 10 * sec}},
		{name: "epochts", seed: 2, enc: tsEpoch, delays: []int64{5 * sec}},
		{name: "mixed_nulls_spikes", seed: 3, enc: tsMixed, nulls: true, spikes: true, delays: []int64{2 * sec}},
	}
	dir := t.TempDir()
	for _, in := range inputs {
		recs := genBids(in.seed, n, in.nulls, in.spikes)
		path := filepath.Join(dir, in.name+".json")
		writeBids(t, path, recs, in.enc)
		for _, q := range diffQueries {
			for _, delay := range in.delays {
				want, late := q.ref(recs, delay)
				for _, batch := range []int{1, 7, 8192} {
					name := fmt.Sprintf("%s/%s/delay=%ds/batch=%d", in.name, q.name, delay/sec, batch)
					t.Run(name, func(t *testing.T) {
						// Each run is a separate Session over a read-only file; on 2 cores
						// running them side by side halves the wall time.
						t.Parallel()
						stdout, stderr := runEddy(t, path, delay, batch, q)
						got := parseEddyRows(t, stdout, q.cols)
						if d := diffRows(slices.Clone(want), got, q.cols); d != "" {
							t.Errorf("%s\n%s", q.sql, d)
						}
						require.Equal(t, late.all, lateReported(t, stderr),
							"late records (late for every window of theirs); late for some window: %d, dropped (record, window) pairs: %d",
							late.any, late.pairs)
						require.Equal(t, late.any-late.all, countReported(t, partlyLateRE, stderr),
							"records late for some but not all of their windows")
					})
				}
			}
		}
	}
}

func diffQueryNamed(t *testing.T, name string) diffQuery {
	i := slices.IndexFunc(diffQueries, func(q diffQuery) bool { return q.name == name })
	require.GreaterOrEqual(t, i, 0, name)
	return diffQueries[i]
}

// TestDifferentialReferenceSanity guards the reference itself against the easy mistakes:
// the data must actually contain late and out-of-order records, or the comparison proves
// little.
func TestDifferentialReferenceSanity(t *testing.T) {
	recs := genBids(1, 3000, false, false)
	_, l0 := diffQueryNamed(t, "tumble_by_auction").ref(recs, 0)
	_, l10 := diffQueryNamed(t, "tumble_by_auction").ref(recs, 10*sec)
	require.Greater(t, l0.all, l10.all)
	require.Positive(t, l10.all)
	// HOP records late for some windows only must exist, or partial lateness is untested.
	_, lh := diffQueryNamed(t, "hop_by_auction").ref(recs, 2*sec)
	require.Greater(t, lh.any, lh.all)

	// A hand-checked session case: gap 7 s, delay 0; records at 0, 7 (exactly gap apart: no
	// merge), 10 (merges with 7), then 1 (late: 1+7-1 <= 10-0).
	small := []bidRec{{bidder: 1, ts: 0}, {bidder: 1, ts: 7000}, {bidder: 1, ts: 10000}, {bidder: 1, ts: 1000}}
	rows, ls := refSessionAgg(small, 0, 7000, all, byBidder, proj(true, aggCount))
	require.ElementsMatch(t, [][]any{{int64(0), int64(7000), int64(1), int64(1)}, {int64(7000), int64(17000), int64(1), int64(2)}}, rows)
	require.Equal(t, int64(1), ls.all)
}
