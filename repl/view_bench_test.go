package repl

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/exec"
)

// updateBatches is a changelog that can be applied in a loop forever: keys k0..k(keys-1)
// start at 0 (the first batch inserts them); phase A moves every key from 0 to 1 (-U, +U),
// phase B back, each phase in batches of size rows. So the materialized table stays at
// keys rows, as a GROUP BY's would.
func updateBatches(b *testing.B, keys, size int) (inserts []kvBatchKinds, loop []kvBatchKinds) {
	mem := checkedMem(b)
	var rows []kv
	for k := 0; k < keys; k++ {
		rows = append(rows, kv{exec.Insert, fmt.Sprintf("k%d", k), 0})
	}
	inserts = append(inserts, makeKV(mem, rows))
	for _, from := range []int64{0, 1} {
		rows = rows[:0]
		for k := 0; k < keys; k++ {
			key := fmt.Sprintf("k%d", k)
			rows = append(rows, kv{exec.UpdateBefore, key, from}, kv{exec.UpdateAfter, key, 1 - from})
			if len(rows) == size {
				loop = append(loop, makeKV(mem, rows))
				rows = rows[:0]
			}
		}
		if len(rows) > 0 {
			loop = append(loop, makeKV(mem, rows))
		}
	}
	b.Cleanup(func() {
		for _, x := range append(inserts, loop...) {
			x.b.Release()
		}
	})
	return inserts, loop
}

type kvBatchKinds struct {
	b     arrow.RecordBatch
	kinds []exec.RowKind
}

func makeKV(mem memory.Allocator, rows []kv) kvBatchKinds {
	b, kinds := kvBatch(mem, rows...)
	return kvBatchKinds{b, kinds}
}

// BenchmarkLiveView measures how many result changes a live view takes per second on a
// terminal (drawn to io.Discard by its 100 ms ticker, with a 120x40 screen): the
// changelog of a GROUP BY over 10,000 keys, in batches of 1,024 changes.
func BenchmarkLiveView(b *testing.B) {
	for _, mode := range []ResultMode{ModeTable, ModeChangelog, ModeTableau} {
		b.Run(string(mode), func(b *testing.B) {
			inserts, loop := updateBatches(b, 10000, 1024)
			v := newLiveView(mode, io.Discard, true, func() (int, int) { return 120, 40 })
			v.Start(engine.LiveQuery{Schema: kvSchema, Updating: true, Stats: &engine.Stats{}})
			for _, x := range inserts {
				v.Write(x.b, x.kinds)
			}
			changes := 0
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				x := loop[i%len(loop)]
				if err := v.Write(x.b, x.kinds); err != nil {
					b.Fatal(err)
				}
				changes += int(x.b.NumRows())
			}
			elapsed := time.Since(start)
			b.StopTimer()
			v.Close()
			b.ReportMetric(float64(changes)/elapsed.Seconds(), "changes/s")
			b.ReportMetric(float64(elapsed.Nanoseconds())/float64(changes), "ns/change")
		})
	}
}

// BenchmarkLiveQuery runs a real updating query (a GROUP BY over 1,000 keys of 1,000,000
// generated rows, batch size 1,024, so about 2,000,000 changes) into a terminal live view
// drawn to io.Discard, against the same query with its rows counted and dropped: the
// difference is what rendering costs the query.
func BenchmarkLiveQuery(b *testing.B) {
	const script = `CREATE TABLE gen (k INT, v BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '0',
  'number-of-rows' = '1000000', 'fields.k.min' = '1', 'fields.k.max' = '1000', 'seed' = '1');
SET 'eddy.batch-size' = '1024';`
	const query = `SELECT k, COUNT(*) AS n, SUM(v) AS s FROM gen GROUP BY k;`
	for _, mode := range []ResultMode{"none", ModeTable, ModeChangelog, ModeTableau} {
		b.Run(string(mode), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sess := engine.NewSession()
				sess.Stdout, sess.Stderr = io.Discard, io.Discard
				sess.Format = engine.FormatNone
				if err := sess.RunScript(context.Background(), "", script); err != nil {
					b.Fatal(err)
				}
				var stats *engine.Stats
				if mode != "none" {
					v := newLiveView(mode, io.Discard, true, func() (int, int) { return 120, 40 })
					sess.Live = &statsTap{LiveView: v, stats: &stats}
				}
				start := time.Now()
				if err := sess.RunScript(context.Background(), "", query); err != nil {
					b.Fatal(err)
				}
				if stats != nil {
					b.ReportMetric(float64(stats.RecordsOut.Load())/time.Since(start).Seconds(), "changes/s")
				}
			}
		})
	}
}

// statsTap keeps the job's counters of the query a view shows.
type statsTap struct {
	engine.LiveView
	stats **engine.Stats
}

func (s *statsTap) Start(q engine.LiveQuery) {
	*s.stats = q.Stats
	s.LiveView.Start(q)
}
