package kinesis

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/internal/testpeer"
)

// countSchema is (window_start TIMESTAMP(3), auction BIGINT, n BIGINT, name STRING).
var countSchema = arrow.NewSchema([]arrow.Field{
	{Name: "window_start", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
	{Name: "auction", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// countBatch makes rows from..to-1 of countSchema: row i is (base + i s, i % 7, i, "n<i>").
func countBatch(mem memory.Allocator, from, to int) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, countSchema)
	defer b.Release()
	for i := from; i < to; i++ {
		b.Field(0).(*array.TimestampBuilder).Append(arrow.Timestamp(baseMs + int64(i)*1000))
		b.Field(1).(*array.Int64Builder).Append(int64(i % 7))
		b.Field(2).(*array.Int64Builder).Append(int64(i))
		b.Field(3).(*array.StringBuilder).Append(fmt.Sprintf("n%d", i))
	}
	return b.NewRecordBatch()
}

func countJSON(i int) string {
	return fmt.Sprintf(`{"window_start":"%s","auction":%d,"n":%d,"name":"n%d"}`,
		time.UnixMilli(baseMs+int64(i)*1000).UTC().Format("2006-01-02 15:04:05.000"), i%7, i, i)
}

func newSink(t testing.TB, mem memory.Allocator, opts map[string]string, pk []int) *tableSink {
	t.Helper()
	s, err := newTableSink(connectors.TableSpec{Name: "counts", Schema: countSchema, Options: opts, PrimaryKey: pk, Mem: mem})
	require.NoError(t, err)
	return s
}

func writeCounts(t testing.TB, s *tableSink, mem memory.Allocator, n, per int) {
	t.Helper()
	for from := 0; from < n; from += per {
		b := countBatch(mem, from, min(from+per, n))
		require.NoError(t, s.Write(b))
		b.Release()
	}
}

// TestKinesisSinkRoundTrip: rows written as JSON records keyed by the PRIMARY KEY are read back
// with GetRecords, each once; all records of one key went to one shard in order; PutRecords
// requests hold at most 500 records.
func TestKinesisSinkRoundTrip(t *testing.T) {
	p := startPeer(t)
	p.create(t, "counts", 3)
	mem := newMem(t)
	s := newSink(t, mem, p.options("counts"), []int{1})
	const n = 3000
	start := time.Now()
	writeCounts(t, s, mem, n, 700)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close is idempotent")
	el := time.Since(start)
	t.Logf("wrote %d records in %v (%.0f records/s), %d PutRecords", n, el, n/el.Seconds(), s.puts.Load())
	require.GreaterOrEqual(t, s.puts.Load(), int64(n/500))

	recs, err := testpeer.ReadKinesisStream(testCtx(t, time.Minute), p.cl, "counts")
	require.NoError(t, err)
	require.Len(t, recs, n)
	var got, want []string
	shardOf := map[string]string{}
	lastN := map[string]int{}
	for _, r := range recs {
		got = append(got, string(r.Data))
		if sh, ok := shardOf[r.Key]; ok {
			require.Equal(t, sh, r.Shard, "key %s in one shard", r.Key)
		}
		shardOf[r.Key] = r.Shard
		var i int
		fmt.Sscanf(string(r.Data)[strings.Index(string(r.Data), `"n":`)+4:], "%d", &i)
		if prev, ok := lastN[r.Key]; ok {
			require.Greater(t, i, prev, "order of key %s", r.Key)
		}
		lastN[r.Key] = i
		require.Equal(t, fmt.Sprint(i%7), r.Key, "the partition key is the PRIMARY KEY's value")
	}
	for i := 0; i < n; i++ {
		want = append(want, countJSON(i))
	}
	sort.Strings(got)
	sort.Strings(want)
	require.Equal(t, want, got)
}

// TestKinesisSinkPartitionKeysAndFormats: 'sink.partition-key' of two columns joined by the
// delimiter; CSV data; random keys without a key; raw data.
func TestKinesisSinkPartitionKeysAndFormats(t *testing.T) {
	p := startPeer(t)
	p.create(t, "a", 1)
	p.create(t, "b", 1)
	mem := newMem(t)
	s := newSink(t, mem, p.options("a", "format", "csv", "sink.partition-key", "auction;NAME", "sink.partitioner-field-delimiter", "/"), nil)
	writeCounts(t, s, mem, 3, 3)
	require.NoError(t, s.Close())
	recs, err := testpeer.ReadKinesisStream(testCtx(t, time.Minute), p.cl, "a")
	require.NoError(t, err)
	require.Len(t, recs, 3)
	require.Equal(t, "1/n1", recs[1].Key)
	require.Equal(t, "2026-11-01 00:00:01.000,1,1,n1", string(recs[1].Data))

	s = newSink(t, mem, p.options("b"), nil)
	writeCounts(t, s, mem, 50, 50)
	require.NoError(t, s.Close())
	recs, err = testpeer.ReadKinesisStream(testCtx(t, time.Minute), p.cl, "b")
	require.NoError(t, err)
	keys := map[string]bool{}
	for _, r := range recs {
		keys[r.Key] = true
	}
	require.Greater(t, len(keys), 45, "random keys")

	_, err = newTableSink(connectors.TableSpec{Name: "counts", Schema: countSchema, Mem: mem, Options: p.options("b", "sink.partition-key", "nope")})
	require.ErrorContains(t, err, "'sink.partition-key' names 'nope'")
	_, err = newTableSink(connectors.TableSpec{Name: "counts", Schema: countSchema, Mem: mem, Options: p.options("b", "format", "raw")})
	require.ErrorContains(t, err, "one STRING or BYTES column")
}

// TestKinesisSinkRetriesInjectedFaults: PutRecords requests that fail whole (500, throttling, a cut
// connection) are retried, and records Kinesis rejects in a partly failed request are put
// again alone; every row is stored exactly once (the faults are injected before
// kinesalite stores anything).
func TestKinesisSinkRetriesInjectedFaults(t *testing.T) {
	p := startPeer(t)
	p.create(t, "counts", 2)
	f := newFaults(func(op string, i int) string {
		if op != "PutRecords" {
			return ""
		}
		switch i % 6 {
		case 1:
			return "partial:3"
		case 2:
			return "500 InternalFailure"
		case 3:
			return "400 ProvisionedThroughputExceededException"
		case 4:
			return "net"
		}
		return ""
	})
	mem := newMem(t)
	s := newSink(t, mem, p.options("counts"), []int{1})
	s.cfg.HTTPClient = f.client()
	var err error
	s.api, err = newAPI(t.Context(), s.cfg)
	require.NoError(t, err)
	s.cfg.PutRecordsRetry = Backoff{MaxRetries: 1 << 20, Base: time.Millisecond, Max: 10 * time.Millisecond, ExpConst: 2}
	const n = 2000
	writeCounts(t, s, mem, n, 333)
	_, err = s.PrepareCheckpoint(1)
	require.NoError(t, err, "a checkpoint puts every record")
	require.NoError(t, s.Close())
	t.Logf("injected %v; %d records put again", f.injected, s.retried.Load())
	require.Positive(t, f.count("partial"))
	require.Positive(t, f.count("net"))
	require.Positive(t, s.retried.Load())
	recs, err := testpeer.ReadKinesisStream(testCtx(t, time.Minute), p.cl, "counts")
	require.NoError(t, err)
	var got, want []string
	for _, r := range recs {
		got = append(got, string(r.Data))
	}
	for i := 0; i < n; i++ {
		want = append(want, countJSON(i))
	}
	sort.Strings(got)
	sort.Strings(want)
	require.Equal(t, want, got)
}

// TestKinesisSinkFailOnError: with 'sink.fail-on-error' a rejected record fails the write, naming
// the table.
func TestKinesisSinkFailOnError(t *testing.T) {
	p := startPeer(t)
	p.create(t, "counts", 1)
	mem := newMem(t)
	s := newSink(t, mem, p.options("counts", "sink.fail-on-error", "true", "sink.flush-buffer.timeout", "0"), nil)
	s.cfg.HTTPClient = newFaults(func(op string, i int) string {
		if op == "PutRecords" {
			return "partial:2"
		}
		return ""
	}).client()
	var err error
	s.api, err = newAPI(t.Context(), s.cfg)
	require.NoError(t, err)
	b := countBatch(mem, 0, 4)
	defer b.Release()
	require.ErrorContains(t, s.Write(b), "table 'counts': Kinesis rejected 2 records")
	require.Error(t, s.Close())
}

// TestKinesisSinkFlushTimeout: a quiet sink puts its buffer after 'sink.flush-buffer.timeout'.
func TestKinesisSinkFlushTimeout(t *testing.T) {
	p := startPeer(t)
	p.create(t, "counts", 1)
	mem := newMem(t)
	s := newSink(t, mem, p.options("counts", "sink.flush-buffer.timeout", "100 ms"), nil)
	defer s.Close()
	writeCounts(t, s, mem, 10, 10)
	waitFor(t, func() bool { return s.written.Load() == 10 })
}
