package kafka

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/eddysql/eddy/internal/testpeer"
)

// config parses options for a cluster at addr.
func config(t testing.TB, addr string, kv ...string) *Config {
	t.Helper()
	o := map[string]string{"properties.bootstrap.servers": addr}
	for i := 0; i+1 < len(kv); i += 2 {
		o[kv[i]] = kv[i+1]
	}
	c, err := ParseConfig(o)
	require.NoError(t, err)
	return c
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// produce writes records to their set partitions with a plain franz-go client.
func produce(t testing.TB, addr string, recs ...*kgo.Record) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	require.NoError(t, err)
	defer cl.Close()
	require.NoError(t, cl.ProduceSync(testCtx(t), recs...).FirstErr())
}

var base = time.UnixMilli(1_700_000_000_000)

// seed writes 10 records to each of topic's 4 partitions: partition p, offset i has value
// "p<p>-<i>" and timestamp base + i seconds.
func seed(t testing.TB, addr, topic string) {
	t.Helper()
	var recs []*kgo.Record
	for p := int32(0); p < 4; p++ {
		for i := 0; i < 10; i++ {
			recs = append(recs, &kgo.Record{Topic: topic, Partition: p, Timestamp: base.Add(time.Duration(i) * time.Second),
				Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte(fmt.Sprintf("p%d-%d", p, i)),
				Headers: []kgo.RecordHeader{{Key: "h", Value: []byte("v")}}})
		}
	}
	produce(t, addr, recs...)
}

func newReader(t testing.TB, cfg *Config) *Reader {
	t.Helper()
	r, err := NewReader(testCtx(t), cfg)
	require.NoError(t, err)
	t.Cleanup(r.Close)
	return r
}

// readAll polls a bounded reader until Done and returns the offsets read per partition,
// checking that records come grouped by partition in offset order with their fields.
func readAll(t testing.TB, r *Reader) map[int32][]int64 {
	t.Helper()
	ctx := testCtx(t)
	out := map[int32][]int64{}
	for !r.Done() {
		f, err := r.Poll(ctx)
		require.NoError(t, err)
		for _, pr := range f.Partitions {
			for i, rec := range pr.Records {
				require.Equal(t, pr.Topic, rec.Topic)
				require.Equal(t, pr.Partition, rec.Partition)
				if i > 0 {
					require.Greater(t, rec.Offset, pr.Records[i-1].Offset)
				}
				out[pr.Partition] = append(out[pr.Partition], rec.Offset)
			}
		}
	}
	f, err := r.Poll(ctx)
	require.NoError(t, err)
	require.Zero(t, f.NumRecords(), "a done reader returns nothing")
	return out
}

func span(from, to int64) []int64 {
	var out []int64
	for o := from; o < to; o++ {
		out = append(out, o)
	}
	return out
}

// TestStartupModes: each 'scan.startup.mode' starts each of 4 partitions where it should
// (bounded by latest-offset so that the read ends), and CommitOffsets writes what
// group-offsets reads.
func TestStartupModes(t *testing.T) {
	addr := testpeer.StartKafka(t, 4, "t")
	seed(t, addr, "t")

	// Commit offsets p+1 for group g through a Reader.
	committer := newReader(t, config(t, addr, "topic", "t", "properties.group.id", "g", "scan.startup.mode", "earliest-offset"))
	require.NoError(t, committer.CommitOffsets(testCtx(t), map[TopicPartition]int64{{"t", 0}: 1, {"t", 1}: 2, {"t", 2}: 3, {"t", 3}: 4}))
	assert.Equal(t, []TopicPartition{{"t", 0}, {"t", 1}, {"t", 2}, {"t", 3}}, committer.Partitions())

	cases := []struct {
		name string
		opts []string
		want map[int32][]int64
	}{
		{"earliest", []string{"scan.startup.mode", "earliest-offset"},
			map[int32][]int64{0: span(0, 10), 1: span(0, 10), 2: span(0, 10), 3: span(0, 10)}},
		{"group", []string{"scan.startup.mode", "group-offsets", "properties.group.id", "g"},
			map[int32][]int64{0: span(1, 10), 1: span(2, 10), 2: span(3, 10), 3: span(4, 10)}},
		{"timestamp", []string{"scan.startup.mode", "timestamp", "scan.startup.timestamp-millis", fmt.Sprint(base.UnixMilli() + 6500)},
			map[int32][]int64{0: span(7, 10), 1: span(7, 10), 2: span(7, 10), 3: span(7, 10)}},
		{"specific", []string{"scan.startup.mode", "specific-offsets", "scan.startup.specific-offsets", "partition:0,offset:3;partition:2,offset:8"},
			map[int32][]int64{0: span(3, 10), 1: span(0, 10), 2: span(8, 10), 3: span(0, 10)}},
		{"specific with group fallback", []string{"scan.startup.mode", "specific-offsets", "scan.startup.specific-offsets", "partition:0,offset:9", "properties.group.id", "g"},
			map[int32][]int64{0: {9}, 1: span(2, 10), 2: span(3, 10), 3: span(4, 10)}},
		{"group without commits, reset earliest", []string{"scan.startup.mode", "group-offsets", "properties.group.id", "fresh", "properties.auto.offset.reset", "earliest"},
			map[int32][]int64{0: span(0, 10), 1: span(0, 10), 2: span(0, 10), 3: span(0, 10)}},
		{"group without commits, reset latest", []string{"scan.startup.mode", "group-offsets", "properties.group.id", "fresh", "properties.auto.offset.reset", "latest"},
			map[int32][]int64{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newReader(t, config(t, addr, append([]string{"topic", "t", "scan.bounded.mode", "latest-offset"}, tc.opts...)...))
			got := readAll(t, r)
			assert.Equal(t, tc.want, got)
			for tp, o := range r.Offsets() {
				assert.Equal(t, int64(10), o, tp.String())
			}
		})
	}

	t.Run("group without commits and no reset", func(t *testing.T) {
		_, err := NewReader(testCtx(t), config(t, addr, "topic", "t", "scan.startup.mode", "group-offsets", "properties.group.id", "fresh"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "kafka: group 'fresh' has no committed offset for t/0, t/1, t/2, t/3; set 'properties.auto.offset.reset'")
	})
	t.Run("specific offset for a missing partition", func(t *testing.T) {
		_, err := NewReader(testCtx(t), config(t, addr, "topic", "t", "scan.startup.mode", "specific-offsets", "scan.startup.specific-offsets", "partition:7,offset:0"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "names partition 7, but topic 't' has partitions 0 to 3")
	})

	// latest-offset, unbounded: only records produced after the start are read.
	t.Run("latest", func(t *testing.T) {
		r := newReader(t, config(t, addr, "topic", "t", "scan.startup.mode", "latest-offset"))
		for tp, o := range r.StartOffsets() {
			assert.Equal(t, int64(10), o, tp.String())
		}
		assert.Nil(t, r.EndOffsets())
		produce(t, addr, &kgo.Record{Topic: "t", Partition: 1, Value: []byte("new-1")}, &kgo.Record{Topic: "t", Partition: 3, Value: []byte("new-3")})
		var got []string
		ctx := testCtx(t)
		for len(got) < 2 {
			f, err := r.Poll(ctx)
			require.NoError(t, err)
			for _, pr := range f.Partitions {
				for _, rec := range pr.Records {
					got = append(got, fmt.Sprintf("%d/%d=%s", rec.Partition, rec.Offset, rec.Value))
				}
			}
		}
		sort.Strings(got)
		assert.Equal(t, []string{"1/10=new-1", "3/10=new-3"}, got)
		assert.False(t, r.Done(), "an unbounded reader is never done")
		short, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_, err := r.Poll(short)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

// TestBoundedModes: each 'scan.bounded.mode' resolves end offsets once at start and the
// reader ends there; records produced later are not read.
func TestBoundedModes(t *testing.T) {

	cases := []struct {
		name string
		opts []string
		want map[int32][]int64
	}{
		{"latest", []string{"scan.bounded.mode", "latest-offset"},
			map[int32][]int64{0: span(0, 10), 1: span(0, 10), 2: span(0, 10), 3: span(0, 10)}},
		{"group", []string{"scan.bounded.mode", "group-offsets", "properties.group.id", "g"},
			map[int32][]int64{0: {0}, 1: span(0, 2), 2: span(0, 3)}}, // partition 3 has no commit: empty
		{"timestamp", []string{"scan.bounded.mode", "timestamp", "scan.bounded.timestamp-millis", fmt.Sprint(base.UnixMilli() + 4000)},
			map[int32][]int64{0: span(0, 4), 1: span(0, 4), 2: span(0, 4), 3: span(0, 4)}},
		{"specific", []string{"scan.bounded.mode", "specific-offsets", "scan.bounded.specific-offsets", "partition:1,offset:3;partition:2,offset:0"},
			map[int32][]int64{0: span(0, 10), 1: span(0, 3), 3: span(0, 10)}},
		{"specific after start", []string{"scan.startup.mode", "specific-offsets", "scan.startup.specific-offsets", "partition:0,offset:5",
			"scan.bounded.mode", "specific-offsets", "scan.bounded.specific-offsets", "partition:0,offset:2;partition:1,offset:4"},
			map[int32][]int64{1: span(0, 4), 2: span(0, 10), 3: span(0, 10)}}, // partition 0: end before start, empty
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := testpeer.StartKafka(t, 4, "t")
			seed(t, addr, "t")
			committer := newReader(t, config(t, addr, "topic", "t", "properties.group.id", "g", "scan.startup.mode", "earliest-offset"))
			require.NoError(t, committer.CommitOffsets(testCtx(t), map[TopicPartition]int64{{"t", 0}: 1, {"t", 1}: 2, {"t", 2}: 3}))
			cfg := config(t, addr, append([]string{"topic", "t"}, tc.opts...)...)
			if cfg.StartupMode == StartGroupOffsets {
				cfg.StartupMode = StartEarliest
			}
			r := newReader(t, cfg)
			// Records produced after the start are beyond every end.
			produce(t, addr, &kgo.Record{Topic: "t", Partition: 0, Value: []byte("late")}, &kgo.Record{Topic: "t", Partition: 3, Value: []byte("late")})
			got := readAll(t, r)
			assert.Equal(t, tc.want, got)
			assert.True(t, r.Done())
			ends := r.EndOffsets()
			for tp, o := range r.Offsets() {
				if ends[tp] > r.StartOffsets()[tp] {
					assert.Equal(t, ends[tp], o, "position at the end of %s", tp)
				}
			}
		})
	}
}

// TestTopicListAndPattern: 'topic' = 'a;b' and 'topic-pattern' read every partition of every
// named or matching topic; a pattern that matches nothing is an error listing the topics.
func TestTopicListAndPattern(t *testing.T) {
	addr := testpeer.StartKafka(t, 2, "orders-eu", "orders-us", "users")
	var recs []*kgo.Record
	for _, topic := range []string{"orders-eu", "orders-us", "users"} {
		for p := int32(0); p < 2; p++ {
			recs = append(recs, &kgo.Record{Topic: topic, Partition: p, Value: []byte(topic)})
		}
	}
	produce(t, addr, recs...)
	for _, o := range [][]string{{"topic", "orders-eu;orders-us"}, {"topic-pattern", "orders-.*"}} {
		r := newReader(t, config(t, addr, o[0], o[1], "scan.bounded.mode", "latest-offset"))
		assert.Equal(t, []TopicPartition{{"orders-eu", 0}, {"orders-eu", 1}, {"orders-us", 0}, {"orders-us", 1}}, r.Partitions())
		n := 0
		for !r.Done() {
			f, err := r.Poll(testCtx(t))
			require.NoError(t, err)
			for _, pr := range f.Partitions {
				assert.True(t, strings.HasPrefix(pr.Topic, "orders-"))
			}
			n += f.NumRecords()
		}
		assert.Equal(t, 4, n)
	}
	err := Check(testCtx(t), config(t, addr, "topic-pattern", "bids.*"))
	require.Error(t, err)
	assert.Equal(t, "kafka: no topic matches 'topic-pattern' = 'bids.*' (available: orders-eu, orders-us, users); create one or fix the pattern", err.Error())
}

// TestCheckUnreachable: a refused connection is an error naming the address at once; a broker
// that accepts but never answers is an error within the connect timeout, not a hang.
func TestCheckUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := ln.Addr().String()
	ln.Close()

	start := time.Now()
	err = Check(context.Background(), config(t, dead, "topic", "bids"))
	require.Error(t, err)
	assert.Equal(t, fmt.Sprintf("kafka: cannot reach broker %s within 5s: connection refused", dead), err.Error())
	assert.Less(t, time.Since(start), time.Second)

	_, err = NewReader(context.Background(), config(t, dead+","+dead, "topic", "bids"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "kafka: cannot reach any broker within 5s: "+dead+": connection refused")
	_, err = NewWriter(context.Background(), config(t, dead, "topic", "bids"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot reach broker "+dead)

	// A listener that accepts and stays silent.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	start = time.Now()
	err = Check(context.Background(), config(t, silent.Addr().String(), "topic", "bids", "properties.socket.connection.setup.timeout.ms", "1000"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "kafka: broker "+silent.Addr().String()+" accepted a connection but gave no metadata within 1s")
	assert.Less(t, time.Since(start), 3*time.Second)
}

// TestCheckMissingTopic: a missing topic is an error listing the available ones, unless
// auto-creation is on at both the client and the broker.
func TestCheckMissingTopic(t *testing.T) {
	addr := testpeer.StartKafka(t, 4, "a", "b")
	require.NoError(t, Check(testCtx(t), config(t, addr, "topic", "a;b")))
	err := Check(testCtx(t), config(t, addr, "topic", "a;bids"))
	require.Error(t, err)
	assert.Equal(t, "kafka: topic 'bids' does not exist (available: a, b); create it or set 'properties.allow.auto.create.topics' = 'true' (needs auto.create.topics.enable on the broker)", err.Error())
	_, err = NewWriter(testCtx(t), config(t, addr, "topic", "bids"))
	require.ErrorContains(t, err, "topic 'bids' does not exist")

	// The client allows creation but this broker does not.
	err = Check(testCtx(t), config(t, addr, "topic", "bids", "properties.allow.auto.create.topics", "true", "properties.socket.connection.setup.timeout.ms", "1000"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "kafka: topic 'bids' does not exist and the broker did not create it within 1s")

	// Both allow it: the topic is created and usable.
	auto := testpeer.StartKafkaWith(t, kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(3))
	cfg := config(t, auto, "topic", "bids", "properties.allow.auto.create.topics", "true", "scan.bounded.mode", "latest-offset")
	require.NoError(t, Check(testCtx(t), cfg))
	r := newReader(t, cfg)
	assert.Len(t, r.Partitions(), 3)
}

// TestWriterPartitioners: default hashes keys like Kafka (same key, same partition; keys
// spread over all partitions), round-robin spreads keyless records evenly, fixed sends all of
// a writer's records to WriterIndex % partitions.
func TestWriterPartitioners(t *testing.T) {
	addr := testpeer.StartKafka(t, 4, "def", "rr", "fixed")
	write := func(cfg *Config, recs []*kgo.Record) {
		w, err := NewWriter(testCtx(t), cfg)
		require.NoError(t, err)
		defer w.Close()
		require.NoError(t, w.Write(recs))
		require.NoError(t, w.Flush(testCtx(t)))
	}
	read := func(topic string) map[int32][]*kgo.Record {
		r := newReader(t, config(t, addr, "topic", topic, "scan.bounded.mode", "latest-offset"))
		out := map[int32][]*kgo.Record{}
		for !r.Done() {
			f, err := r.Poll(testCtx(t))
			require.NoError(t, err)
			for _, pr := range f.Partitions {
				out[pr.Partition] = append(out[pr.Partition], pr.Records...)
			}
		}
		return out
	}

	var recs []*kgo.Record
	for i := 0; i < 400; i++ {
		recs = append(recs, &kgo.Record{Key: []byte(fmt.Sprintf("user-%d", i%40)), Value: []byte(fmt.Sprint(i))})
	}
	write(config(t, addr, "topic", "def"), recs)
	keyPart := map[string]int32{}
	got := read("def")
	assert.Len(t, got, 4, "40 keys spread over all 4 partitions")
	hasher := kgo.KafkaHasher(murmur2)
	for p, rs := range got {
		for _, r := range rs {
			if q, ok := keyPart[string(r.Key)]; ok {
				assert.Equal(t, q, p, "key %s in two partitions", r.Key)
			}
			keyPart[string(r.Key)] = p
			assert.Equal(t, int32(hasher(r.Key, 4)), p, "murmur2 like Kafka's Java client")
		}
	}

	recs = recs[:0]
	for i := 0; i < 400; i++ {
		recs = append(recs, &kgo.Record{Value: []byte(fmt.Sprint(i))})
	}
	write(config(t, addr, "topic", "rr", "sink.partitioner", "round-robin"), recs)
	for p, rs := range read("rr") {
		assert.Len(t, rs, 100, "partition %d", p)
	}

	cfg := config(t, addr, "topic", "fixed", "sink.partitioner", "fixed")
	cfg.WriterIndex = 6
	recs = recs[:0]
	for i := 0; i < 50; i++ {
		recs = append(recs, &kgo.Record{Key: []byte(fmt.Sprint(i)), Value: []byte(fmt.Sprint(i))})
	}
	write(cfg, recs)
	got = read("fixed")
	assert.Len(t, got, 1)
	assert.Len(t, got[2], 50, "writer 6 of 4 partitions writes partition 2")
}

// murmur2 is Kafka's hash, re-implemented here to check the default partitioner.
func murmur2(b []byte) uint32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
		r           = 24
	)
	h := seed ^ uint32(len(b))
	for len(b) >= 4 {
		k := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
		b = b[4:]
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	switch len(b) {
	case 3:
		h ^= uint32(b[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(b[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(b[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}

// TestWriterAtLeastOnceRoundTrip: 20,000 records written and flushed are all read back with
// key, value, headers and timestamp intact; a multi-topic writer needs each record's topic.
func TestWriterAtLeastOnceRoundTrip(t *testing.T) {
	addr := testpeer.StartKafka(t, 4, "out", "other")
	w, err := NewWriter(testCtx(t), config(t, addr, "topic", "out"))
	require.NoError(t, err)
	defer w.Close()
	const n = 20000
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Key: []byte(fmt.Sprint(i % 100)), Value: []byte(fmt.Sprintf(`{"i":%d}`, i)),
			Timestamp: base.Add(time.Duration(i) * time.Millisecond), Headers: []kgo.RecordHeader{{Key: "src", Value: []byte("eddy")}}}
	}
	require.NoError(t, w.Write(recs[:n/2]))
	require.NoError(t, w.Write(recs[n/2:]))
	require.NoError(t, w.Flush(testCtx(t)))
	require.Error(t, w.Begin(), "Begin needs exactly-once")

	r := newReader(t, config(t, addr, "topic", "out", "scan.bounded.mode", "latest-offset"))
	seen := make([]bool, n)
	for !r.Done() {
		f, err := r.Poll(testCtx(t))
		require.NoError(t, err)
		for _, pr := range f.Partitions {
			for _, rec := range pr.Records {
				var i int
				_, err := fmt.Sscanf(string(rec.Value), `{"i":%d}`, &i)
				require.NoError(t, err)
				require.False(t, seen[i])
				seen[i] = true
				require.Equal(t, fmt.Sprint(i%100), string(rec.Key))
				require.Equal(t, base.Add(time.Duration(i)*time.Millisecond).UnixMilli(), rec.Timestamp.UnixMilli())
				require.Equal(t, []kgo.RecordHeader{{Key: "src", Value: []byte("eddy")}}, rec.Headers)
			}
		}
	}
	for i, s := range seen {
		require.True(t, s, "record %d missing", i)
	}

	multi, err := NewWriter(testCtx(t), config(t, addr, "topic", "out;other"))
	require.NoError(t, err)
	defer multi.Close()
	require.ErrorContains(t, multi.Write([]*kgo.Record{{Value: []byte("x")}}), "set each record's topic")
	require.NoError(t, multi.Write([]*kgo.Record{{Topic: "other", Value: []byte("x")}}))
	require.NoError(t, multi.Flush(testCtx(t)))

	_, err = NewWriter(testCtx(t), config(t, addr, "topic-pattern", "o.*"))
	require.ErrorContains(t, err, "a sink cannot use 'topic-pattern'")
}

// TestExactlyOnce: records of a committed transaction are visible to a read_committed reader,
// those of an aborted one are not (a read_uncommitted reader sees both); a bounded
// read_committed reader ends even when the partitions end with an abort marker; a second
// writer with the same transactional id fences the first and aborts its open transaction.
func TestExactlyOnce(t *testing.T) {
	addr := testpeer.StartKafka(t, 4, "eo")
	cfg := config(t, addr, "topic", "eo", "sink.delivery-guarantee", "exactly-once", "sink.transactional-id-prefix", "job", "sink.partitioner", "round-robin")
	w, err := NewWriter(testCtx(t), cfg)
	require.NoError(t, err)
	defer w.Close()
	ctx := testCtx(t)
	batch := func(tag string, n int) []*kgo.Record {
		var out []*kgo.Record
		for i := 0; i < n; i++ {
			out = append(out, &kgo.Record{Value: []byte(fmt.Sprintf("%s-%d", tag, i))})
		}
		return out
	}
	require.ErrorContains(t, w.Write(batch("x", 1)), "call Begin before Write")
	require.NoError(t, w.Begin())
	require.NoError(t, w.Write(batch("c1", 100)))
	require.NoError(t, w.Commit(ctx))
	require.NoError(t, w.Begin())
	require.NoError(t, w.Write(batch("a1", 100)))
	require.NoError(t, w.Flush(ctx)) // sent to the brokers, then aborted
	require.NoError(t, w.Abort(ctx))
	require.NoError(t, w.Begin())
	require.NoError(t, w.Write(batch("c2", 40)))
	require.NoError(t, w.Commit(ctx))
	require.NoError(t, w.Begin())
	require.NoError(t, w.Write(batch("a2", 40)))
	require.NoError(t, w.Abort(ctx)) // the log now ends with abort markers

	values := func(readCommitted bool) map[string]int {
		iso := "read_uncommitted"
		if readCommitted {
			iso = "read_committed"
		}
		r := newReader(t, config(t, addr, "topic", "eo", "scan.bounded.mode", "latest-offset", "properties.isolation.level", iso))
		out := map[string]int{}
		for !r.Done() {
			f, err := r.Poll(ctx)
			require.NoError(t, err)
			for _, pr := range f.Partitions {
				for _, rec := range pr.Records {
					require.False(t, rec.Attrs.IsControl())
					out[strings.Split(string(rec.Value), "-")[0]]++
				}
			}
		}
		return out
	}
	assert.Equal(t, map[string]int{"c1": 100, "c2": 40}, values(true))
	all := values(false)
	assert.Equal(t, 100, all["c1"])
	assert.Equal(t, 100, all["a1"])
	assert.Equal(t, 40, all["c2"])

	// A zombie: w opens a transaction; a new writer with the same id fences it.
	require.NoError(t, w.Begin())
	require.NoError(t, w.Write(batch("zombie", 10)))
	require.NoError(t, w.Flush(ctx))
	w2, err := NewWriter(testCtx(t), cfg)
	require.NoError(t, err)
	defer w2.Close()
	require.NoError(t, w2.Begin())
	require.NoError(t, w2.Write(batch("c3", 8)))
	require.NoError(t, w2.Commit(ctx))
	assert.Error(t, w.Commit(ctx), "the fenced writer cannot commit")
	assert.Equal(t, map[string]int{"c1": 100, "c2": 40, "c3": 8}, values(true))
}

// TestReaderCloseAndCommit: Close from another goroutine ends a blocked Poll with an error;
// CommitOffsets needs a group; committing Offsets() lets a group-offsets reader resume after
// the records read.
func TestReaderCloseAndCommit(t *testing.T) {
	addr := testpeer.StartKafka(t, 4, "t")
	seed(t, addr, "t")
	r := newReader(t, config(t, addr, "topic", "t", "scan.startup.mode", "latest-offset"))
	require.ErrorContains(t, r.CommitOffsets(testCtx(t), r.Offsets()), "needs option 'properties.group.id'")
	go func() {
		time.Sleep(100 * time.Millisecond)
		r.Close()
	}()
	_, err := r.Poll(testCtx(t))
	require.ErrorContains(t, err, "kafka: reader is closed")

	first := newReader(t, config(t, addr, "topic", "t", "properties.group.id", "resume", "scan.startup.mode", "earliest-offset",
		"scan.bounded.mode", "specific-offsets", "scan.bounded.specific-offsets", "partition:0,offset:4;partition:1,offset:4;partition:2,offset:4;partition:3,offset:4"))
	readAll(t, first)
	require.NoError(t, first.CommitOffsets(testCtx(t), first.Offsets()))
	next := newReader(t, config(t, addr, "topic", "t", "properties.group.id", "resume", "scan.bounded.mode", "latest-offset"))
	assert.Equal(t, map[int32][]int64{0: span(4, 10), 1: span(4, 10), 2: span(4, 10), 3: span(4, 10)}, readAll(t, next))
}
