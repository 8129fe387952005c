package engine

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/eddysql/eddy/internal/testpeer"
	"github.com/eddysql/eddy/parser"
)

// BenchmarkCheckpointWindowState1M measures a checkpoint of a window aggregation holding
// 1,000,000 keys in one open window: snapshot, encode with its checksum, write and fsync.
// Restore is the time to read the file, check it and restore the operators of a fresh job.
func BenchmarkCheckpointWindowState1M(b *testing.B) {
	s := NewSession()
	s.BatchSize = 8192
	script := `CREATE TABLE t (k BIGINT, v BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'manual');`
	if err := s.RunScript(context.Background(), "bench.sql", script); err != nil {
		b.Fatal(err)
	}
	stmts, err := parser.Parse("q.sql", `SELECT k, COUNT(*) AS n, SUM(v) AS s FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' DAY)) GROUP BY window_start, window_end, k`)
	if err != nil {
		b.Fatal(err)
	}
	var out bytes.Buffer
	m, err := s.StartManual(stmts[0].(*parser.Query), &out, false)
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	const keys = 1_000_000
	lines := make([]string, 0, 100_000)
	for i := 0; i < keys; i++ {
		lines = append(lines, fmt.Sprintf(`{"k":%d,"v":%d,"ts":%d}`, i, i%97, 1_700_000_000_000+int64(i%1000)))
		if len(lines) == cap(lines) {
			if err := m.Feed("", lines); err != nil {
				b.Fatal(err)
			}
			lines = lines[:0]
		}
	}
	dir := b.TempDir()
	j := m.job
	j.ckpt = &checkpointer{cfg: CheckpointConfig{Dir: dir, Retained: 1, Warn: func(string) {}}, next: 1, requests: make(chan savepointRequest)}
	j.out = m.out
	var info CheckpointInfo
	b.Run("checkpoint", func(b *testing.B) {
		for b.Loop() {
			if info, err = j.checkpoint("checkpoint", ""); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(info.Bytes)/1e6, "MB")
	})
	b.Run("restore", func(b *testing.B) {
		for b.Loop() {
			f, err := readCheckpoint(filepath.Join(dir, checkpointName(info.ID)))
			if err != nil {
				b.Fatal(err)
			}
			fresh, err := s.buildJobTo(m.plan, m.out, false, nil)
			if err != nil {
				b.Fatal(err)
			}
			fresh.ckpt = &checkpointer{cfg: CheckpointConfig{Warn: func(string) {}}}
			if err := fresh.restoreFrom(f); err != nil {
				b.Fatal(err)
			}
			fresh.close()
		}
	})
}

// BenchmarkKafkaWindowCheckpoints runs the Kafka -> tumbling window -> exactly-once Kafka
// job of the jobs issue over 1,000,000 records, without checkpoints (the sink commits every
// 5 s) and with checkpoints every second and every 200 ms, and reports records per second.
func BenchmarkKafkaWindowCheckpoints(b *testing.B) {
	addr := testpeer.StartKafka(b, 4, "bids", "counts")
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		b.Fatal(err)
	}
	const n = 1_000_000
	ts := int64(1_700_000_000_000)
	for i := 0; i < n; i++ {
		ts += int64(i % 3)
		cl.Produce(context.Background(), &kgo.Record{Topic: "bids", Partition: int32(i % 4),
			Value: fmt.Appendf(nil, `{"auction":%d,"price":%d,"ts":%d}`, i%10000, i%997, ts)}, func(_ *kgo.Record, err error) {
			if err != nil {
				b.Error(err)
			}
		})
	}
	if err := cl.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	cl.Close()
	for _, mode := range []struct{ name, set string }{
		{"checkpoints=off", ""},
		{"checkpoints=1s", "SET 'execution.checkpointing.interval' = '1 s';"},
		{"checkpoints=200ms", "SET 'execution.checkpointing.interval' = '200 ms';"},
	} {
		b.Run(mode.name, func(b *testing.B) {
			run := 0
			for b.Loop() {
				run++
				s := NewSession()
				s.Stdout, s.Stderr = &bytes.Buffer{}, &bytes.Buffer{}
				if mode.set != "" {
					s.Checkpoints.StateDir = b.TempDir()
				}
				var job *Job
				s.JobStarted = func(j *Job) { job = j }
				script := fmt.Sprintf(`
CREATE TABLE bids (auction BIGINT, price BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)
WITH ('connector' = 'kafka', 'topic' = 'bids', 'properties.bootstrap.servers' = '%[1]s',
      'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'format' = 'json');
CREATE TABLE counts (window_start TIMESTAMP(3), auction BIGINT, n BIGINT, total BIGINT)
WITH ('connector' = 'kafka', 'topic' = 'counts', 'properties.bootstrap.servers' = '%[1]s', 'format' = 'json',
      'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = 'bench-%[2]s-%[3]d');
%[4]s
INSERT INTO counts SELECT window_start, auction, COUNT(*), SUM(price)
FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end, auction;
`, addr, mode.name[len("checkpoints="):], run, mode.set)
				if err := s.RunScript(context.Background(), "bench.sql", script); err != nil {
					b.Fatal(err)
				}
				if mode.set != "" {
					st := job.CheckpointStats()
					b.ReportMetric(float64(st.Completed), "checkpoints/op")
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
