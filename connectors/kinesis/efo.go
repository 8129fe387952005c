package kinesis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
)

// Enhanced fan-out ('scan.stream.recordpublisher' = 'EFO'): the source registers a stream
// consumer ('scan.stream.efo.consumername', unless 'scan.stream.efo.registration' = 'NONE')
// and each shard reader holds a SubscribeToShard subscription, renewed every 5 minutes
// from the last record read. Records, bounds and the end of a shard are handled as with
// GetRecords (reader.go).

// consumer returns the ARN of the source's stream consumer, registering it when missing
// (LAZY), and waits until it is ACTIVE, within 'aws.startup-timeout' plus
// 'scan.stream.registerstreamconsumer.timeout'.
func (a *api) consumer(ctx context.Context, table, streamARN string) (string, error) {
	cfg := a.cfg
	ctx, cancel := context.WithTimeout(ctx, cfg.StartupTimeout+cfg.EFOTimeout)
	defer cancel()
	unsupported := func(op string, err error) error {
		var ae smithy.APIError
		if errors.As(err, &ae) && (strings.Contains(ae.ErrorCode(), "UnknownOperation") || strings.Contains(ae.ErrorCode(), "InvalidAction")) {
			return fmt.Errorf("table '%s': Kinesis in %s does not support enhanced fan-out (%s: %s); use 'scan.stream.recordpublisher' = 'POLLING'", table, a.where(), op, ae.ErrorCode())
		}
		return a.startupError(table, op+" for", err)
	}
	describe := func() (*types.ConsumerDescription, error) {
		in := &kinesis.DescribeStreamConsumerInput{}
		if cfg.EFOConsumerARN != "" {
			in.ConsumerARN = aws.String(cfg.EFOConsumerARN)
		} else {
			in.StreamARN, in.ConsumerName = aws.String(streamARN), aws.String(cfg.EFOConsumerName)
		}
		var out *kinesis.DescribeStreamConsumerOutput
		err := retry(ctx, cfg.ListShardsRetry, func(ctx context.Context) error {
			var err error
			out, err = a.cl.DescribeStreamConsumer(ctx, in)
			return err
		}, nil)
		if err != nil {
			return nil, err
		}
		return out.ConsumerDescription, nil
	}
	d, err := describe()
	if err != nil {
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			return "", unsupported("DescribeStreamConsumer", err)
		}
		if cfg.EFORegistration == "NONE" || cfg.EFOConsumerName == "" {
			return "", fmt.Errorf("table '%s': the EFO consumer '%s%s' of stream '%s' is not registered; register it or set 'scan.stream.efo.registration' = 'LAZY' with 'scan.stream.efo.consumername'", table, cfg.EFOConsumerName, cfg.EFOConsumerARN, cfg.Stream)
		}
		err = retry(ctx, cfg.ListShardsRetry, func(ctx context.Context) error {
			_, err := a.cl.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: aws.String(streamARN), ConsumerName: aws.String(cfg.EFOConsumerName)})
			var inUse *types.ResourceInUseException
			if errors.As(err, &inUse) {
				return nil // registered meanwhile by another job
			}
			return err
		}, nil)
		if err != nil {
			return "", unsupported("RegisterStreamConsumer", err)
		}
		if d, err = describe(); err != nil {
			return "", unsupported("DescribeStreamConsumer", err)
		}
	}
	for d == nil || d.ConsumerStatus != types.ConsumerStatusActive {
		if d != nil && d.ConsumerStatus == types.ConsumerStatusDeleting {
			return "", fmt.Errorf("table '%s': the EFO consumer '%s' of stream '%s' is being deleted; wait or choose another 'scan.stream.efo.consumername'", table, cfg.EFOConsumerName, cfg.Stream)
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("table '%s': the EFO consumer '%s' of stream '%s' did not become ACTIVE within %v", table, cfg.EFOConsumerName, cfg.Stream, cfg.EFOTimeout)
		case <-time.After(time.Second):
		}
		if d, err = describe(); err != nil {
			return "", unsupported("DescribeStreamConsumer", err)
		}
	}
	return aws.ToString(d.ConsumerARN), nil
}

// eventStream is what a SubscribeToShard subscription delivers (the SDK's
// *kinesis.SubscribeToShardEventStream): events until the subscription ends, then Err.
type eventStream interface {
	Events() <-chan types.SubscribeToShardEventStream
	Err() error
}

// subscribe reads the shard through SubscribeToShard subscriptions until its end.
func (rd *shardReader) subscribe(ctx context.Context) error {
	cfg := rd.r.s.cfg
	cont := ""  // ContinuationSequenceNumber of the last event: where the next subscription starts
	broken := 0 // subscriptions in a row that failed
	for {
		pos := &types.StartingPosition{}
		switch {
		case cont != "":
			pos.Type, pos.SequenceNumber = types.ShardIteratorTypeAfterSequenceNumber, aws.String(cont)
		case rd.after != "":
			pos.Type, pos.SequenceNumber = types.ShardIteratorTypeAfterSequenceNumber, aws.String(rd.after)
		case rd.latest:
			pos.Type = types.ShardIteratorTypeLatest
		case strings.HasPrefix(rd.start, "AT_TIMESTAMP:"):
			ms, _ := strconv.ParseInt(strings.TrimPrefix(rd.start, "AT_TIMESTAMP:"), 10, 64)
			pos.Type, pos.Timestamp = types.ShardIteratorTypeAtTimestamp, aws.Time(time.UnixMilli(ms))
		default:
			pos.Type = types.ShardIteratorTypeTrimHorizon
		}
		var out *kinesis.SubscribeToShardOutput
		err := retry(ctx, cfg.SubscribeRetry, func(ctx context.Context) error {
			var err error
			out, err = rd.r.api.cl.SubscribeToShard(ctx, &kinesis.SubscribeToShardInput{
				ConsumerARN: aws.String(rd.r.consumerARN), ShardId: aws.String(rd.id), StartingPosition: pos})
			var inUse *types.ResourceInUseException
			if errors.As(err, &inUse) {
				// The previous subscription is still open (less than 5 s ago): wait.
				return &transientError{err}
			}
			return err
		}, func(error) { rd.r.s.retries.Add(1) })
		if err != nil {
			return fmt.Errorf("SubscribeToShard: %w", err)
		}
		rd.latest = false
		stream := out.GetStream()
		ended, last, err := rd.consume(ctx, stream)
		stream.Close()
		if last != "" {
			cont = last
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if ended {
			rd.r.send(ctx, shardEvent{sh: rd.sh, done: true})
			return nil
		}
		if err == nil {
			broken = 0 // the subscription ran its 5 minutes: renew it
			continue
		}
		// A subscription that breaks is renewed from the last continuation, unless the
		// service said why in a way retrying cannot fix (a deleted stream or consumer,
		// access denied).
		var ae smithy.APIError
		if (errors.As(err, &ae) && classify(err) == fatal) || broken >= cfg.SubscribeRetry.MaxRetries {
			return fmt.Errorf("SubscribeToShard events: %w", err)
		}
		rd.r.s.retries.Add(1)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(cfg.SubscribeRetry.Delay(broken, rand.Float64())):
		}
		broken++
	}
}

// consume handles the events of one subscription: records are decoded and handed on as with
// GetRecords. ended is true at the end of the shard (an event without a continuation, with
// the child shards) or of a bounded read; cont is the last ContinuationSequenceNumber. When
// the subscription ends without either, err is the stream's error (nil: it ran its time).
func (rd *shardReader) consume(ctx context.Context, es eventStream) (ended bool, cont string, err error) {
	for {
		select {
		case <-ctx.Done():
			return false, cont, ctx.Err()
		case ev, ok := <-es.Events():
			if !ok {
				return false, cont, es.Err()
			}
			e, isEvent := ev.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent)
			if !isEvent {
				continue // a kind of event this SDK learned later
			}
			rd.r.s.calls.Add(1)
			reached, err := rd.records(ctx, e.Value.Records)
			if err != nil {
				return false, cont, err
			}
			if !rd.flush(ctx) {
				return false, cont, ctx.Err()
			}
			if e.Value.ContinuationSequenceNumber != nil {
				cont = *e.Value.ContinuationSequenceNumber
			}
			caughtUp := len(e.Value.Records) == 0 && aws.ToInt64(e.Value.MillisBehindLatest) == 0
			if reached || e.Value.ContinuationSequenceNumber == nil || (rd.isBounded() && caughtUp) {
				return true, cont, nil
			}
		}
	}
}

// transientError marks an error retry must retry.
type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
