package kinesis

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/connectors/format"
)

// shardReader reads one shard in its own goroutine, from its start (or after the last
// sequence number read) to its end, decoding records into batches it hands to Run in
// order. It owns its decoders; it touches the shard only through events.
type shardReader struct {
	r      *run
	sh     *shard // passed back in events; never read or written here
	id     string
	after  string // last sequence number read: continue after it
	start  string // where to start when after is ""
	latest bool   // the first iterator is LATEST (a fresh LATEST start)
	end    string // bounded: the first sequence number past the bound, when known
	bound  *bound // bounded: finds end when unknown; nil when unbounded or closed at start

	dec  format.Decoder
	raw  *array.BinaryBuilder
	meta []*metadataColumn
	rows int
	bad  []connectors.BadRecord
	// processed is the last sequence number decoded into the open batch (or skipped).
	processed string
	lastCall  time.Time
}

func (rd *shardReader) run(ctx context.Context) {
	s := rd.r.s
	err := rd.open()
	defer rd.release()
	if err != nil {
		rd.r.fail(ctx, err)
		return
	}
	if s.cfg.Publisher == EFO {
		err = rd.subscribe(ctx)
	} else {
		err = rd.poll(ctx)
	}
	if err != nil {
		rd.r.fail(ctx, fmt.Errorf("table '%s': shard %s of stream '%s': %v", s.spec.Name, rd.id, s.cfg.Stream, err))
	}
}

// open makes the reader's decoders.
func (rd *shardReader) open() error {
	s := rd.r.s
	var err error
	if rd.meta, err = newMetadataColumns(s.spec, s.layout.meta, s.spec.Mem); err != nil {
		return err
	}
	if s.layout.raw {
		rd.raw = array.NewBinaryBuilder(s.spec.Mem, s.layout.value.Schema.Field(0).Type.(arrow.BinaryDataType))
		return nil
	}
	rd.dec, err = connectors.NewDecoder(s.layout.value)
	return err
}

func (rd *shardReader) release() {
	for _, m := range rd.meta {
		m.b.Release()
	}
	if rd.dec != nil {
		rd.dec.Release()
	}
	if rd.raw != nil {
		rd.raw.Release()
	}
}

// pace waits until GetRecords may be called again ('scan.shard.getrecords.intervalmillis').
func (rd *shardReader) pace(ctx context.Context) error {
	if wait := rd.r.s.cfg.GetRecordsInterval - time.Since(rd.lastCall); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	rd.lastCall = time.Now()
	return nil
}

// iterator gets a shard iterator after the last record read, or at the shard's start.
func (rd *shardReader) iterator(ctx context.Context) (string, error) {
	in := &kinesis.GetShardIteratorInput{StreamName: aws.String(rd.r.s.cfg.Stream), ShardId: aws.String(rd.id)}
	switch {
	case rd.after != "":
		in.ShardIteratorType = types.ShardIteratorTypeAfterSequenceNumber
		in.StartingSequenceNumber = aws.String(rd.after)
	case rd.latest:
		in.ShardIteratorType = types.ShardIteratorTypeLatest
	case strings.HasPrefix(rd.start, "AT_TIMESTAMP:"):
		ms, err := strconv.ParseInt(strings.TrimPrefix(rd.start, "AT_TIMESTAMP:"), 10, 64)
		if err != nil {
			return "", fmt.Errorf("bad start %q", rd.start)
		}
		in.ShardIteratorType = types.ShardIteratorTypeAtTimestamp
		in.Timestamp = aws.Time(time.UnixMilli(ms))
	default:
		in.ShardIteratorType = types.ShardIteratorTypeTrimHorizon
	}
	// Once LATEST resolved, a re-acquired iterator (after expiry) starts at the same time.
	rd.latest = false
	var it string
	err := retry(ctx, rd.r.s.cfg.GetIteratorRetry, func(ctx context.Context) error {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		out, err := rd.r.api.cl.GetShardIterator(cctx, in)
		if err == nil {
			it = aws.ToString(out.ShardIterator)
		}
		return err
	}, func(error) { rd.r.s.retries.Add(1) })
	if err != nil {
		return "", fmt.Errorf("GetShardIterator %s: %w", in.ShardIteratorType, err)
	}
	return it, nil
}

// poll reads the shard with GetRecords until its end.
func (rd *shardReader) poll(ctx context.Context) error {
	cfg := rd.r.s.cfg
	it, err := rd.iterator(ctx)
	if err != nil {
		return err
	}
	for {
		if err := rd.pace(ctx); err != nil {
			return err
		}
		var out *kinesis.GetRecordsOutput
		err := retry(ctx, cfg.GetRecordsRetry, func(ctx context.Context) error {
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			var err error
			out, err = rd.r.api.cl.GetRecords(cctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(it), Limit: aws.Int32(cfg.GetRecordsMax)})
			return err
		}, func(error) { rd.r.s.retries.Add(1) })
		rd.r.s.calls.Add(1)
		if err != nil {
			if classify(err) == expiredIterator {
				// The iterator outlived its 5 minutes (the job was slow to take records):
				// a new one continues after the last record read.
				rd.r.s.reacquire.Add(1)
				if it, err = rd.iterator(ctx); err != nil {
					return err
				}
				continue
			}
			return fmt.Errorf("GetRecords: %w", err)
		}
		reached, err := rd.records(ctx, out.Records)
		if err != nil {
			return err
		}
		if !rd.flush(ctx) {
			return nil
		}
		caughtUp := len(out.Records) == 0 && aws.ToInt64(out.MillisBehindLatest) == 0
		if out.NextShardIterator == nil || reached || (rd.isBounded() && caughtUp) {
			rd.r.send(ctx, shardEvent{sh: rd.sh, done: true})
			return nil
		}
		it = *out.NextShardIterator
	}
}

func (rd *shardReader) isBounded() bool { return rd.r.s.cfg.Bounded }

// recent reports whether any of recs arrived less than 5 minutes before the source started:
// older records are inside the bound without asking (Kinesis and local clocks agree far
// better than that), which spares a call per GetRecords while reading a backlog.
func (rd *shardReader) recent(recs []types.Record) bool {
	limit := time.UnixMilli(rd.r.startMs).Add(-5 * time.Minute)
	for i := range recs {
		if t := recs[i].ApproximateArrivalTimestamp; t == nil || !t.Before(limit) {
			return true
		}
	}
	return false
}

// records decodes recs in order up to the bound (bounded reads); reached is true when a
// record at or past the bound was seen, so the shard is read.
func (rd *shardReader) records(ctx context.Context, recs []types.Record) (reached bool, err error) {
	if rd.isBounded() && len(recs) > 0 {
		if rd.end == "" && rd.bound != nil && rd.recent(recs) {
			end, err := rd.bound.find(ctx, rd)
			if err != nil {
				return false, err
			}
			if end != "" {
				rd.end = end
				if !rd.r.send(ctx, shardEvent{sh: rd.sh, end: end}) {
					return false, ctx.Err()
				}
			}
		}
		if rd.end != "" {
			for i := range recs {
				if compareSeq(aws.ToString(recs[i].SequenceNumber), rd.end) >= 0 {
					recs, reached = recs[:i], true
					break
				}
			}
		}
	}
	for i := range recs {
		rd.decode(&recs[i])
		if rd.rows >= rd.r.s.spec.BatchSize {
			if !rd.flush(ctx) {
				return false, ctx.Err()
			}
		}
	}
	return reached, nil
}

// decode appends one record to the open batch; a record that does not decode becomes a bad
// record with stream/shard/sequence.
func (rd *shardReader) decode(rec *types.Record) {
	seq := aws.ToString(rec.SequenceNumber)
	rd.processed = seq
	if rd.raw != nil {
		rd.raw.Append(rec.Data)
	} else if err := rd.dec.Append(rec.Data); err != nil {
		s := rd.r.s
		rd.bad = append(rd.bad, connectors.BadRecord{
			Table: s.spec.Name, Position: s.cfg.Stream + "/" + rd.id + "/" + seq, Split: rd.id,
			Reason: err.Error(), Raw: rec.Data,
		})
		return
	}
	for _, m := range rd.meta {
		m.append(rd.id, rec)
	}
	rd.rows++
}

// flush hands the open batch (if any), the bad records and the last sequence number read to
// Run; false when the source is stopping.
func (rd *shardReader) flush(ctx context.Context) bool {
	if rd.processed == "" && len(rd.bad) == 0 {
		return true
	}
	ev := shardEvent{sh: rd.sh, seq: rd.processed, bad: rd.bad}
	if rd.rows > 0 {
		ev.batch = rd.batch()
	}
	rd.processed, rd.bad, rd.rows = "", nil, 0
	if ev.seq != "" {
		rd.after = ev.seq
	}
	return rd.r.send(ctx, ev)
}

// batch builds the open batch in the source schema.
func (rd *shardReader) batch() arrow.RecordBatch {
	l := rd.r.s.layout
	var value arrow.RecordBatch
	if rd.raw != nil {
		col := rd.raw.NewArray()
		value = array.NewRecordBatch(l.value.Schema, []arrow.Array{col}, int64(rd.rows))
		col.Release()
	} else {
		value = rd.dec.Flush()
	}
	if len(rd.meta) == 0 {
		return value
	}
	b := l.assemble(rd.r.s.spec.Schema, value, rd.meta)
	value.Release()
	return b
}

// bound finds, for a bounded read, where an open shard stood when the source started: an
// iterator taken then at LATEST returns, once records follow, the first record past the
// bound. It is polled only when the reader holds records it cannot place, and refreshed
// before its 5 minutes run out.
type bound struct {
	mu    sync.Mutex
	id    string
	it    string    // LATEST iterator from the start; "" when lost
	taken time.Time // when it was issued
	seq   string    // the first sequence number past the bound, once seen
	atMs  int64     // the start, for a lost iterator: AT_TIMESTAMP
}

// find returns the bound, or "" when no record was put after the start yet, so every record
// the caller read before this call is inside it.
func (b *bound) find(ctx context.Context, rd *shardReader) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seq != "" {
		return b.seq, nil
	}
	if err := rd.pace(ctx); err != nil {
		return "", err
	}
	return b.pollLocked(ctx, rd.r.api, &rd.r.s.retries)
}

func (b *bound) pollLocked(ctx context.Context, a *api, retries interface{ Add(int64) int64 }) (string, error) {
	cfg := a.cfg
	if b.it == "" {
		// The LATEST iterator expired (it was not refreshed in time): fall back on the
		// arrival time of the start, which is as exact as the clocks agree.
		err := retry(ctx, cfg.GetIteratorRetry, func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			out, err := a.cl.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(cfg.Stream), ShardId: aws.String(b.id),
				ShardIteratorType: types.ShardIteratorTypeAtTimestamp, Timestamp: aws.Time(time.UnixMilli(b.atMs))})
			if err == nil {
				b.it, b.taken = aws.ToString(out.ShardIterator), time.Now()
			}
			return err
		}, func(error) { retries.Add(1) })
		if err != nil {
			return "", fmt.Errorf("GetShardIterator for the bound: %w", err)
		}
	}
	var out *kinesis.GetRecordsOutput
	err := retry(ctx, cfg.GetRecordsRetry, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		var err error
		out, err = a.cl.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(b.it), Limit: aws.Int32(1)})
		return err
	}, func(error) { retries.Add(1) })
	if err != nil {
		if classify(err) == expiredIterator {
			b.it = ""
			return b.pollLocked(ctx, a, retries)
		}
		return "", fmt.Errorf("GetRecords for the bound: %w", err)
	}
	if len(out.Records) > 0 {
		b.seq = aws.ToString(out.Records[0].SequenceNumber)
		return b.seq, nil
	}
	if out.NextShardIterator != nil {
		b.it, b.taken = *out.NextShardIterator, time.Now()
	}
	return "", nil
}

// refresh polls the iterator when it is older than maxAge, to keep it valid.
func (b *bound) refresh(ctx context.Context, a *api, retries interface{ Add(int64) int64 }, maxAge time.Duration) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seq != "" || b.it == "" || time.Since(b.taken) < maxAge {
		return nil
	}
	_, err := b.pollLocked(ctx, a, retries)
	return err
}

// initBounds takes, for a bounded read, a LATEST iterator of every open shard that is still
// to be read, and keeps them valid while the read lasts.
func (r *run) initBounds(ctx context.Context) error {
	var bounds []*bound
	for _, sh := range r.sorted() {
		if sh.state == done || sh.end != "" || sh.closed {
			continue
		}
		b := &bound{id: sh.id, atMs: r.startMs}
		err := retry(ctx, r.s.cfg.GetIteratorRetry, func(ctx context.Context) error {
			cctx, cancel := context.WithTimeout(ctx, r.s.cfg.StartupTimeout)
			defer cancel()
			out, err := r.api.cl.GetShardIterator(cctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(r.s.cfg.Stream), ShardId: aws.String(sh.id),
				ShardIteratorType: types.ShardIteratorTypeLatest})
			if err == nil {
				b.it, b.taken = aws.ToString(out.ShardIterator), time.Now()
			}
			return err
		}, func(error) { r.s.retries.Add(1) })
		if err != nil {
			return r.api.startupError(r.s.spec.Name, "find the end of shard "+sh.id+" of", err)
		}
		sh.bound = b
		bounds = append(bounds, b)
	}
	if len(bounds) == 0 {
		return nil
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-r.ctx.Done():
				return
			case <-t.C:
				for _, b := range bounds {
					if err := b.refresh(r.ctx, r.api, &r.s.retries, 3*time.Minute); err != nil {
						r.fail(r.ctx, fmt.Errorf("table '%s': shard %s: %v", r.s.spec.Name, b.id, err))
						return
					}
				}
			}
		}
	}()
	return nil
}
