package engine

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddysql/eddy/internal/testpeer"
)

// testBid is one bid of the Kafka and Kinesis tests.
type testBid struct {
	auction int64
	price   float64
	ts      int64
}

// kinesisBids makes n bids whose timestamps are at most 2 s out of order (within the
// 5 s watermark delay, so none is late), as JSON records keyed by auction.
func kinesisBids(rng *rand.Rand, n int, cur int64) ([]testBid, []testpeer.KinesisRecord, int64) {
	var bids []testBid
	var recs []testpeer.KinesisRecord
	for i := 0; i < n; i++ {
		cur += rng.Int64N(40)
		b := testBid{auction: 1 + rng.Int64N(12), price: float64(rng.Int64N(10000)) / 100, ts: cur - rng.Int64N(2000)}
		bids = append(bids, b)
		recs = append(recs, testpeer.KinesisRecord{Key: fmt.Sprint(b.auction),
			Data: fmt.Appendf(nil, `{"auction":%d,"price":%.2f,"ts":%d}`, b.auction, b.price, b.ts)})
	}
	return bids, recs, cur
}

// windowCounts is the batch answer of the Kafka and Kinesis tests' query: per 10 s window and auction, the
// count and the top price, as "window_start auction n top" lines, sorted.
func windowCounts(bids []testBid) []string {
	type key struct{ ws, auction int64 }
	type agg struct {
		n   int64
		top float64
	}
	m := map[key]*agg{}
	for _, b := range bids {
		k := key{b.ts - b.ts%10_000, b.auction}
		a := m[k]
		if a == nil {
			a = &agg{top: b.price}
			m[k] = a
		}
		a.n++
		a.top = max(a.top, b.price)
	}
	var out []string
	for k, a := range m {
		out = append(out, fmt.Sprintf("%s %d %d %.2f", time.UnixMilli(k.ws).UTC().Format("2006-01-02 15:04:05.000"), k.auction, a.n, a.top))
	}
	sort.Strings(out)
	return out
}

type windowRow struct {
	WindowStart string  `json:"window_start"`
	Auction     int64   `json:"auction"`
	N           int64   `json:"n"`
	Top         float64 `json:"top"`
}

func (r windowRow) String() string {
	return fmt.Sprintf("%s %d %d %.2f", r.WindowStart, r.Auction, r.N, r.Top)
}

// kinesisTable is the WITH clause of a test table on kinesalite.
func kinesisTable(endpoint, stream string, extra string) string {
	return fmt.Sprintf(`'connector' = 'kinesis', 'stream' = '%s', 'aws.region' = 'us-east-1', 'aws.endpoint' = '%s',
      'aws.credentials.provider' = 'BASIC', 'aws.credentials.basic.accesskeyid' = 'x', 'aws.credentials.basic.secretkey' = 'y',
      'format' = 'json'%s`, stream, endpoint, extra)
}

// TestKinesisWindowedSplitToSink is the user path: bids, with a few malformed
// records, are put into a 2-shard stream whose shard 1 is split half-way; a bounded
// windowed INSERT INTO a Kinesis sink stream runs; every record read back from the sink
// stream matches a batch computation of the query, and the malformed records are counted
// per shard, not fatal.
func TestKinesisWindowedSplitToSink(t *testing.T) {
	ep := testpeer.StartKinesalite(t)
	cl := testpeer.NewKinesisClient(ep)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	require.NoError(t, testpeer.CreateKinesisStream(ctx, cl, "bids", 2))
	require.NoError(t, testpeer.CreateKinesisStream(ctx, cl, "counts", 2))
	rng := rand.New(rand.NewPCG(8, 8))
	bids, recs, _ := kinesisBids(rng, 3000, diffBaseMs)
	for _, at := range []int{700, 2100} {
		recs = append(recs[:at], append([]testpeer.KinesisRecord{{Key: "7", Data: []byte(`{"auction":oops`)}}, recs[at:]...)...)
	}
	require.NoError(t, testpeer.PutKinesisRecords(ctx, cl, "bids", recs[:len(recs)/2]))
	require.NoError(t, testpeer.SplitKinesisShard(ctx, cl, "bids", "shardId-000000000001"))
	require.NoError(t, testpeer.PutKinesisRecords(ctx, cl, "bids", recs[len(recs)/2:]))

	var stdout bytes.Buffer
	stderr := &lockedBuffer{}
	s := NewSession()
	s.Stdout, s.Stderr = &stdout, stderr
	script := fmt.Sprintf(`
CREATE TABLE bids (auction BIGINT, price DOUBLE, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH (%s);
CREATE TABLE counts (window_start TIMESTAMP(3), auction BIGINT, n BIGINT, top DOUBLE, PRIMARY KEY (auction) NOT ENFORCED)
WITH (%s);
INSERT INTO counts
SELECT window_start, auction, COUNT(*), MAX(price)
FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, auction;
`, kinesisTable(ep, "bids", `, 'scan.stream.initpos' = 'TRIM_HORIZON', 'scan.bounded.mode' = 'latest'`), kinesisTable(ep, "counts", ""))
	start := time.Now()
	require.NoError(t, s.RunScript(ctx, "job.sql", script), stderr.String())
	t.Logf("job: %v; stderr:\n%s", time.Since(start), stderr.String())
	require.Contains(t, stderr.String(), "bids/shardId-", "bad records name stream/shard/sequence")
	require.Contains(t, stderr.String(), "2 bad record", stderr.String())

	out, err := testpeer.ReadKinesisStream(ctx, cl, "counts")
	require.NoError(t, err)
	var got []string
	for _, r := range out {
		var w windowRow
		require.NoError(t, json.Unmarshal(r.Data, &w), string(r.Data))
		require.Equal(t, fmt.Sprint(w.Auction), r.Key, "keyed by the PRIMARY KEY")
		got = append(got, w.String())
	}
	sort.Strings(got)
	require.Equal(t, strings.Join(windowCounts(bids), "\n"), strings.Join(got, "\n"))
	t.Logf("%d window rows read back", len(got))
}

// TestKinesisSplitDuringWindowedRead: a windowed SELECT reads a 2-shard stream while shard 1
// is split and more bids follow; shard 0 runs ahead in event time before the split; late
// sentinel records on every shard then move the watermark past all bids. The windows printed equal the batch computation: the children
// were read after their parent, and the parent's end did not let the watermark run ahead
// of them (no record was late).
func TestKinesisSplitDuringWindowedRead(t *testing.T) {
	ep := testpeer.StartKinesalite(t)
	cl := testpeer.NewKinesisClient(ep)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	require.NoError(t, testpeer.CreateKinesisStream(ctx, cl, "bids", 2))
	rng := rand.New(rand.NewPCG(9, 9))
	bids, recs, cur := kinesisBids(rng, 2000, diffBaseMs)
	// Shard 0 runs 30 s ahead in event time before the split: if the parent's end let the
	// watermark jump to shard 0's, the children's bids would be late.
	var ahead []testpeer.KinesisRecord
	mid := bids[999].ts
	for i := 0; i < 200; i++ {
		a := int64(1 + i%12)
		if sum := md5.Sum([]byte(fmt.Sprint(a))); sum[0] >= 0x80 {
			continue // hashes to shard 1
		}
		b := testBid{auction: a, price: float64(i), ts: mid + 30_000 + int64(i)*10}
		bids = append(bids, b)
		ahead = append(ahead, testpeer.KinesisRecord{Key: fmt.Sprint(a), Data: fmt.Appendf(nil, `{"auction":%d,"price":%.2f,"ts":%d}`, a, b.price, b.ts)})
	}
	first := append(append([]testpeer.KinesisRecord{}, recs[:1000]...), ahead...)
	require.NoError(t, testpeer.PutKinesisRecords(ctx, cl, "bids", first))
	for _, r := range first[1000:] {
		require.Equal(t, "shardId-000000000000", r.Shard)
	}

	stdout, stderr := &lockedBuffer{}, &lockedBuffer{}
	s := NewSession()
	s.Stdout, s.Stderr = stdout, stderr
	script := fmt.Sprintf(`
CREATE TABLE bids (auction BIGINT, price DOUBLE, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH (%s);
SELECT window_start, auction, COUNT(*) AS n, MAX(price) AS top
FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))
WHERE auction > 0
GROUP BY window_start, window_end, auction;
`, kinesisTable(ep, "bids", `, 'scan.stream.initpos' = 'TRIM_HORIZON', 'scan.shard.discovery.intervalmillis' = '300',
      'scan.shard.getrecords.intervalmillis' = '50', 'scan.shard.getrecords.maxrecordcount' = '200'`))
	jctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.RunScript(jctx, "job.sql", script) }()
	want := windowCounts(bids)
	// The split comes while the job reads the first half.
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, testpeer.SplitKinesisShard(ctx, cl, "bids", "shardId-000000000001"))
	require.NoError(t, testpeer.PutKinesisRecords(ctx, cl, "bids", recs[1000:]))
	var sentinels []testpeer.KinesisRecord
	for k := 0; k < 60; k++ { // keys on every shard
		sentinels = append(sentinels, testpeer.KinesisRecord{Key: fmt.Sprint("s", k), Data: fmt.Appendf(nil, `{"auction":0,"price":0,"ts":%d}`, max(cur, mid+40_000)+60_000)})
	}
	require.NoError(t, testpeer.PutKinesisRecords(ctx, cl, "bids", sentinels))
	lines := func() []string {
		var out []string
		for _, l := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
			if l == "" {
				continue
			}
			var w windowRow
			require.NoError(t, json.Unmarshal([]byte(l), &w), l)
			out = append(out, w.String())
		}
		sort.Strings(out)
		return out
	}
	deadline := time.Now().Add(90 * time.Second)
	for len(lines()) < len(want) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	stop()
	<-done
	require.Equal(t, strings.Join(want, "\n"), strings.Join(lines(), "\n"), stderr.String())
	require.NotContains(t, stderr.String(), "late", "no record was late")
}

// TestKinesisMetadataSQL: METADATA columns through SQL, and a Flink-named one.
func TestKinesisMetadataSQL(t *testing.T) {
	ep := testpeer.StartKinesalite(t)
	cl := testpeer.NewKinesisClient(ep)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, testpeer.CreateKinesisStream(ctx, cl, "bids", 1))
	recs := []testpeer.KinesisRecord{{Key: "k1", Data: []byte(`{"auction":1,"price":1.5,"ts":1}`)}, {Key: "k2", Data: []byte(`{"auction":2,"price":2.5,"ts":2}`)}}
	require.NoError(t, testpeer.PutKinesisRecords(ctx, cl, "bids", recs))
	var stdout bytes.Buffer
	stderr := &lockedBuffer{}
	s := NewSession()
	s.Stdout, s.Stderr = &stdout, stderr
	script := fmt.Sprintf(`
CREATE TABLE bids (auction BIGINT, shard_id STRING METADATA VIRTUAL, sequence_number STRING METADATA VIRTUAL,
  partition_key STRING METADATA, arrival TIMESTAMP_LTZ(3) METADATA FROM 'approximate_arrival_timestamp' VIRTUAL,
  seq2 STRING METADATA FROM 'sequence-number')
WITH (%s);
SELECT auction, shard_id, sequence_number, partition_key, arrival IS NOT NULL AS has_arrival, seq2 = sequence_number AS same FROM bids;
`, kinesisTable(ep, "bids", `, 'scan.stream.initpos' = 'TRIM_HORIZON', 'scan.bounded.mode' = 'latest'`))
	require.NoError(t, s.RunScript(ctx, "job.sql", script), stderr.String())
	want := fmt.Sprintf(`{"auction":1,"shard_id":"shardId-000000000000","sequence_number":"%s","partition_key":"k1","has_arrival":true,"same":true}
{"auction":2,"shard_id":"shardId-000000000000","sequence_number":"%s","partition_key":"k2","has_arrival":true,"same":true}
`, recs[0].Seq, recs[1].Seq)
	require.Equal(t, want, stdout.String())
}

// TestKinesisCheckpointRestore reads a 2-shard stream whose shard 1 was split, stops the job
// gracefully half-way (its final checkpoint holds each shard's sequence number), restores it
// and reads on: the windows of both runs together equal the batch computation, none twice.
func TestKinesisCheckpointRestore(t *testing.T) {
	ep := testpeer.StartKinesalite(t)
	cl := testpeer.NewKinesisClient(ep)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	require.NoError(t, testpeer.CreateKinesisStream(ctx, cl, "bids", 2))
	rng := rand.New(rand.NewPCG(9, 9))
	bids, recs, _ := kinesisBids(rng, 3000, diffBaseMs)
	require.NoError(t, testpeer.PutKinesisRecords(ctx, cl, "bids", recs[:len(recs)/2]))
	require.NoError(t, testpeer.SplitKinesisShard(ctx, cl, "bids", "shardId-000000000001"))
	require.NoError(t, testpeer.PutKinesisRecords(ctx, cl, "bids", recs[len(recs)/2:]))
	script := fmt.Sprintf(`
CREATE TABLE bids (auction BIGINT, price DOUBLE, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH (%s);
SET 'execution.checkpointing.interval' = '100 ms';
SELECT window_start, auction, COUNT(*) AS n, MAX(price) AS top
FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, auction;
`, kinesisTable(ep, "bids", `, 'scan.stream.initpos' = 'TRIM_HORIZON', 'scan.bounded.mode' = 'latest',
      'scan.shard.getrecords.maxrecordcount' = '100', 'scan.shard.getrecords.intervalmillis' = '50'`))
	state := t.TempDir()
	run := func(ctx context.Context, restore string) ([]string, error) {
		var stdout bytes.Buffer
		s := NewSession()
		s.Stdout, s.Stderr = &stdout, &lockedBuffer{}
		s.Checkpoints = CheckpointOptions{StateDir: state, Restore: restore}
		err := s.RunScript(ctx, "job.sql", script)
		var rows []string
		for _, l := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
			if l == "" {
				continue
			}
			var w windowRow
			require.NoError(t, json.Unmarshal([]byte(l), &w), l)
			rows = append(rows, w.String())
		}
		return rows, err
	}
	first, firstCancel := context.WithTimeout(ctx, 700*time.Millisecond)
	part1, err := run(first, "")
	firstCancel()
	require.True(t, stoppedByContext(err), "the first run must stop half-way: %v", err)
	part2, err := run(ctx, state)
	require.NoError(t, err)
	got := append(part1, part2...)
	sort.Strings(got)
	require.Equal(t, strings.Join(windowCounts(bids), "\n"), strings.Join(got, "\n"))
	t.Logf("%d windows before the stop, %d after the restore", len(part1), len(part2))
}
