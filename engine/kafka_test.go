package engine

import (
	"bytes"
	"context"
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

// TestKafkaWindowedExactlyOnce is the user path: kcat produces out-of-order bids,
// with a few malformed lines, into a 4-partition topic; a bounded windowed INSERT INTO an
// exactly-once Kafka topic runs; a read_committed kcat consumer reads exactly the rows a
// batch computation gives, and the malformed lines are counted, not fatal.
func TestKafkaWindowedExactlyOnce(t *testing.T) {
	for _, keyed := range []bool{true, false} {
		t.Run(fmt.Sprintf("keyed=%v", keyed), func(t *testing.T) { testKafkaWindowed(t, keyed) })
	}
}

func testKafkaWindowed(t *testing.T, keyed bool) {
	addr := testpeer.StartKafka(t, 4, "bids", "counts")
	rng := rand.New(rand.NewPCG(7, 7))
	var bids []testBid
	var lines []string
	cur := diffBaseMs
	for i := 0; i < 2000; i++ {
		cur += rng.Int64N(50)
		b := testBid{auction: 1 + rng.Int64N(8), price: float64(rng.Int64N(10000)) / 100, ts: cur - rng.Int64N(2000)}
		bids = append(bids, b)
		// Keyed by auction, a partition holds whole auctions; unkeyed, kcat spreads records
		// over the partitions. Either way each partition keeps production order.
		line := fmt.Sprintf("{\"auction\":%d,\"price\":%.2f,\"ts\":%d}", b.auction, b.price, b.ts)
		bad := fmt.Sprintf("{\"auction\":oops%d", i)
		if keyed {
			line = fmt.Sprintf("%d\t%s", b.auction, line)
			bad = fmt.Sprintf("%d\t%s", b.auction, bad)
		}
		lines = append(lines, line)
		if i%500 == 250 {
			lines = append(lines, bad)
		}
	}
	testpeer.KcatProduce(t, addr, "bids", lines, keyed)

	var stdout bytes.Buffer
	stderr := &lockedBuffer{}
	s := NewSession()
	s.Stdout, s.Stderr = &stdout, stderr
	script := fmt.Sprintf(`
CREATE TABLE bids (auction BIGINT, price DOUBLE, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'kafka', 'topic' = 'bids', 'properties.bootstrap.servers' = '%[1]s',
      'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'format' = 'json');
CREATE TABLE counts (window_start TIMESTAMP(3), auction BIGINT, n BIGINT, top DOUBLE)
WITH ('connector' = 'kafka', 'topic' = 'counts', 'properties.bootstrap.servers' = '%[1]s', 'format' = 'json',
      'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = 'eddy-test');
INSERT INTO counts
SELECT window_start, auction, COUNT(*), MAX(price)
FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, auction;
`, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	require.NoError(t, s.RunScript(ctx, "job.sql", script), stderr.String())
	require.Contains(t, stderr.String(), "bids/", "bad records name topic/partition/offset")
	require.Contains(t, stderr.String(), "4 bad record", stderr.String())

	// The batch answer: every bid is within 2 s of its partition's order, under the 5 s delay,
	// so none is late.
	wantLines := windowCounts(bids)
	var gotLines []string
	for _, l := range testpeer.KcatConsume(t, addr, "counts", true) {
		var r windowRow
		require.NoError(t, json.Unmarshal([]byte(l), &r), l)
		gotLines = append(gotLines, r.String())
	}
	sort.Strings(gotLines)
	require.NotEmpty(t, gotLines)
	require.Equal(t, strings.Join(wantLines, "\n"), strings.Join(gotLines, "\n"))
	t.Logf("%d window rows read back; stderr:\n%s", len(gotLines), stderr.String())
}

// TestKafkaMetadataAndUpsert reads METADATA columns and writes an updating result to an
// upsert-kafka topic; applying the topic by key (last value wins, tombstones delete) gives
// the batch answer.
func TestKafkaMetadataAndUpsert(t *testing.T) {
	addr := testpeer.StartKafka(t, 4, "clicks", "per_user")
	var lines []string
	want := map[int64]int64{}
	for i := 0; i < 300; i++ {
		user := int64(i % 7)
		lines = append(lines, fmt.Sprintf("u%d\t{\"user_id\":%d,\"url\":\"/p%d\"}", user, user, i%5))
		want[user]++
	}
	testpeer.KcatProduce(t, addr, "clicks", lines, true)
	var stdout bytes.Buffer
	s := NewSession()
	s.Stdout, s.Stderr = &stdout, &lockedBuffer{}
	script := fmt.Sprintf(`
CREATE TABLE clicks (user_id BIGINT, url STRING, part INT METADATA FROM 'partition' VIRTUAL,
  off BIGINT METADATA FROM 'offset' VIRTUAL, k STRING METADATA FROM 'key' VIRTUAL, topic STRING METADATA VIRTUAL)
WITH ('connector' = 'kafka', 'topic' = 'clicks', 'properties.bootstrap.servers' = '%[1]s',
      'scan.bounded.mode' = 'latest-offset', 'format' = 'json');
CREATE TABLE per_user (user_id BIGINT, clicks BIGINT, PRIMARY KEY (user_id) NOT ENFORCED)
WITH ('connector' = 'upsert-kafka', 'topic' = 'per_user', 'properties.bootstrap.servers' = '%[1]s', 'value.format' = 'json');
INSERT INTO per_user SELECT user_id, COUNT(*) FROM clicks GROUP BY user_id;
SELECT COUNT(*) AS n, COUNT(DISTINCT part) AS parts, MIN(off) AS min_off, MIN(topic) AS topic FROM clicks WHERE k = CONCAT('u', CAST(user_id AS STRING));
`, addr)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, s.RunScript(ctx, "job.sql", script))
	out := strings.TrimSpace(stdout.String())
	lastLine := out[strings.LastIndex(out, "\n")+1:]
	require.Contains(t, lastLine, `"n":300`, out)
	require.Contains(t, lastLine, `"min_off":0,"topic":"clicks"`, out)

	got := map[int64]int64{}
	for _, l := range testpeer.KcatConsume(t, addr, "per_user", false) {
		var r struct {
			UserID int64 `json:"user_id"`
			Clicks int64 `json:"clicks"`
		}
		require.NoError(t, json.Unmarshal([]byte(l), &r), l)
		got[r.UserID] = r.Clicks // the last value of a key wins
	}
	require.Equal(t, want, got)
}

// TestKafkaKeyFields reads columns from the record key ('key.fields' with
// 'value.fields-include' = 'EXCEPT_KEY'); a record whose key does not decode is a bad record.
func TestKafkaKeyFields(t *testing.T) {
	addr := testpeer.StartKafka(t, 2, "orders")
	testpeer.KcatProduce(t, addr, "orders", []string{
		"{\"order_id\":1}\t{\"amount\":9.5}",
		"{\"order_id\":2}\t{\"amount\":1.25}",
		"not json\t{\"amount\":3}",
		"{\"order_id\":1}\t{\"amount\":0.5}",
	}, true)
	var stdout bytes.Buffer
	stderr := &lockedBuffer{}
	s := NewSession()
	s.Stdout, s.Stderr = &stdout, stderr
	script := fmt.Sprintf(`
CREATE TABLE orders (order_id BIGINT, amount DOUBLE)
WITH ('connector' = 'kafka', 'topic' = 'orders', 'properties.bootstrap.servers' = '%s', 'scan.bounded.mode' = 'latest-offset',
      'key.format' = 'json', 'key.fields' = 'order_id', 'value.format' = 'json', 'value.fields-include' = 'EXCEPT_KEY');
SELECT order_id, SUM(amount) AS total FROM orders GROUP BY order_id;
`, addr)
	s.Format = FormatTable
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, s.RunScript(ctx, "job.sql", script))
	out := stdout.String()
	require.Contains(t, out, "|                    1 |                   10 |", out)
	require.Contains(t, out, "|                    2 |                 1.25 |", out)
	require.Contains(t, out, "2 row(s) in result", out)
	require.Contains(t, stderr.String(), "key: ", stderr.String())
}

// TestKafkaExactlyOnceCommitsSourceOffsets: an exactly-once sink commits the consumer
// group's offsets of a bounded Kafka source in its last transaction, so running the job
// again reads only what arrived since, and the output holds every input record once.
func TestKafkaExactlyOnceCommitsSourceOffsets(t *testing.T) {
	addr := testpeer.StartKafka(t, 4, "in", "out")
	produce := func(from, to int) {
		var lines []string
		for i := from; i < to; i++ {
			lines = append(lines, fmt.Sprintf("{\"id\":%d}", i))
		}
		testpeer.KcatProduce(t, addr, "in", lines, false)
	}
	run := func() {
		s := NewSession()
		s.Stdout, s.Stderr = &bytes.Buffer{}, &lockedBuffer{}
		script := fmt.Sprintf(`
CREATE TABLE src (id BIGINT) WITH ('connector' = 'kafka', 'topic' = 'in', 'properties.bootstrap.servers' = '%[1]s',
  'properties.group.id' = 'copy-job', 'properties.auto.offset.reset' = 'earliest', 'scan.bounded.mode' = 'latest-offset', 'format' = 'json');
CREATE TABLE dst (id BIGINT) WITH ('connector' = 'kafka', 'topic' = 'out', 'properties.bootstrap.servers' = '%[1]s', 'format' = 'json',
  'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = 'copy-job');
INSERT INTO dst SELECT id FROM src;
`, addr)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		require.NoError(t, s.RunScript(ctx, "job.sql", script))
	}
	produce(0, 100)
	run()
	require.Len(t, testpeer.KcatConsume(t, addr, "out", true), 100)
	produce(100, 150)
	run()
	got := testpeer.KcatConsume(t, addr, "out", true)
	seen := map[string]int{}
	for _, l := range got {
		seen[l]++
	}
	require.Len(t, got, 150, "the second run read only the 50 new records")
	require.Len(t, seen, 150, "no record twice")
}

// TestKafkaFailOnBadRecord: with 'format.on-error' = 'fail' a bad record stops the job with
// its topic/partition/offset.
func TestKafkaFailOnBadRecord(t *testing.T) {
	addr := testpeer.StartKafka(t, 1, "in")
	testpeer.KcatProduce(t, addr, "in", []string{`{"id":1}`, `{"id":`, `{"id":3}`}, false)
	s := NewSession()
	s.Stdout, s.Stderr = &bytes.Buffer{}, &lockedBuffer{}
	script := fmt.Sprintf(`
CREATE TABLE src (id BIGINT) WITH ('connector' = 'kafka', 'topic' = 'in', 'properties.bootstrap.servers' = '%s',
  'scan.bounded.mode' = 'latest-offset', 'format' = 'json', 'format.on-error' = 'fail');
SELECT * FROM src;
`, addr)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := s.RunScript(ctx, "job.sql", script)
	require.Error(t, err)
	require.Contains(t, err.Error(), "bad record at in/0/1")
}
