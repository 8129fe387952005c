package kinesis

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go/eventstream"
	"github.com/stretchr/testify/require"

	"github.com/eddysql/eddy/internal/testpeer"
)

// efoLayer serves the three enhanced fan-out calls kinesalite lacks (DescribeStreamConsumer,
// RegisterStreamConsumer, SubscribeToShard) in front of it, from kinesalite's own shards: a
// subscription reads the shard with GetRecords and sends each answer as a
// SubscribeToShardEvent in the AWS event-stream framing, as Kinesis does over HTTP, for a
// short time (Kinesis: 5 minutes), ending the shard with its children. Every other call goes
// to kinesalite. The connector and the SDK's event-stream decoding are not mocked; only
// where the records come from is.
type efoLayer struct {
	cl       *kinesis.Client // plain client of kinesalite
	subFor   time.Duration   // how long a subscription lasts
	breakOne bool            // cut one subscription mid-stream, after its first event

	mu         sync.Mutex
	registered bool
	described  int
	registers  int
	subs       int
	broken     int
}

func (l *efoLayer) RoundTrip(req *http.Request) (*http.Response, error) {
	op := strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "Kinesis_20131202.")
	switch op {
	case "DescribeStreamConsumer", "RegisterStreamConsumer", "SubscribeToShard":
	default:
		return http.DefaultTransport.RoundTrip(req)
	}
	body, _ := io.ReadAll(req.Body)
	var in struct {
		StreamARN, ConsumerName, ConsumerARN, ShardId string
		StartingPosition                              struct {
			Type, SequenceNumber string
			Timestamp            float64
		}
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, err
	}
	const arn = "arn:aws:kinesis:us-east-1:000000000000:stream/bids/consumer/eddy:1"
	desc := func(status string) map[string]any {
		return map[string]any{"ConsumerName": "eddy", "ConsumerARN": arn, "ConsumerStatus": status, "ConsumerCreationTimestamp": 1.7e9}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch op {
	case "RegisterStreamConsumer":
		l.registers++
		l.registered = true
		return jsonAnswer(req, map[string]any{"Consumer": desc("CREATING")}), nil
	case "DescribeStreamConsumer":
		if !l.registered {
			return errorAnswer(req, 400, "ResourceNotFoundException"), nil
		}
		l.described++
		status := "ACTIVE"
		if l.described == 1 {
			status = "CREATING" // the first look after registering: not yet
		}
		return jsonAnswer(req, map[string]any{"ConsumerDescription": desc(status)}), nil
	}
	if in.ConsumerARN != arn {
		return errorAnswer(req, 400, "ResourceNotFoundException"), nil
	}
	l.subs++
	pr, pw := io.Pipe()
	go l.serve(req.Context(), pw, in.ShardId, in.StartingPosition.Type, in.StartingPosition.SequenceNumber, in.StartingPosition.Timestamp)
	return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/vnd.amazon.eventstream"}}, Body: pr, ContentLength: -1, Request: req}, nil
}

func jsonAnswer(req *http.Request, v any) *http.Response {
	b, _ := json.Marshal(v)
	return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}}, Body: io.NopCloser(bytes.NewReader(b)), ContentLength: int64(len(b)), Request: req}
}

// serve writes one subscription's events into w.
func (l *efoLayer) serve(ctx context.Context, w *io.PipeWriter, shard, typ, seq string, ts float64) {
	enc := eventstream.NewEncoder()
	send := func(eventType string, payload any) error {
		b, _ := json.Marshal(payload)
		var h eventstream.Headers
		h.Set(":message-type", eventstream.StringValue("event"))
		h.Set(":event-type", eventstream.StringValue(eventType))
		h.Set(":content-type", eventstream.StringValue("application/json"))
		return enc.Encode(w, eventstream.Message{Headers: h, Payload: b})
	}
	if err := send("initial-response", map[string]any{}); err != nil {
		return
	}
	in := &kinesis.GetShardIteratorInput{StreamName: aws.String("bids"), ShardId: aws.String(shard), ShardIteratorType: types.ShardIteratorType(typ)}
	if seq != "" {
		in.StartingSequenceNumber = aws.String(seq)
	}
	if ts != 0 {
		in.Timestamp = aws.Time(time.UnixMilli(int64(ts * 1000)))
	}
	it, err := l.cl.GetShardIterator(ctx, in)
	if err != nil {
		w.CloseWithError(err)
		return
	}
	iter := it.ShardIterator
	cont := seq
	deadline := time.Now().Add(l.subFor)
	sent := 0
	for time.Now().Before(deadline) {
		out, err := l.cl.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(150)})
		if err != nil {
			w.CloseWithError(err)
			return
		}
		var recs []map[string]any
		for _, r := range out.Records {
			recs = append(recs, map[string]any{"SequenceNumber": aws.ToString(r.SequenceNumber), "Data": r.Data,
				"PartitionKey": aws.ToString(r.PartitionKey), "ApproximateArrivalTimestamp": float64(r.ApproximateArrivalTimestamp.UnixMilli()) / 1000})
			cont = aws.ToString(r.SequenceNumber)
		}
		ev := map[string]any{"Records": recs, "MillisBehindLatest": aws.ToInt64(out.MillisBehindLatest)}
		if out.NextShardIterator == nil {
			// The end of the shard: no continuation, the children instead.
			shards, err := l.cl.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String("bids")})
			if err != nil {
				w.CloseWithError(err)
				return
			}
			var children []map[string]any
			for _, s := range shards.Shards {
				if aws.ToString(s.ParentShardId) == shard || aws.ToString(s.AdjacentParentShardId) == shard {
					children = append(children, map[string]any{"ShardId": aws.ToString(s.ShardId), "ParentShards": []string{shard},
						"HashKeyRange": map[string]any{"StartingHashKey": aws.ToString(s.HashKeyRange.StartingHashKey), "EndingHashKey": aws.ToString(s.HashKeyRange.EndingHashKey)}})
				}
			}
			ev["ChildShards"] = children
			send("SubscribeToShardEvent", ev)
			w.Close()
			return
		}
		iter = out.NextShardIterator
		if cont != "" { // Kinesis always has a continuation; before the first record this emulation has none to give
			ev["ContinuationSequenceNumber"] = cont
			if err := send("SubscribeToShardEvent", ev); err != nil {
				return
			}
			sent++
		}
		l.mu.Lock()
		cut := l.breakOne && l.broken == 0 && sent > 0
		if cut {
			l.broken++
		}
		l.mu.Unlock()
		if cut {
			w.CloseWithError(&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET})
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	w.Close() // the subscription ran its time
}

// TestKinesisEFOThroughEmulatedSubscriptions: with 'scan.stream.recordpublisher' = 'EFO' the source
// registers its consumer, waits until it is ACTIVE, reads every shard through
// SubscribeToShard event streams (decoded by the SDK), renews subscriptions that end and
// one that breaks, follows a split made during the read (children after their parent), and
// reads every record exactly once, in order per shard.
func TestKinesisEFOThroughEmulatedSubscriptions(t *testing.T) {
	p := startPeer(t)
	p.create(t, "bids", 2)
	const n, keys = 2000, 40
	recs := bids(0, n, keys)
	p.put(t, "bids", recs[:n/2])
	layer := &efoLayer{cl: testpeer.NewKinesisClient(p.endpoint), subFor: 300 * time.Millisecond, breakOne: true}
	mem := newMem(t)
	src := newSource(t, mem, bidSchema, nil, p.options("bids", "scan.stream.recordpublisher", "EFO", "scan.stream.efo.consumername", "eddy",
		"scan.shard.subscribetoshard.backoff.base", "10", "scan.shard.subscribetoshard.backoff.max", "50"), nil)
	src.cfg.HTTPClient = &http.Client{Transport: layer}
	c := newCollector()
	ctx, cancel := context.WithCancel(testCtx(t, time.Minute))
	errc := make(chan error, 1)
	var runErr error
	go func() { errc <- src.Run(ctx, c) }()
	waitFor(t, func() bool {
		select {
		case runErr = <-errc:
			t.Fatalf("the source stopped: %v", runErr)
		default:
		}
		return c.count() >= n/4
	})
	p.split(t, "bids", "shardId-000000000001")
	p.put(t, "bids", recs[n/2:])
	waitFor(t, func() bool { return c.count() >= n })
	time.Sleep(300 * time.Millisecond) // time for a duplicate to show
	cancel()
	require.ErrorIs(t, <-errc, context.Canceled)

	layer.mu.Lock()
	t.Logf("registered %d, described %d, subscriptions %d (broken %d)", layer.registers, layer.described, layer.subs, layer.broken)
	require.Equal(t, 1, layer.registers)
	require.Equal(t, 1, layer.broken)
	require.Greater(t, layer.subs, 4, "subscriptions renewed")
	layer.mu.Unlock()
	got := c.all()
	sort.Strings(got)
	var want []string
	for i := 0; i < n; i++ {
		want = append(want, bidRow(i, keys))
	}
	sort.Strings(want)
	require.Equal(t, want, got)
	requireIncreasingPerSplit(t, c)
	c.mu.Lock()
	defer c.mu.Unlock()
	require.Equal(t, []int32{2, 4}, c.splits)
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
}
