package engine

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var (
	benchFileOnce sync.Once
	benchFile     string
)

// benchInput writes (once per test binary) the 1,000,000-line file of performance.md:
// {"auction","bidder","price","ts"}, ts in epoch ms, ~1 event per ms with up to 1 s of
// disorder, 10,000 auctions.
func benchInput(b *testing.B) string {
	benchFileOnce.Do(func() {
		dir, err := os.MkdirTemp("", "eddy-bench")
		if err != nil {
			b.Fatal(err)
		}
		benchFile = filepath.Join(dir, "bids.json")
		f, err := os.Create(benchFile)
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		rng := rand.New(rand.NewSource(1))
		t := int64(1_793_491_200_000)
		for i := 0; i < 1_000_000; i++ {
			t += int64(rng.Intn(3))
			fmt.Fprintf(w, `{"auction":%d,"bidder":%d,"price":%.1f,"ts":%d}`+"\n",
				1+rng.Intn(10000), 1+rng.Intn(100000), rng.Float64()*10000, t-int64(rng.Intn(1000)))
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		f.Close()
	})
	return benchFile
}

// benchRun runs a query end to end (file in, JSON lines out to io.Discard), as `eddy run`
// does, and reports input events per second.
func benchRun(b *testing.B, query string) {
	path := benchInput(b)
	ddl := fmt.Sprintf(`CREATE TABLE bid (auction BIGINT, bidder BIGINT, price DOUBLE, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'json');
`, path)
	b.ResetTimer()
	for b.Loop() {
		s := NewSession()
		s.Stdout, s.Stderr = io.Discard, io.Discard
		if err := s.RunScript(context.Background(), "bench.sql", ddl+query); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*1_000_000/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkRunFilter is eKuiper's anchor query: a filter and projection.
func BenchmarkRunFilter(b *testing.B) {
	benchRun(b, "SELECT auction, bidder, price, ts FROM bid WHERE price > 9000;")
}

// BenchmarkRunTumble is the 10 s tumbling COUNT and MAX per auction.
func BenchmarkRunTumble(b *testing.B) {
	benchRun(b, `SELECT window_start, window_end, auction, COUNT(*) AS c, MAX(price) AS m
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end, auction;`)
}
