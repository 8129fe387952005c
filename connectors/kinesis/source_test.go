package kinesis

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/require"

	"github.com/eddysql/eddy/exec"
	"github.com/eddysql/eddy/internal/testpeer"
)

// TestKinesisBoundedReadWithSplitInHistory: a 2-shard stream whose shard 1 was split half-way is
// read TRIM_HORIZON to 'latest': every record once, each shard in sequence order, the
// parent's records before its children's, then End; splits are announced first and the
// finished parent is reported idle.
func TestKinesisBoundedReadWithSplitInHistory(t *testing.T) {
	p := startPeer(t)
	p.create(t, "bids", 2)
	const n, keys = 3000, 40
	recs := bids(0, n, keys)
	p.put(t, "bids", recs[:n/2])
	p.split(t, "bids", "shardId-000000000001")
	p.put(t, "bids", recs[n/2:])
	mem := newMem(t)
	src := newSource(t, mem, bidSchema, nil, p.options("bids", "scan.bounded.mode", "latest"), nil)
	c := newCollector()
	start := time.Now()
	require.NoError(t, src.Run(testCtx(t, time.Minute), c))
	t.Logf("read %d records in %v (%.0f records/s), %d GetRecords", c.count(), time.Since(start), float64(c.count())/time.Since(start).Seconds(), src.calls.Load())
	require.True(t, c.ended)
	require.Equal(t, exec.KindSplits, c.kinds[0])
	require.Equal(t, []int32{4}, c.splits, "shards 0, 1 (closed) and its children 2, 3")
	require.Equal(t, exec.KindEnd, c.kinds[len(c.kinds)-1])
	require.Zero(t, c.noPos, "every message carries the position")

	want := map[string]bool{}
	for i := 0; i < n; i++ {
		want[bidRow(i, keys)] = true
	}
	got := c.all()
	require.Len(t, got, n)
	for _, r := range got {
		require.True(t, want[r], r)
	}
	// Per key, records come in the order they were put: the parent's before the children's.
	lastPrice := map[string]int{}
	for _, o := range c.order {
		f := strings.Split(o[strings.Index(o, ":")+1:], " | ")
		price, _ := strconv.Atoi(strings.TrimSuffix(f[1], ".5"))
		if prev, ok := lastPrice[f[0]]; ok {
			require.Greater(t, price, prev, "auction %s out of order", f[0])
		}
		lastPrice[f[0]] = price
	}
	pos := c.last.(*Position)
	for id, sp := range pos.Shards {
		require.True(t, sp.Done, id)
	}
	require.Contains(t, c.idle, int32(1), "the finished parent is idle")
}

// TestKinesisMetadataColumns: shard_id, sequence_number, approximate_arrival_timestamp and
// partition_key (and Flink's 'shard-id', 'sequence-number', 'timestamp') are filled from the
// record, next to the decoded columns, in the table's order.
func TestKinesisMetadataColumns(t *testing.T) {
	p := startPeer(t)
	p.create(t, "bids", 1)
	recs := bids(0, 5, 3)
	before := time.Now().Add(-time.Second)
	p.put(t, "bids", recs)
	mem := newMem(t)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "shard", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "auction", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "seq", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "arrival", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "pk", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "flink_shard", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "flink_seq", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "flink_ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
	}, nil)
	meta := map[int]string{0: "shard_id", 2: "sequence_number", 3: "approximate_arrival_timestamp", 4: "partition_key",
		5: "shard-id", 6: "sequence-number", 7: "timestamp"}
	src := newSource(t, mem, schema, meta, p.options("bids", "scan.bounded.mode", "latest"), nil)
	c := newCollector()
	require.NoError(t, src.Run(testCtx(t, 30*time.Second), c))
	rows := c.rows[0]
	require.Len(t, rows, 5)
	for i, r := range rows {
		f := strings.Split(r, " | ")
		require.Equal(t, "shardId-000000000000", f[0])
		require.Equal(t, strconv.Itoa(1+i%3), f[1])
		require.Equal(t, recs[i].Seq, f[2])
		ts, err := time.Parse("2006-01-02 15:04:05.000", f[3])
		require.NoError(t, err, f[3])
		require.True(t, ts.After(before) && ts.Before(time.Now().Add(time.Second)), f[3])
		require.Equal(t, recs[i].Key, f[4])
		require.Equal(t, []string{f[0], f[2], f[3]}, f[5:8])
	}
	sort.Strings(rows)
}

// TestKinesisBadRecordsSkippedPerShard: records that do not decode are skipped and reported with
// stream/shard/sequence, their shard as the split; the others are read.
func TestKinesisBadRecordsSkippedPerShard(t *testing.T) {
	p := startPeer(t)
	p.create(t, "bids", 2)
	recs := bids(0, 100, 10)
	recs = append(recs, testpeer.KinesisRecord{Key: "a1", Data: []byte(`{"auction":oops`)},
		testpeer.KinesisRecord{Key: "a2", Data: []byte(`not json`)})
	recs = append(recs, bids(100, 100, 10)...)
	p.put(t, "bids", recs)
	mem := newMem(t)
	bad := &badRecords{}
	src := newSource(t, mem, bidSchema, nil, p.options("bids", "scan.bounded.mode", "latest"), bad)
	c := newCollector()
	require.NoError(t, src.Run(testCtx(t, 30*time.Second), c))
	require.Len(t, c.all(), 200)
	require.Len(t, bad.got, 2)
	for i, b := range bad.got {
		r := recs[100+i]
		if b.Position != "bids/"+r.Shard+"/"+r.Seq {
			r = recs[100+1-i]
		}
		require.Equal(t, "bids/"+r.Shard+"/"+r.Seq, b.Position)
		require.Equal(t, r.Shard, b.Split)
		require.Equal(t, "bids", b.Table)
		require.Equal(t, string(r.Data), string(b.Raw))
		require.NotEmpty(t, b.Reason)
	}
}

// TestKinesisSplitShardDuringRead: an unbounded read while shard 1 is split: the source finds the
// children (discovery), announces them before it reports the parent idle, reads them only
// after the parent's end, and reads every record once, in order per key.
func TestKinesisSplitShardDuringRead(t *testing.T) {
	p := startPeer(t)
	p.create(t, "bids", 2)
	const n, keys = 2000, 40
	recs := bids(0, n, keys)
	p.put(t, "bids", recs[:n/2])
	mem := newMem(t)
	src := newSource(t, mem, bidSchema, nil, p.options("bids"), nil)
	c := newCollector()
	ctx, cancel := context.WithCancel(testCtx(t, time.Minute))
	errc := make(chan error, 1)
	go func() { errc <- src.Run(ctx, c) }()
	waitFor(t, func() bool { return c.count() >= n/4 })
	p.split(t, "bids", "shardId-000000000001")
	p.put(t, "bids", recs[n/2:])
	waitFor(t, func() bool { return c.count() >= n })
	cancel()
	require.ErrorIs(t, <-errc, context.Canceled)

	c.mu.Lock()
	defer c.mu.Unlock()
	require.Equal(t, []int32{2, 4}, c.splits, "2 shards, then their children")
	require.Len(t, c.order, n)
	// Splits grew before the parent was reported idle.
	grewAt, idleAt := -1, -1
	splitsSeen := 0
	for i, k := range c.kinds {
		if k == exec.KindSplits {
			if splitsSeen++; splitsSeen == 2 {
				grewAt = i
			}
		}
		if k == exec.KindIdle && idleAt < 0 {
			idleAt = i
		}
	}
	require.Greater(t, idleAt, grewAt)
	require.Equal(t, int32(1), c.idle[0], "the parent is the first idle shard")
	// The parent's rows all come before its children's.
	lastParent, firstChild := -1, len(c.order)
	for i, o := range c.order {
		switch o[:2] {
		case "1:":
			lastParent = i
		case "2:", "3:":
			firstChild = min(firstChild, i)
		}
	}
	require.Less(t, lastParent, firstChild)
	require.NotEmpty(t, c.rows[2])
	require.NotEmpty(t, c.rows[3])
	lastPrice := map[string]int{}
	for _, o := range c.order {
		f := strings.Split(o[strings.Index(o, ":")+1:], " | ")
		price, _ := strconv.Atoi(strings.TrimSuffix(f[1], ".5"))
		if prev, ok := lastPrice[f[0]]; ok {
			require.Greater(t, price, prev, "auction %s out of order", f[0])
		}
		lastPrice[f[0]] = price
	}
	require.Len(t, lastPrice, keys)
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestKinesisResumeReadsExactlyTheRest: a bounded read stopped half-way (in the parent shard of a
// split) leaves a position; a new source resumed at its encoding reads exactly the records
// after it, children after their parent, and nothing twice.
func TestKinesisResumeReadsExactlyTheRest(t *testing.T) {
	p := startPeer(t)
	p.create(t, "bids", 2)
	const n, keys = 3000, 40
	recs := bids(0, n, keys)
	p.put(t, "bids", recs[:n/2])
	p.split(t, "bids", "shardId-000000000001")
	p.put(t, "bids", recs[n/2:])
	mem := newMem(t)
	opts := p.options("bids", "scan.bounded.mode", "latest", "scan.shard.getrecords.maxrecordcount", "100")
	first := newCollector()
	stop := fmt.Errorf("stop")
	first.onBatch = func(c *collector) error {
		if c.count() >= n/3 {
			return stop
		}
		return nil
	}
	src := newSource(t, mem, bidSchema, nil, opts, nil)
	require.ErrorIs(t, src.Run(testCtx(t, time.Minute), first), stop)
	saved, err := src.EncodePosition(first.last)
	require.NoError(t, err)
	t.Logf("position after %d rows: %s", first.count(), saved)

	second := newCollector()
	src2 := newSource(t, mem, bidSchema, nil, p.options("bids", "scan.bounded.mode", "latest", "scan.stream.initpos", "LATEST"), nil)
	require.NoError(t, src2.ResumeAt(saved))
	require.NoError(t, src2.Run(testCtx(t, time.Minute), second))
	require.True(t, second.ended)
	got := append(first.all(), second.all()...)
	sort.Strings(got)
	var want []string
	for i := 0; i < n; i++ {
		want = append(want, bidRow(i, keys))
	}
	sort.Strings(want)
	require.Equal(t, want, got, "every record exactly once across the two runs")
	// Splits keep their numbers across the restore.
	for split := range second.rows {
		require.Less(t, split, int32(4))
	}

	// Bytes of another stream or connector are refused.
	require.Error(t, newSource(t, mem, bidSchema, nil, p.options("other"), nil).ResumeAt(saved))
	require.Error(t, src2.ResumeAt([]byte(`{"version":1,"connector":"kafka"}`)))
}
