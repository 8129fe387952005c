package kafka

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TopicPartition names one partition of one topic.
type TopicPartition struct {
	Topic     string // topic name
	Partition int32  // partition number, from 0
}

// String is "topic/partition".
func (tp TopicPartition) String() string { return fmt.Sprintf("%s/%d", tp.Topic, tp.Partition) }

// PartitionRecords are records of one partition in offset order. Records are franz-go's:
// their Key, Value and Headers alias the fetched buffers and are not copied; a caller that
// keeps a value past its next Poll need not copy it either (franz-go does not reuse them),
// but must not modify it.
type PartitionRecords struct {
	Topic     string        // the records' topic
	Partition int32         // the records' partition
	Records   []*kgo.Record // at least one, offsets increasing
}

// Fetch is what one Reader.Poll returns: records grouped by partition. Each record has Topic,
// Partition, Offset, Timestamp, Key, Value and Headers set. Transaction control records are
// never included.
type Fetch struct {
	Partitions []PartitionRecords // each partition at most once
}

// NumRecords counts the records of f.
func (f Fetch) NumRecords() int {
	n := 0
	for i := range f.Partitions {
		n += len(f.Partitions[i].Records)
	}
	return n
}

// partState is the Reader's view of one partition.
type partState struct {
	start int64 // resolved start offset
	end   int64 // exclusive end offset; -1 when unbounded
	next  int64 // offset after the last record returned (start before any)
	high  int64 // the partition's high watermark at the last fetch (-1: none yet)
	done  bool
}

// Reader reads the partitions of a Config's topics from resolved start offsets, up to bounded
// end offsets when 'scan.bounded.mode' is set. It assigns the partitions itself (it does not
// join the consumer group; the group only supplies and receives committed offsets).
//
// A Reader is not safe for concurrent use, except Close, which may be called from another
// goroutine to stop a blocked Poll.
type Reader struct {
	cfg     *Config
	cl      *kgo.Client
	adm     *kadm.Client
	parts   []TopicPartition
	state   map[string][]*partState // topic -> partition index -> state
	bounded bool
	open    int // partitions not done
}

// NewReader connects (as Check does), resolves every partition's start offset by
// cfg.StartupMode and, when bounded, its end offset by cfg.BoundedMode, once, and starts
// fetching. Partitions whose end is at or before their start are done from the outset.
// Topics matching a 'topic-pattern' and partition counts are those found now: partitions
// added later are not read.
func NewReader(ctx context.Context, cfg *Config) (*Reader, error) {
	var extra []kgo.Opt
	if cfg.BoundedMode != "" && cfg.BoundedMode != Unbounded {
		// Control records tell the Reader that a transaction marker moved the partition's
		// position even when no data record follows: Poll drops them.
		extra = append(extra, kgo.KeepControlRecords())
	}
	cl, tps, err := connect(ctx, cfg, extra...)
	if err != nil {
		if cl != nil {
			cl.Close()
		}
		return nil, err
	}
	r := &Reader{cfg: cfg, cl: cl, adm: kadm.NewClient(cl), state: map[string][]*partState{}, bounded: cfg.BoundedMode != Unbounded}
	for _, t := range tps.sortedTopics() {
		n := tps[t]
		r.state[t] = make([]*partState, n)
		for p := int32(0); p < n; p++ {
			r.parts = append(r.parts, TopicPartition{t, p})
			r.state[t][p] = &partState{end: -1, high: -1}
		}
	}
	if err := r.resolve(ctx, tps); err != nil {
		cl.Close()
		return nil, err
	}
	for tp, o := range cfg.ResumeOffsets {
		if ps := r.state[tp.Topic]; int(tp.Partition) < len(ps) {
			ps[tp.Partition].start = o
		}
	}
	consume := map[string]map[int32]kgo.Offset{}
	for _, tp := range r.parts {
		ps := r.state[tp.Topic][tp.Partition]
		ps.next = ps.start
		if r.bounded && ps.end <= ps.start {
			ps.done = true
			continue
		}
		r.open++
		if consume[tp.Topic] == nil {
			consume[tp.Topic] = map[int32]kgo.Offset{}
		}
		consume[tp.Topic][tp.Partition] = kgo.NewOffset().At(ps.start)
	}
	cl.AddConsumePartitions(consume)
	return r, nil
}

// resolve sets start and end offsets of every partition.
func (r *Reader) resolve(ctx context.Context, tps topicPartitions) error {
	cfg := r.cfg
	topics := tps.sortedTopics()
	var (
		earliest, latest kadm.ListedOffsets
		group            kadm.OffsetResponses
	)
	need := func(which string) error {
		var err error
		switch which {
		case "earliest":
			if earliest == nil {
				earliest, err = r.adm.ListStartOffsets(ctx, topics...)
				err = listErr(err, earliest, "earliest")
			}
		case "latest":
			if latest == nil {
				if cfg.ReadCommitted {
					latest, err = r.adm.ListCommittedOffsets(ctx, topics...)
				} else {
					latest, err = r.adm.ListEndOffsets(ctx, topics...)
				}
				err = listErr(err, latest, "latest")
			}
		case "group":
			if group == nil {
				group, err = r.adm.FetchOffsetsForTopics(ctx, cfg.GroupID, topics...)
				if errors.Is(err, kerr.GroupIDNotFound) {
					// A group that never committed: some brokers say so instead of
					// answering with no offsets.
					group, err = kadm.OffsetResponses{}, nil
				}
				if err != nil {
					err = fmt.Errorf("kafka: cannot fetch the committed offsets of group '%s': %v", cfg.GroupID, err)
				}
			}
		}
		return err
	}
	groupOffset := func(tp TopicPartition) (int64, bool) {
		o, ok := group.Lookup(tp.Topic, tp.Partition)
		if !ok || o.At < 0 {
			return 0, false
		}
		return o.At, true
	}
	at := func(l kadm.ListedOffsets, tp TopicPartition) int64 {
		o, _ := l.Lookup(tp.Topic, tp.Partition)
		return o.Offset
	}

	// Start offsets.
	switch cfg.StartupMode {
	case StartEarliest:
		if err := need("earliest"); err != nil {
			return err
		}
		r.each(func(tp TopicPartition, ps *partState) { ps.start = at(earliest, tp) })
	case StartLatest:
		if err := need("latest"); err != nil {
			return err
		}
		r.each(func(tp TopicPartition, ps *partState) { ps.start = at(latest, tp) })
	case StartTimestamp:
		l, err := r.adm.ListOffsetsAfterMilli(ctx, cfg.StartupTimestampMillis, topics...)
		if err = listErr(err, l, "timestamp"); err != nil {
			return err
		}
		r.each(func(tp TopicPartition, ps *partState) { ps.start = at(l, tp) })
	case StartGroupOffsets, StartSpecificOffsets:
		if cfg.StartupMode == StartSpecificOffsets {
			if err := r.checkListed("scan.startup.specific-offsets", cfg.StartupOffsets, tps); err != nil {
				return err
			}
		}
		if cfg.GroupID != "" {
			if err := need("group"); err != nil {
				return err
			}
		}
		var missing []string
		var errOut error
		r.each(func(tp TopicPartition, ps *partState) {
			if errOut != nil {
				return
			}
			if cfg.StartupMode == StartSpecificOffsets {
				if o, ok := cfg.StartupOffsets[tp.Partition]; ok {
					ps.start = o
					return
				}
			}
			if cfg.GroupID != "" {
				if o, ok := groupOffset(tp); ok {
					ps.start = o
					return
				}
			}
			reset := cfg.AutoOffsetReset
			if cfg.StartupMode == StartSpecificOffsets && reset == "" {
				reset = "earliest"
			}
			switch reset {
			case "earliest":
				if errOut = need("earliest"); errOut == nil {
					ps.start = at(earliest, tp)
				}
			case "latest":
				if errOut = need("latest"); errOut == nil {
					ps.start = at(latest, tp)
				}
			default:
				missing = append(missing, tp.String())
			}
		})
		if errOut != nil {
			return errOut
		}
		if len(missing) > 0 {
			return fmt.Errorf("kafka: group '%s' has no committed offset for %s; set 'properties.auto.offset.reset' = 'earliest' or 'latest', or choose another 'scan.startup.mode'",
				cfg.GroupID, strings.Join(missing, ", "))
		}
	}

	// End offsets.
	switch cfg.BoundedMode {
	case Unbounded:
	case BoundedLatest:
		if err := need("latest"); err != nil {
			return err
		}
		r.each(func(tp TopicPartition, ps *partState) { ps.end = at(latest, tp) })
	case BoundedTimestamp:
		l, err := r.adm.ListOffsetsAfterMilli(ctx, cfg.BoundedTimestampMillis, topics...)
		if err = listErr(err, l, "timestamp"); err != nil {
			return err
		}
		r.each(func(tp TopicPartition, ps *partState) { ps.end = at(l, tp) })
	case BoundedGroupOffsets:
		if err := need("group"); err != nil {
			return err
		}
		r.each(func(tp TopicPartition, ps *partState) {
			if o, ok := groupOffset(tp); ok {
				ps.end = o
			} else {
				ps.end = ps.start // the group consumed nothing here
			}
		})
	case BoundedSpecificOffsets:
		if err := r.checkListed("scan.bounded.specific-offsets", cfg.BoundedOffsets, tps); err != nil {
			return err
		}
		if err := need("latest"); err != nil {
			return err
		}
		r.each(func(tp TopicPartition, ps *partState) {
			if o, ok := cfg.BoundedOffsets[tp.Partition]; ok {
				ps.end = o
			} else {
				ps.end = at(latest, tp)
			}
		})
	}
	return nil
}

// checkListed fails when specific offsets name a partition the (single) topic does not have.
func (r *Reader) checkListed(key string, offsets map[int32]int64, tps topicPartitions) error {
	t := r.cfg.Topics[0]
	for p := range offsets {
		if p >= tps[t] {
			return fmt.Errorf("kafka: option '%s' names partition %d, but topic '%s' has partitions 0 to %d", key, p, t, tps[t]-1)
		}
	}
	return nil
}

func listErr(err error, l kadm.ListedOffsets, what string) error {
	if err == nil {
		err = l.Error()
	}
	if err != nil {
		return fmt.Errorf("kafka: cannot list the %s offsets: %v", what, err)
	}
	return nil
}

func (r *Reader) each(fn func(TopicPartition, *partState)) {
	for _, tp := range r.parts {
		fn(tp, r.state[tp.Topic][tp.Partition])
	}
}

// Partitions lists the partitions the Reader reads, sorted by topic then partition.
func (r *Reader) Partitions() []TopicPartition { return append([]TopicPartition(nil), r.parts...) }

// StartOffsets returns the resolved start offset of every partition.
func (r *Reader) StartOffsets() map[TopicPartition]int64 {
	out := make(map[TopicPartition]int64, len(r.parts))
	r.each(func(tp TopicPartition, ps *partState) { out[tp] = ps.start })
	return out
}

// EndOffsets returns the resolved exclusive end offset of every partition; nil when unbounded.
func (r *Reader) EndOffsets() map[TopicPartition]int64 {
	if !r.bounded {
		return nil
	}
	out := make(map[TopicPartition]int64, len(r.parts))
	r.each(func(tp TopicPartition, ps *partState) { out[tp] = ps.end })
	return out
}

// Offsets returns, for every partition, the offset after the last record Poll returned (the
// start offset before any): what to checkpoint or pass to CommitOffsets to resume after the
// records returned so far.
func (r *Reader) Offsets() map[TopicPartition]int64 {
	out := make(map[TopicPartition]int64, len(r.parts))
	r.each(func(tp TopicPartition, ps *partState) { out[tp] = ps.next })
	return out
}

// HighWatermarks returns the high watermark (end offset) of every partition seen in fetches
// so far; partitions not fetched yet are missing.
func (r *Reader) HighWatermarks() map[TopicPartition]int64 {
	out := make(map[TopicPartition]int64, len(r.parts))
	r.each(func(tp TopicPartition, ps *partState) {
		if ps.high > 0 {
			out[tp] = ps.high
		}
	})
	return out
}

// Done reports whether every partition reached its bounded end offset. It is always false
// for an unbounded Reader.
func (r *Reader) Done() bool { return r.bounded && r.open == 0 }

// Poll waits until records are available, ctx ends or the Reader is Done, and returns up to
// 'properties.max.poll.records' records grouped by partition, in offset order within each
// partition. Records at or past a partition's bounded end are never returned. When Done,
// Poll returns an empty Fetch and nil at once. When ctx ends first, it returns ctx's error
// (and no records). Fetch errors (authorization, a deleted topic, an out-of-range offset with
// 'properties.auto.offset.reset' = 'none') are returned naming the partition.
func (r *Reader) Poll(ctx context.Context) (Fetch, error) {
	for {
		if r.Done() {
			return Fetch{}, nil
		}
		fs := r.cl.PollRecords(ctx, r.cfg.MaxPollRecords)
		if fs.IsClientClosed() {
			return Fetch{}, errors.New("kafka: reader is closed")
		}
		if err := ctx.Err(); err != nil && fs.NumRecords() == 0 {
			return Fetch{}, err
		}
		for _, fe := range fs.Errors() {
			if errors.Is(fe.Err, context.Canceled) || errors.Is(fe.Err, context.DeadlineExceeded) {
				continue
			}
			var dl *kgo.ErrDataLoss
			if errors.As(fe.Err, &dl) {
				continue // the client reset to the next available offset, like Kafka's consumers
			}
			return Fetch{}, fmt.Errorf("kafka: reading %s partition %d: %v", fe.Topic, fe.Partition, fe.Err)
		}
		out := Fetch{Partitions: make([]PartitionRecords, 0, 4)}
		var finished map[string][]int32
		for ti := range fs {
			for _, t := range fs[ti].Topics {
				states := r.state[t.Topic]
				for pi := range t.Partitions {
					p := &t.Partitions[pi]
					if int(p.Partition) >= len(states) {
						continue
					}
					ps := states[p.Partition]
					ps.high = max(ps.high, p.HighWatermark)
					if len(p.Records) == 0 {
						continue
					}
					if ps.done {
						continue
					}
					recs := p.Records
					last := recs[len(recs)-1].Offset
					ps.next = last + 1
					if r.bounded {
						recs = dropControl(recs)
						if last+1 >= ps.end {
							cut := sort.Search(len(recs), func(i int) bool { return recs[i].Offset >= ps.end })
							recs = recs[:cut]
							ps.next = ps.end
							ps.done = true
							r.open--
							if finished == nil {
								finished = map[string][]int32{}
							}
							finished[t.Topic] = append(finished[t.Topic], p.Partition)
						}
					}
					if len(recs) > 0 {
						out.Partitions = append(out.Partitions, PartitionRecords{Topic: t.Topic, Partition: p.Partition, Records: recs})
					}
				}
			}
		}
		if finished != nil {
			r.cl.RemoveConsumePartitions(finished)
		}
		if len(out.Partitions) > 0 || r.Done() {
			return out, nil
		}
		// Only control records or records past an end: poll again.
	}
}

// dropControl removes transaction control records in place (without copying a value); the
// common case of none costs one pass over the record pointers.
func dropControl(recs []*kgo.Record) []*kgo.Record {
	for i, rec := range recs {
		if rec.Attrs.IsControl() {
			keep := recs[:i]
			for _, rec := range recs[i+1:] {
				if !rec.Attrs.IsControl() {
					keep = append(keep, rec)
				}
			}
			return keep
		}
	}
	return recs
}

// CommitOffsets commits offsets (the next offset to read per partition, as Offsets returns)
// for 'properties.group.id', so that a later group-offsets Reader resumes there. It needs a
// group id. Like Flink's Kafka source it commits outside group membership, which Kafka
// refuses while other consumers are active members of the same group.
func (r *Reader) CommitOffsets(ctx context.Context, offsets map[TopicPartition]int64) error {
	if r.cfg.GroupID == "" {
		return errors.New("kafka: committing offsets needs option 'properties.group.id'")
	}
	os := kadm.Offsets{}
	for tp, o := range offsets {
		os.Add(kadm.Offset{Topic: tp.Topic, Partition: tp.Partition, At: o, LeaderEpoch: -1})
	}
	if err := r.adm.CommitAllOffsets(ctx, r.cfg.GroupID, os); err != nil {
		return fmt.Errorf("kafka: committing offsets of group '%s': %v", r.cfg.GroupID, err)
	}
	return nil
}

// Close stops fetching and closes the connections. A Poll blocked in another goroutine
// returns an error.
func (r *Reader) Close() { r.cl.Close() }
