package kafka

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/eddysql/eddy/internal/testpeer"
)

// value100 is a ~100-byte JSON record value.
func value100(i int) []byte {
	return fmt.Appendf(nil, `{"auction":%9d,"bidder":%9d,"price":%9d,"channel":"Google","url":"https://www.nexmark.com/x"}`, i, i*7, i%10000)
}

// values100 pre-builds n ~100-byte values, so that measurements time the client, not fmt.
func values100(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = value100(i)
	}
	return out
}

// writeN writes the values as records with a Writer, 10,000 per Write, and returns the time
// until Flush returned.
func writeN(tb testing.TB, addr, topic string, vals [][]byte) time.Duration {
	w, err := NewWriter(context.Background(), config(tb, addr, "topic", topic))
	require.NoError(tb, err)
	defer w.Close()
	const chunk = 10000
	recs := make([]*kgo.Record, 0, chunk)
	start := time.Now()
	for i, v := range vals {
		recs = append(recs, &kgo.Record{Value: v})
		if len(recs) == chunk || i == len(vals)-1 {
			require.NoError(tb, w.Write(recs))
			recs = make([]*kgo.Record, 0, chunk) // the client owns written records until acked
		}
	}
	require.NoError(tb, w.Flush(context.Background()))
	return time.Since(start)
}

// readN reads a topic to its end with a bounded Reader and returns the records, their value
// bytes and the time.
func readN(tb testing.TB, addr, topic string, extra ...string) (int, int64, time.Duration) {
	r, err := NewReader(context.Background(), config(tb, addr, append([]string{"topic", topic, "scan.bounded.mode", "latest-offset"}, extra...)...))
	require.NoError(tb, err)
	defer r.Close()
	n, bytes := 0, int64(0)
	start := time.Now()
	for !r.Done() {
		f, err := r.Poll(context.Background())
		require.NoError(tb, err)
		for _, pr := range f.Partitions {
			for _, rec := range pr.Records {
				bytes += int64(len(rec.Value))
			}
			n += len(pr.Records)
		}
	}
	return n, bytes, time.Since(start)
}

// rawReadN consumes n records of topic with plain franz-go, for reference.
func rawReadN(tb testing.TB, addr, topic string, n int) time.Duration {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(tb, err)
	defer cl.Close()
	start := time.Now()
	bytes := int64(0)
	for seen := 0; seen < n; {
		fs := cl.PollRecords(context.Background(), 10000)
		fs.EachRecord(func(r *kgo.Record) { bytes += int64(len(r.Value)) })
		seen += fs.NumRecords()
	}
	return time.Since(start)
}

// TestThroughput measures Writer and Reader.Poll over EDDY_KAFKA_THROUGHPUT records (e.g.
// 1000000) of ~100 bytes against an in-process one-broker kfake with 4 partitions, next to
// plain franz-go on the same cluster for reference. It is skipped unless that variable is set.
func TestThroughput(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("EDDY_KAFKA_THROUGHPUT"))
	if n <= 0 {
		t.Skip("set EDDY_KAFKA_THROUGHPUT=1000000 to measure")
	}
	vals := values100(n)
	addr := testpeer.StartKafka(t, 4, "bench")
	d := writeN(t, addr, "bench", vals)
	t.Logf("Writer: %d records in %v = %.0f records/s", n, d, float64(n)/d.Seconds())
	for round := 0; round < 2; round++ {
		got, bytes, d := readN(t, addr, "bench")
		require.Equal(t, n, got)
		t.Logf("Reader.Poll (bounded): %d records (%d MB) in %v = %.0f records/s, %.0f MB/s", got, bytes>>20, d, float64(got)/d.Seconds(), float64(bytes)/1e6/d.Seconds())
		d = rawReadN(t, addr, "bench", n)
		t.Logf("franz-go PollRecords: %.0f records/s", float64(n)/d.Seconds())
	}

	addr = testpeer.StartKafka(t, 4, "raw")
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("raw"), kgo.MaxBufferedRecords(100_000))
	require.NoError(t, err)
	defer cl.Close()
	start := time.Now()
	for _, v := range vals {
		cl.Produce(context.Background(), &kgo.Record{Value: v}, nil)
	}
	require.NoError(t, cl.Flush(context.Background()))
	d = time.Since(start)
	t.Logf("franz-go Produce: %.0f records/s", float64(n)/d.Seconds())
}

// BenchmarkWriter writes b.N ~100-byte records and flushes.
func BenchmarkWriter(b *testing.B) {
	addr := testpeer.StartKafka(b, 4, "bench")
	vals := values100(b.N)
	b.ResetTimer()
	d := writeN(b, addr, "bench", vals)
	b.ReportMetric(float64(b.N)/d.Seconds(), "records/s")
}

// BenchmarkReaderPoll reads b.N ~100-byte records produced beforehand.
func BenchmarkReaderPoll(b *testing.B) {
	addr := testpeer.StartKafka(b, 4, "bench")
	writeN(b, addr, "bench", values100(b.N))
	b.ResetTimer()
	n, _, d := readN(b, addr, "bench")
	require.Equal(b, b.N, n)
	b.ReportMetric(float64(n)/d.Seconds(), "records/s")
}
