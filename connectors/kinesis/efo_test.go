package kinesis

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/stretchr/testify/require"
)

// fakeEvents is a SubscribeToShard subscription's event stream as the SDK hands it over:
// a channel of events, then the error that ended it.
type fakeEvents struct {
	ch  chan types.SubscribeToShardEventStream
	err error
}

func (f *fakeEvents) Events() <-chan types.SubscribeToShardEventStream { return f.ch }
func (f *fakeEvents) Err() error                                       { return f.err }

func event(cont string, behind int64, children bool, recs ...types.Record) types.SubscribeToShardEventStream {
	e := types.SubscribeToShardEvent{Records: recs, MillisBehindLatest: aws.Int64(behind)}
	if cont != "" {
		e.ContinuationSequenceNumber = aws.String(cont)
	}
	if children {
		e.ChildShards = []types.ChildShard{{ShardId: aws.String("shardId-000000000002"), ParentShards: []string{"shardId-000000000000"}}}
	}
	return &types.SubscribeToShardEventStreamMemberSubscribeToShardEvent{Value: e}
}

func record(seq string, data string) types.Record {
	return types.Record{SequenceNumber: aws.String(seq), Data: []byte(data), PartitionKey: aws.String("k"),
		ApproximateArrivalTimestamp: aws.Time(time.UnixMilli(baseMs))}
}

// efoReader is a shard reader of a source set up for EFO, without a service: the test
// hands its events to consume.
func efoReader(t *testing.T, bounded bool) (*shardReader, *run) {
	mem := newMem(t)
	opts := map[string]string{"connector": "kinesis", "stream": "bids", "aws.region": "us-east-1", "format": "json",
		"scan.stream.recordpublisher": "EFO", "scan.stream.efo.consumername": "eddy"}
	if bounded {
		opts["scan.bounded.mode"] = "latest"
	}
	src := newSource(t, mem, bidSchema, nil, opts, nil)
	r := &run{s: src, events: make(chan shardEvent, 100), pos: &Position{Stream: "bids"}}
	sh := &shard{id: "shardId-000000000000"}
	rd := &shardReader{r: r, sh: sh, id: sh.id}
	require.NoError(t, rd.open())
	t.Cleanup(rd.release)
	return rd, r
}

func drain(r *run) (rows int, seqs []string, bad []string, done bool) {
	for {
		select {
		case ev := <-r.events:
			if ev.batch != nil {
				rows += int(ev.batch.NumRows())
				ev.batch.Release()
			}
			if ev.seq != "" {
				seqs = append(seqs, ev.seq)
			}
			for _, b := range ev.bad {
				bad = append(bad, b.Position)
			}
			done = done || ev.done
		default:
			return
		}
	}
}

// TestKinesisEFOEvents: the records of SubscribeToShard events are decoded and handed on like
// GetRecords', bad ones reported with stream/shard/sequence; an unknown kind of event is
// skipped; the continuation sequence number is kept for the next subscription; an event
// without a continuation (with the child shards) ends the shard.
func TestKinesisEFOEvents(t *testing.T) {
	rd, r := efoReader(t, false)
	ev := &fakeEvents{ch: make(chan types.SubscribeToShardEventStream, 10)}
	ev.ch <- event("100", 5000, false, record("10", `{"auction":1,"price":1.5,"ts":1}`), record("20", `{oops`), record("30", `{"auction":2,"price":2.5,"ts":2}`))
	ev.ch <- &types.UnknownUnionMember{Tag: "SomethingNew", Value: []byte("x")}
	ev.ch <- event("110", 0, false)
	ev.ch <- event("", 0, true, record("40", `{"auction":3,"price":3.5,"ts":3}`))
	ended, cont, err := rd.consume(context.Background(), ev)
	require.NoError(t, err)
	require.True(t, ended, "the event without a continuation ends the shard")
	require.Equal(t, "110", cont)
	rows, seqs, bad, _ := drain(r)
	require.Equal(t, 3, rows)
	require.Equal(t, []string{"30", "40"}, seqs)
	require.Equal(t, []string{"bids/shardId-000000000000/20"}, bad)
	require.Equal(t, "40", rd.after, "a new subscription or a restore continues after the last record")

	// A subscription that ran its time (the channel closes without an error) is renewed from
	// the continuation; one that broke returns the error to retry.
	ev = &fakeEvents{ch: make(chan types.SubscribeToShardEventStream, 10)}
	ev.ch <- event("120", 0, false)
	close(ev.ch)
	ended, cont, err = rd.consume(context.Background(), ev)
	require.NoError(t, err)
	require.False(t, ended)
	require.Equal(t, "120", cont)
	ev = &fakeEvents{ch: make(chan types.SubscribeToShardEventStream), err: errors.New("stream reset")}
	close(ev.ch)
	_, _, err = rd.consume(context.Background(), ev)
	require.ErrorContains(t, err, "stream reset")
}

// TestKinesisEFOBoundedEndsAtTip: in a bounded read, an empty event at the tip (MillisBehindLatest
// 0) ends the shard; records at or after a known bound are not read.
func TestKinesisEFOBoundedEndsAtTip(t *testing.T) {
	rd, r := efoReader(t, true)
	rd.end = "30"
	ev := &fakeEvents{ch: make(chan types.SubscribeToShardEventStream, 10)}
	ev.ch <- event("20", 10, false, record("10", `{"auction":1,"price":1.5,"ts":1}`), record("20", `{"auction":1,"price":1.5,"ts":1}`))
	ev.ch <- event("40", 0, false, record("30", `{"auction":1,"price":1.5,"ts":1}`), record("40", `{"auction":1,"price":1.5,"ts":1}`))
	ended, _, err := rd.consume(context.Background(), ev)
	require.NoError(t, err)
	require.True(t, ended)
	rows, _, _, _ := drain(r)
	require.Equal(t, 2, rows, "records 30 and 40 are past the bound")

	rd, r = efoReader(t, true)
	ev = &fakeEvents{ch: make(chan types.SubscribeToShardEventStream, 10)}
	for i := 0; i < 3; i++ {
		ev.ch <- event(fmt.Sprint(i), 0, false)
	}
	ended, _, err = rd.consume(context.Background(), ev)
	require.NoError(t, err)
	require.True(t, ended, "caught up")
	rows, _, _, _ = drain(r)
	require.Zero(t, rows)
}
