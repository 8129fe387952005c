package kinesis

import (
	"os"
	"testing"
	"time"
)

// TestKinesisThroughput measures records/s read and written through kinesalite (2 shards, ~70-byte
// JSON records). It runs only with EDDY_KINESIS_BENCH=1: go test ./connectors/kinesis -run
// Throughput -v.
func TestKinesisThroughput(t *testing.T) {
	if os.Getenv("EDDY_KINESIS_BENCH") == "" {
		t.Skip("set EDDY_KINESIS_BENCH=1 to measure throughput through kinesalite")
	}
	const n = 20000
	p := startPeer(t)
	p.create(t, "bids", 2)
	p.create(t, "counts", 2)
	start := time.Now()
	p.put(t, "bids", bids(0, n, 50))
	t.Logf("testpeer PutRecords (SDK, 500 per call): %.0f records/s", n/time.Since(start).Seconds())

	mem := newMem(t)
	src := newSource(t, mem, bidSchema, nil, p.options("bids", "scan.bounded.mode", "latest", "scan.shard.getrecords.intervalmillis", "200"), nil)
	c := newCollector()
	start = time.Now()
	if err := src.Run(testCtx(t, 2*time.Minute), c); err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	t.Logf("source read %d records in %v: %.0f records/s (%d GetRecords)", c.count(), el, float64(c.count())/el.Seconds(), src.calls.Load())

	s := newSink(t, mem, p.options("counts"), []int{1})
	start = time.Now()
	writeCounts(t, s, mem, n, 1024)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	el = time.Since(start)
	t.Logf("sink wrote %d records in %v: %.0f records/s (%d PutRecords)", n, el, n/el.Seconds(), s.puts.Load())
}
