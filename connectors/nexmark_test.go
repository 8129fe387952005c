package connectors

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddysql/eddy/exec"
)

var (
	nxI64 = arrow.PrimitiveTypes.Int64
	nxStr = arrow.BinaryTypes.String
	nxTS  = &arrow.TimestampType{Unit: arrow.Millisecond}
)

func nxSchema(table string) *arrow.Schema {
	var fields []arrow.Field
	for _, c := range nexmarkTables[table].columns {
		t := map[nxSQLType]arrow.DataType{nxBigint: nxI64, nxString: nxStr, nxTimestamp: nxTS}[c.typ]
		fields = append(fields, arrow.Field{Name: c.name, Type: t, Nullable: true})
	}
	return arrow.NewSchema(fields, nil)
}

func nexmarkSpec(t *testing.T, table string, schema *arrow.Schema, batch int, opts map[string]string) TableSpec {
	o := map[string]string{"connector": "nexmark", "table": table}
	for k, v := range opts {
		o[k] = v
	}
	if schema == nil {
		schema = nxSchema(table)
	}
	return TableSpec{Name: table, Schema: schema, Options: o, BatchSize: batch, BadRecords: &badRecords{}, Mem: newMem(t)}
}

// nxRows runs a table and returns its rows split into values.
func nxRows(t *testing.T, spec TableSpec) ([][]string, *collector) {
	t.Helper()
	c, err := runSource(t, spec)
	require.NoError(t, err)
	require.True(t, c.ended)
	var rows [][]string
	for _, r := range c.rows {
		rows = append(rows, strings.Split(r, " | "))
	}
	return rows, c
}

func atoi(t *testing.T, s string) int64 {
	v, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err, s)
	return v
}

func TestNexmarkProportionsAndIDs(t *testing.T) {
	opts := map[string]string{"events.num": "5000"}
	people, _ := nxRows(t, nexmarkSpec(t, "person", nil, 64, opts))
	auctions, _ := nxRows(t, nexmarkSpec(t, "auction", nil, 64, opts))
	bids, _ := nxRows(t, nexmarkSpec(t, "bid", nil, 64, opts))
	assert.Len(t, people, 100)
	assert.Len(t, auctions, 300)
	assert.Len(t, bids, 4600)

	// Ids are consecutive from 1000, one per entity event.
	for i, p := range people {
		assert.Equal(t, int64(1000+i), atoi(t, p[0]))
		assert.Contains(t, nxUSStates, p[5])
		assert.Contains(t, nxUSCities, p[4])
		assert.Regexp(t, `^[0-9]{4} [0-9]{4} [0-9]{4} [0-9]{4}$`, p[3])
		assert.Contains(t, p[2], "@")
		assert.InDelta(t, 200, len(p[1])+len(p[2])+len(p[3])+len(p[4])+len(p[5])+8+len(p[7]), 45)
	}
	for i, a := range auctions {
		assert.Equal(t, int64(1000+i), atoi(t, a[0]))
		initial, reserve := atoi(t, a[3]), atoi(t, a[4])
		assert.True(t, initial >= 100 && initial <= 100_000_000, initial)
		assert.Greater(t, reserve, initial)
		assert.Greater(t, a[6], a[5], "expires after dateTime")
		seller, cat := atoi(t, a[7]), atoi(t, a[8])
		assert.True(t, seller >= 1000 && seller < 1000+int64(len(people))+10, seller)
		assert.True(t, cat >= 10 && cat < 15, cat)
	}
	hotBidder, hotAuction, hotChannel := 0, 0, 0
	for _, b := range bids {
		auction, bidder, price := atoi(t, b[0]), atoi(t, b[1]), atoi(t, b[2])
		assert.True(t, auction >= 1000 && auction < 1000+300+10, auction)
		assert.True(t, bidder >= 1000 && bidder < 1000+100+10, bidder)
		assert.True(t, price >= 100 && price <= 100_000_000, price)
		if (bidder-1000)%100 == 1 {
			hotBidder++
		}
		if (auction-1000)%100 == 0 {
			hotAuction++
		}
		switch b[3] {
		case "Google", "Facebook", "Baidu", "Apple":
			hotChannel++
		default:
			assert.True(t, strings.HasPrefix(b[3], "channel-"), b[3])
		}
		assert.True(t, strings.HasPrefix(b[4], "https://www.nexmark.com/"), b[4])
		assert.True(t, len(b[6]) >= 54 && len(b[6]) < 82, len(b[6]))
	}
	assert.InDelta(t, 0.75, float64(hotBidder)/4600, 0.05)
	assert.InDelta(t, 0.5, float64(hotAuction)/4600, 0.05)
	assert.InDelta(t, 0.5, float64(hotChannel)/4600, 0.05)
}

func TestNexmarkDateTime(t *testing.T) {
	opts := map[string]string{"events.num": "120", "tps": "1000", "first-event.time": "2026-11-01 00:00:00"}
	schema := arrow.NewSchema([]arrow.Field{{Name: "DATETIME", Type: nxTS}, {Name: "id", Type: nxI64}}, nil)
	people, _ := nxRows(t, nexmarkSpec(t, "person", schema, 10, opts))
	// Persons are events 0, 50, 100: 1 ms apart each at 1000 events/s.
	assert.Equal(t, [][]string{{"2026-11-01 00:00:00.000", "1000"}, {"2026-11-01 00:00:00.050", "1001"}, {"2026-11-01 00:00:00.100", "1002"}}, people)

	opts["first-event.time"] = strconv.FormatInt(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli(), 10)
	opts["tps"] = "3"
	schema = arrow.NewSchema([]arrow.Field{{Name: "dateTime", Type: nxTS}}, nil)
	bids, _ := nxRows(t, nexmarkSpec(t, "bid", schema, 1000, opts))
	require.Len(t, bids, 46+46+16)                          // events 4..49, 54..99 and 104..119
	assert.Equal(t, "2026-01-01 00:00:01.333", bids[0][0])  // event 4 at 333333.33 us apart
	assert.Equal(t, "2026-01-01 00:00:18.000", bids[46][0]) // event 54: events 50..53 are a person and auctions
	assert.Equal(t, "2026-01-01 00:00:32.999", bids[91][0]) // event 99: 99 * 333333.33 us, truncated as in Flink
}

func TestNexmarkDeterministic(t *testing.T) {
	for _, table := range []string{"person", "auction", "bid"} {
		opts := map[string]string{"events.num": "3000", "seed": "7"}
		a, _ := nxRows(t, nexmarkSpec(t, table, nil, 1, opts))
		b, cb := nxRows(t, nexmarkSpec(t, table, nil, 8192, opts))
		c, _ := nxRows(t, nexmarkSpec(t, table, nil, 8192, opts))
		assert.Equal(t, a, b, table)
		assert.Equal(t, b, c, table)
		assert.Len(t, cb.batches, 1)

		// A subset of the columns, in another order, has the same values.
		full := nxSchema(table)
		last, first := full.Field(full.NumFields()-1), full.Field(1)
		sub, _ := nxRows(t, nexmarkSpec(t, table, arrow.NewSchema([]arrow.Field{last, first}, nil), 100, opts))
		for i := range sub {
			assert.Equal(t, []string{a[i][full.NumFields()-1], a[i][1]}, sub[i])
		}

		// Another seed gives other values.
		opts["seed"] = "8"
		d, _ := nxRows(t, nexmarkSpec(t, table, nil, 8192, opts))
		assert.NotEqual(t, a, d)
	}
}

func TestNexmarkBoundedEnd(t *testing.T) {
	_, c := nxRows(t, nexmarkSpec(t, "bid", nil, 10, map[string]string{"events.num": "53"}))
	assert.Equal(t, []int{10, 10, 10, 10, 6}, c.batches)
	_, c = nxRows(t, nexmarkSpec(t, "auction", nil, 10, map[string]string{"events.num": "53"}))
	assert.Equal(t, []int{5}, c.batches) // events 1, 2, 3, 51, 52
	_, c = nxRows(t, nexmarkSpec(t, "person", nil, 10, map[string]string{"events.num": "0"}))
	assert.Empty(t, c.batches)
	// No column read (COUNT(*)): batches of rows without columns.
	_, c = nxRows(t, nexmarkSpec(t, "bid", arrow.NewSchema(nil, nil), 100, map[string]string{"events.num": "1000"}))
	assert.Equal(t, []int{100, 100, 100, 100, 100, 100, 100, 100, 100, 20}, c.batches)
}

func TestNexmarkErrors(t *testing.T) {
	f, err := Lookup("nexmark")
	require.NoError(t, err)
	assert.ErrorContains(t, f.CheckOptions(map[string]string{"connector": "nexmark"}), "needs option 'table'")
	assert.ErrorContains(t, f.CheckOptions(map[string]string{"connector": "nexmark", "table": "bid", "rate": "1"}), "unknown option 'rate'")

	for _, tc := range []struct {
		table  string
		schema *arrow.Schema
		opts   map[string]string
		want   string
	}{
		{"bids", nil, nil, "option 'table' must be person, auction or bid, got 'bids'"},
		{"bid", arrow.NewSchema([]arrow.Field{{Name: "ts", Type: nxTS}}, nil), nil, "column 'ts' is not a column of the Nexmark bid table; its columns are: auction, bidder, price, channel, url, dateTime, extra"},
		{"bid", arrow.NewSchema([]arrow.Field{{Name: "price", Type: arrow.PrimitiveTypes.Float64}}, nil), nil, "column 'price' is BIGINT in the Nexmark bid table, but is declared DOUBLE"},
		{"person", arrow.NewSchema([]arrow.Field{{Name: "dateTime", Type: nxStr}}, nil), nil, "column 'dateTime' is TIMESTAMP(3)"},
		{"bid", nil, map[string]string{"events.num": "x"}, "option 'events.num' must be an integer"},
		{"bid", nil, map[string]string{"tps": "0"}, "option 'tps' must be positive"},
		{"bid", nil, map[string]string{"max-emit-speed": "-1"}, "must not be negative"},
		{"bid", nil, map[string]string{"first-event.time": "yesterday"}, "option 'first-event.time' must be"},
	} {
		spec := nexmarkSpec(t, tc.table, nxSchema("bid"), 10, tc.opts)
		if tc.schema != nil {
			spec.Schema = tc.schema
		}
		_, err := f.NewSource(spec)
		assert.ErrorContains(t, err, tc.want)
	}
	// A declared column the query does not read is checked too.
	spec := nexmarkSpec(t, "bid", arrow.NewSchema([]arrow.Field{{Name: "price", Type: nxI64}}, nil), 10, nil)
	spec.Columns = []string{"price", "nope"}
	_, err = f.NewSource(spec)
	assert.ErrorContains(t, err, "column 'nope' is not a column")
}

type cancelAfter struct {
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Emit(m exec.Message) error {
	if m.Kind == exec.KindBatch {
		if c.n--; c.n == 0 {
			c.cancel()
		}
	}
	return nil
}

func TestNexmarkCancel(t *testing.T) {
	f, _ := Lookup("nexmark")
	// Unbounded and unpaced: stops when cancelled.
	src, err := f.NewSource(nexmarkSpec(t, "bid", nil, 100, nil))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	err = src.Run(ctx, &cancelAfter{n: 3, cancel: cancel})
	assert.ErrorIs(t, err, context.Canceled)

	// Paced: cancelled while waiting.
	src, err = f.NewSource(nexmarkSpec(t, "bid", nil, 100, map[string]string{"max-emit-speed": "50"}))
	require.NoError(t, err)
	ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	c := &collector{}
	start := time.Now()
	err = src.Run(ctx, c)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 2*time.Second)
	// 50 events/s for 0.3 s: about 15 events, of which 46/50 bids.
	assert.True(t, len(c.rows) >= 4 && len(c.rows) <= 30, len(c.rows))
}

// BenchmarkNexmarkBid generates the bid table with all its columns.
func BenchmarkNexmarkBid(b *testing.B) {
	spec := TableSpec{Name: "bid", Schema: nxSchema("bid"), BatchSize: 8192, BadRecords: &badRecords{}, Mem: memory.NewGoAllocator(),
		Options: map[string]string{"connector": "nexmark", "table": "bid", "events.num": "1000000"}}
	b.ReportAllocs()
	rows := 0
	start := time.Now()
	for i := 0; i < b.N; i++ {
		src, err := newNexmarkSource(spec)
		if err != nil {
			b.Fatal(err)
		}
		cnt := &rowCounter{}
		if err := src.Run(context.Background(), cnt); err != nil {
			b.Fatal(err)
		}
		rows += cnt.rows
	}
	b.ReportMetric(float64(rows)/time.Since(start).Seconds(), "rows/s")
}

type rowCounter struct{ rows int }

func (c *rowCounter) Emit(m exec.Message) error {
	if m.Kind == exec.KindBatch {
		c.rows += int(m.Batch.NumRows())
		_ = m.Batch.Column(0).(*array.Int64)
	}
	return nil
}
