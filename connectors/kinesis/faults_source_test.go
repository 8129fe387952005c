package kinesis

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestKinesisSourceRetriesInjectedFaults: GetRecords throttled (ProvisionedThroughputExceeded),
// failing with 500 InternalFailure, cut connections and an expired iterator, ListShards
// LimitExceeded and GetShardIterator throttled, all in front of the real kinesalite: the
// source retries with backoff, re-acquires the iterator after the last record read, and
// reads every record exactly once, in order per shard.
func TestKinesisSourceRetriesInjectedFaults(t *testing.T) {
	p := startPeer(t)
	p.create(t, "bids", 2)
	const n, keys = 2000, 20
	recs := bids(0, n, keys)
	p.put(t, "bids", recs[:n/2])
	p.split(t, "bids", "shardId-000000000000")
	p.put(t, "bids", recs[n/2:])
	f := newFaults(func(op string, i int) string {
		switch op {
		case "GetRecords":
			switch {
			case i%5 == 2:
				return "400 ProvisionedThroughputExceededException"
			case i%7 == 3:
				return "500 InternalFailure"
			case i%11 == 4:
				return "net"
			case i%9 == 5:
				return "400 ExpiredIteratorException"
			}
		case "ListShards":
			if i == 1 {
				return "400 LimitExceededException"
			}
		case "GetShardIterator":
			if i%3 == 1 {
				return "400 ProvisionedThroughputExceededException"
			}
		}
		return ""
	})
	mem := newMem(t)
	src := newSource(t, mem, bidSchema, nil, p.options("bids",
		"scan.shard.getrecords.maxrecordcount", "50", "scan.shard.getrecords.backoff.base", "5", "scan.shard.getrecords.backoff.max", "20",
		"scan.shard.getiterator.backoff.base", "5", "scan.list.shards.backoff.base", "5"), nil)
	src.cfg.HTTPClient = f.client()
	c := newCollector()
	ctx, cancel := context.WithCancel(testCtx(t, time.Minute))
	errc := make(chan error, 1)
	go func() { errc <- src.Run(ctx, c) }()
	waitFor(t, func() bool { return c.count() >= n })
	time.Sleep(300 * time.Millisecond) // time for a duplicate to show
	cancel()
	require.ErrorIs(t, <-errc, context.Canceled)
	t.Logf("injected: %v; retries %d, iterators re-acquired %d", f.injected, src.retries.Load(), src.reacquire.Load())
	for _, what := range []string{"ProvisionedThroughputExceededException", "InternalFailure", "net", "ExpiredIteratorException", "LimitExceededException"} {
		require.Positive(t, f.count(what), what)
	}
	require.Positive(t, src.reacquire.Load())
	require.GreaterOrEqual(t, src.retries.Load(), int64(f.count("GetRecords 400 Prov")+f.count("500")+f.count("net")))

	got := c.all()
	sort.Strings(got)
	var want []string
	for i := 0; i < n; i++ {
		want = append(want, bidRow(i, keys))
	}
	sort.Strings(want)
	require.Equal(t, want, got)
	// In order within each shard: a re-acquired iterator continues after the last record.
	requireIncreasingPerSplit(t, c)
}
