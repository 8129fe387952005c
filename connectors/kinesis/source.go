package kinesis

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/eddysql/eddy/connectors"
	"github.com/eddysql/eddy/exec"
)

// tableSource reads a Kinesis table: every shard in its own goroutine, each shard's records
// decoded into batches of their own (exec.Message.Split is the shard's split number), so
// that the watermark is kept per shard.
//
// Shards and splits: the source announces how many shards it knows (exec.KindSplits) and
// announces a larger number when resharding adds child shards. A child shard is read only
// after all its parents were read to their end, so records of one partition key stay in
// order. A shard read to its end is reported idle (exec.KindIdle) once its children are
// announced, so it stops holding the watermark back while they, not yet delivering, hold it
// where the parent left it. A shard that delivers nothing for 'source.idle-timeout' is
// reported idle too, until it delivers again.
//
// Every message carries the source's Position (connectors.Resumable).
type tableSource struct {
	spec   connectors.TableSpec
	cfg    *Config
	layout *layout
	idle   time.Duration
	resume *Position // from ResumeAt; nil for a fresh start

	// stats, for tests and reports.
	retries   atomic.Int64 // transient errors retried
	reacquire atomic.Int64 // expired iterators re-acquired
	calls     atomic.Int64 // GetRecords calls (or EFO events)
}

var _ connectors.Resumable = (*tableSource)(nil)

func newTableSource(spec connectors.TableSpec) (*tableSource, error) {
	cfg, err := ParseConfig(spec.Options)
	if err != nil {
		return nil, fmt.Errorf("table '%s': %v", spec.Name, err)
	}
	l, err := newLayout(spec)
	if err != nil {
		return nil, err
	}
	if mc, err := newMetadataColumns(spec, l.meta, spec.Mem); err != nil {
		return nil, err
	} else {
		for _, m := range mc {
			m.b.Release()
		}
	}
	if isRaw(spec) {
		if l.value.Schema.NumFields() != 1 || !isText(l.value.Schema.Field(0).Type) {
			return nil, fmt.Errorf("table '%s': 'format' = 'raw' reads the record data into one STRING or BYTES column (besides METADATA columns)", spec.Name)
		}
		l.raw = true
	} else if d, err := connectors.NewDecoder(l.value); err != nil {
		return nil, err
	} else {
		d.Release()
	}
	idle := 30 * time.Second
	if v := strings.TrimSpace(spec.Options["source.idle-timeout"]); v != "" {
		if idle, err = connectors.ParseDuration(v); err != nil {
			return nil, fmt.Errorf("table '%s': 'source.idle-timeout': %v", spec.Name, err)
		}
	}
	return &tableSource{spec: spec, cfg: cfg, layout: l, idle: idle}, nil
}

func isRaw(spec connectors.TableSpec) bool {
	return strings.EqualFold(strings.TrimSpace(spec.Options["format"]), "raw")
}

func (s *tableSource) Schema() *arrow.Schema { return s.spec.Schema }

// EncodePosition implements connectors.Resumable: JSON with a version.
func (s *tableSource) EncodePosition(pos any) ([]byte, error) { return encodePosition(pos) }

// ResumeAt implements connectors.Resumable: Run continues each shard after its last
// sequence number read, skips the shards read to their end and reads the children of
// those. The startup options ('scan.stream.initpos') are ignored; shards the position does
// not know (created later) are read from their start.
func (s *tableSource) ResumeAt(b []byte) error {
	p, err := decodePosition(b, s.cfg.Stream)
	if err != nil {
		return fmt.Errorf("table '%s': %v", s.spec.Name, err)
	}
	s.resume = p
	return nil
}

type shardState uint8

const (
	pending shardState = iota // waiting for its parents to be read to their end
	running
	done
)

// shard is the source's view of one shard; only Run's goroutine touches it.
type shard struct {
	id       string
	parents  []string
	split    int32 // -1: not read (closed before a LATEST start)
	closed   bool  // closed when listed: read to its end, never bounded
	state    shardState
	seq      string // last sequence number read
	start    string // where it starts when seq is "" (ShardPosition.Start)
	latest   bool   // a fresh LATEST start: the first iterator is LATEST
	end      string // bounded: the first sequence number past the bound, when known
	bound    *bound // bounded: finds end; nil when unbounded or closed at the start
	lastData time.Time
	idle     bool
}

func (sh *shard) position() ShardPosition {
	return ShardPosition{Split: sh.split, Seq: sh.seq, Done: sh.state == done, Start: sh.start, End: sh.end}
}

// shardEvent is what a shard's reader hands Run: a batch, how far it read, bad records,
// the end of the shard, or an error.
type shardEvent struct {
	sh    *shard
	batch arrow.RecordBatch // nil when none
	seq   string            // last sequence number read; "" when unchanged
	end   string            // bounded: the bound found
	bad   []connectors.BadRecord
	done  bool
	err   error
}

// run is one Run of a source.
type run struct {
	s           *tableSource
	api         *api
	out         exec.Emitter
	ctx         context.Context
	shards      map[string]*shard
	nextSplit   int32
	announced   int32
	pos         *Position
	finished    []*shard // read to their end, not yet reported idle: their children are not known yet
	events      chan shardEvent
	wg          sync.WaitGroup
	consumerARN string // EFO
	startMs     int64
}

// Run implements connectors.Source.
func (s *tableSource) Run(ctx context.Context, out exec.Emitter) error {
	ctx, cancel := context.WithCancel(ctx)
	r := &run{s: s, out: out, ctx: ctx, shards: map[string]*shard{}, events: make(chan shardEvent, 4),
		pos: &Position{Stream: s.cfg.Stream, Shards: map[string]ShardPosition{}}, startMs: time.Now().UnixMilli()}
	defer func() {
		cancel()
		// Readers stop at ctx; drain what they had in flight so none blocks.
		go func() { r.wg.Wait(); close(r.events) }()
		for ev := range r.events {
			if ev.batch != nil {
				ev.batch.Release()
			}
		}
	}()
	var err error
	if r.api, err = newAPI(ctx, s.cfg); err != nil {
		return fmt.Errorf("table '%s': %v", s.spec.Name, err)
	}
	arn, err := r.api.describe(ctx, s.spec.Name, "read")
	if err != nil {
		return err
	}
	listed, err := r.listShards(ctx, true)
	if err != nil {
		return err
	}
	if s.cfg.Publisher == EFO {
		if r.consumerARN, err = r.api.consumer(ctx, s.spec.Name, arn); err != nil {
			return err
		}
	}
	r.initShards(listed)
	if s.cfg.Bounded {
		if err := r.initBounds(ctx); err != nil {
			return err
		}
	}
	if err := r.announce(); err != nil {
		return err
	}
	for _, sh := range r.sorted() {
		if sh.state == done && sh.split >= 0 {
			if err := r.emit(exec.Message{Kind: exec.KindIdle, Split: sh.split}); err != nil {
				return err
			}
		}
	}
	r.startReadable()
	if s.cfg.Bounded && r.allDone() {
		return r.emit(exec.EndMessage())
	}

	var discovery <-chan time.Time
	if !s.cfg.Bounded && s.cfg.DiscoveryInterval > 0 {
		t := time.NewTicker(s.cfg.DiscoveryInterval)
		defer t.Stop()
		discovery = t.C
	}
	var idleTick <-chan time.Time
	if s.idle > 0 {
		t := time.NewTicker(min(max(s.idle/4, 10*time.Millisecond), time.Second))
		defer t.Stop()
		idleTick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev := <-r.events:
			end, err := r.handle(ev)
			if err != nil || end {
				return err
			}
		case <-discovery:
			if err := r.discover(); err != nil {
				return err
			}
		case now := <-idleTick:
			for _, sh := range r.sorted() {
				if sh.state == running && !sh.idle && now.Sub(sh.lastData) >= s.idle {
					sh.idle = true
					if err := r.emit(exec.Message{Kind: exec.KindIdle, Split: sh.split}); err != nil {
						return err
					}
				}
			}
		}
	}
}

// emit sends m with the current position.
func (r *run) emit(m exec.Message) error {
	m.Position = r.pos
	return r.out.Emit(m)
}

// update records sh's progress in a new Position.
func (r *run) update(sh *shard) { r.pos = r.pos.with(sh.id, sh.position()) }

// announce tells the watermark how many splits there are, when that grew.
func (r *run) announce() error {
	if r.nextSplit == r.announced && r.announced > 0 {
		return nil
	}
	r.announced = r.nextSplit
	return r.emit(exec.Message{Kind: exec.KindSplits, Split: r.nextSplit})
}

// handle applies one reader event; end is true when a bounded read is complete (KindEnd
// emitted).
func (r *run) handle(ev shardEvent) (end bool, err error) {
	if ev.err != nil {
		if ev.batch != nil {
			ev.batch.Release()
		}
		return false, ev.err
	}
	sh := ev.sh
	for _, b := range ev.bad {
		if err := r.s.spec.BadRecords.BadRecord(b); err != nil {
			if ev.batch != nil {
				ev.batch.Release()
			}
			return false, err
		}
	}
	if ev.seq != "" {
		sh.seq = ev.seq
	}
	if ev.end != "" {
		sh.end = ev.end
	}
	if ev.seq != "" || ev.end != "" || ev.done {
		if ev.done {
			sh.state = done
		}
		r.update(sh)
	}
	if ev.batch != nil {
		sh.lastData, sh.idle = time.Now(), false
		m := exec.BatchMessage(ev.batch, nil)
		m.Split = sh.split
		err := r.emit(m)
		ev.batch.Release()
		if err != nil {
			return false, err
		}
	}
	if !ev.done {
		return false, nil
	}
	// The shard is read to its end: announce its children before it stops holding the
	// watermark, so that they hold it where it was. Until a listing succeeds, it holds it.
	r.finished = append(r.finished, sh)
	if !r.s.cfg.Bounded {
		if err := r.discover(); err != nil {
			return false, err
		}
	} else if err := r.releaseFinished(); err != nil {
		return false, err
	}
	r.startReadable()
	if r.s.cfg.Bounded && r.allDone() {
		return true, r.emit(exec.EndMessage())
	}
	return false, nil
}

// releaseFinished reports the shards read to their end idle, once their children are known.
func (r *run) releaseFinished() error {
	for _, sh := range r.finished {
		if err := r.emit(exec.Message{Kind: exec.KindIdle, Split: sh.split}); err != nil {
			return err
		}
	}
	r.finished = nil
	return nil
}

func (r *run) allDone() bool {
	for _, sh := range r.shards {
		if sh.state != done {
			return false
		}
	}
	return true
}

func (r *run) sorted() []*shard {
	out := make([]*shard, 0, len(r.shards))
	for _, sh := range r.shards {
		out = append(out, sh)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// listShards lists every shard of the stream (all pages). At startup the listing is bounded
// by 'aws.startup-timeout'.
func (r *run) listShards(ctx context.Context, startup bool) ([]types.Shard, error) {
	if startup {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.s.cfg.StartupTimeout)
		defer cancel()
	}
	var shards []types.Shard
	var token *string
	for {
		in := &kinesis.ListShardsInput{}
		if token != nil {
			in.NextToken = token
		} else {
			in.StreamName = aws.String(r.s.cfg.Stream)
		}
		var out *kinesis.ListShardsOutput
		err := retry(ctx, r.s.cfg.ListShardsRetry, func(ctx context.Context) error {
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			var err error
			out, err = r.api.cl.ListShards(cctx, in)
			return err
		}, func(error) { r.s.retries.Add(1) })
		if err != nil {
			if startup {
				return nil, r.api.startupError(r.s.spec.Name, "list the shards of", err)
			}
			return nil, err
		}
		shards = append(shards, out.Shards...)
		if out.NextToken == nil || *out.NextToken == "" {
			return shards, nil
		}
		token = out.NextToken
	}
}

// startOf is where a shard found at the start begins, by 'scan.stream.initpos'.
func (r *run) startOf() string {
	switch r.s.cfg.InitPos {
	case AtTimestamp:
		return "AT_TIMESTAMP:" + strconv.FormatInt(r.s.cfg.InitTimestamp.UnixMilli(), 10)
	case Latest:
		return "AT_TIMESTAMP:" + strconv.FormatInt(r.startMs, 10)
	}
	return "TRIM_HORIZON"
}

func parentsOf(s types.Shard) []string {
	var p []string
	if s.ParentShardId != nil && *s.ParentShardId != "" {
		p = append(p, *s.ParentShardId)
	}
	if s.AdjacentParentShardId != nil && *s.AdjacentParentShardId != "" {
		p = append(p, *s.AdjacentParentShardId)
	}
	return p
}

func isClosed(s types.Shard) bool {
	return s.SequenceNumberRange != nil && s.SequenceNumberRange.EndingSequenceNumber != nil
}

// initShards sets up the shards found at the start, from the resumed position or by
// 'scan.stream.initpos'.
func (r *run) initShards(listed []types.Shard) {
	sort.Slice(listed, func(i, j int) bool { return aws.ToString(listed[i].ShardId) < aws.ToString(listed[j].ShardId) })
	if p := r.s.resume; p != nil {
		for _, sp := range p.Shards {
			r.nextSplit = max(r.nextSplit, sp.Split+1)
		}
		seen := map[string]bool{}
		for _, s := range listed {
			id := aws.ToString(s.ShardId)
			seen[id] = true
			sh := &shard{id: id, parents: parentsOf(s), start: "TRIM_HORIZON", closed: isClosed(s)}
			if sp, ok := p.Shards[id]; ok {
				sh.split, sh.seq, sh.start, sh.end = sp.Split, sp.Seq, sp.Start, sp.End
				if sp.Done {
					sh.state = done
				}
			} else {
				sh.split = r.nextSplit
				r.nextSplit++
			}
			r.shards[id] = sh
		}
		// Shards of the position no longer listed are past the stream's retention.
		for id, sp := range p.Shards {
			if !seen[id] {
				r.shards[id] = &shard{id: id, split: sp.Split, seq: sp.Seq, state: done, start: sp.Start}
			}
		}
	} else {
		for _, s := range listed {
			id := aws.ToString(s.ShardId)
			sh := &shard{id: id, parents: parentsOf(s), start: r.startOf(), split: -1, closed: isClosed(s)}
			if r.s.cfg.InitPos == Latest {
				if isClosed(s) {
					sh.state = done // all of it is older than the start
				} else {
					sh.latest = true
				}
			}
			if sh.state != done {
				sh.split = r.nextSplit
				r.nextSplit++
			}
			r.shards[id] = sh
		}
	}
	for _, sh := range r.shards {
		r.update(sh)
	}
}

// readable reports whether sh may be read: every parent this source knows is read to its
// end (a parent it does not know is past the retention period, or was not read at all).
func (r *run) readable(sh *shard) bool {
	if sh.state != pending {
		return false
	}
	for _, p := range sh.parents {
		if ps, ok := r.shards[p]; ok && ps.state != done {
			return false
		}
	}
	return true
}

// startReadable starts a reader for every shard that may now be read.
func (r *run) startReadable() {
	for _, sh := range r.sorted() {
		if !r.readable(sh) {
			continue
		}
		sh.state = running
		sh.lastData = time.Now()
		rd := &shardReader{r: r, sh: sh, id: sh.id, after: sh.seq, start: sh.start, latest: sh.latest, end: sh.end, bound: sh.bound}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			rd.run(r.ctx)
		}()
	}
}

// discover lists the shards and adds the new ones (children of a reshard), announcing them;
// then the shards read to their end are reported idle. Transient errors are left for the
// next discovery; a vanished stream is an error.
func (r *run) discover() error {
	listed, err := r.listShards(r.ctx, false)
	if err != nil {
		if r.ctx.Err() != nil {
			return r.ctx.Err()
		}
		if classify(err) == transient {
			return nil
		}
		return fmt.Errorf("table '%s': listing the shards of stream '%s': %v", r.s.spec.Name, r.s.cfg.Stream, err)
	}
	sort.Slice(listed, func(i, j int) bool { return aws.ToString(listed[i].ShardId) < aws.ToString(listed[j].ShardId) })
	added := false
	for _, s := range listed {
		id := aws.ToString(s.ShardId)
		if _, ok := r.shards[id]; ok {
			continue
		}
		sh := &shard{id: id, parents: parentsOf(s), start: "TRIM_HORIZON", split: r.nextSplit}
		r.nextSplit++
		r.shards[id] = sh
		r.update(sh)
		added = true
	}
	if added {
		if err := r.announce(); err != nil {
			return err
		}
		r.startReadable()
	}
	return r.releaseFinished()
}

// send hands ev to Run; false when the source is stopping (ev's batch is then released).
func (r *run) send(ctx context.Context, ev shardEvent) bool {
	select {
	case r.events <- ev:
		return true
	case <-ctx.Done():
		if ev.batch != nil {
			ev.batch.Release()
		}
		return false
	}
}

// fail reports a reader's error to Run.
func (r *run) fail(ctx context.Context, err error) {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return
	}
	r.send(ctx, shardEvent{err: err})
}
