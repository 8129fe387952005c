package exec

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
)

// MessageKind says what a Message carries.
type MessageKind uint8

const (
	// KindBatch carries rows.
	KindBatch MessageKind = iota
	// KindWatermark says no row with event time <= Watermark will arrive any more.
	KindWatermark
	// KindEnd says the input is finished; it always follows a final watermark of MaxWatermark.
	KindEnd
	// KindSplits, from a source with several partitions (Kafka partitions, Kinesis shards),
	// says that it reads Split partitions, numbered 0..Split-1: the watermark is the minimum
	// of theirs. A later KindSplits with a larger Split adds partitions (Kinesis child
	// shards); one with a smaller Split changes nothing. Only the WatermarkAssigner consumes it.
	KindSplits
	// KindIdle says partition Split delivers nothing for now (idle for 'source.idle-timeout',
	// or at the end of a bounded read): it is left out of the minimum until it delivers
	// again. Only the WatermarkAssigner consumes it.
	KindIdle
)

// IsSplitInfo reports whether m is about a source's partitions (KindSplits, KindIdle).
func (m Message) IsSplitInfo() bool { return m.Kind == KindSplits || m.Kind == KindIdle }

// MinWatermark is the watermark before any record; MaxWatermark is the final one of a
// bounded input ("+infinity").
const (
	MinWatermark int64 = math.MinInt64
	MaxWatermark int64 = math.MaxInt64
)

// Message is what flows on every edge of the operator graph.
//
// For KindBatch, Batch holds the rows and RowWatermarks, when not nil, holds for each row
// the watermark as it stood just before that row at its source (semantics.md: lateness is
// decided per record). Operators that drop or reorder rows keep RowWatermarks aligned
// with the rows; operators that do not care pass it on. When RowWatermarks is nil every
// row saw the last watermark message of the edge.
//
// For KindWatermark, Watermark is the new watermark in epoch milliseconds; it never
// goes back on one edge.
//
// Kinds, when not nil, holds the RowKind of each row of an updating stream (semantics.md:
// changelogs); nil means every row is an Insert (an append-only stream, or a batch of
// inserts). Operators that drop or reorder rows keep Kinds aligned, like RowWatermarks.
type Message struct {
	Kind          MessageKind
	Batch         arrow.RecordBatch
	RowWatermarks []int64
	Kinds         []RowKind
	Watermark     int64
	// Split is the source partition of a batch (0 for a source of one partition), the
	// number of partitions for KindSplits, and the idle partition for KindIdle.
	Split int32
	// Position is set by a resumable source (connectors.Resumable) on the messages it emits:
	// where the source stands once this message has been processed. It is an immutable
	// value; operators ignore it and the job keeps the last one of each source.
	Position any
}

// BatchMessage wraps a batch with its per-row watermarks (may be nil).
func BatchMessage(b arrow.RecordBatch, rowWM []int64) Message {
	return Message{Kind: KindBatch, Batch: b, RowWatermarks: rowWM}
}

// ChangelogMessage wraps a batch of an updating stream: kinds[i] is row i's kind (nil: all
// inserts).
func ChangelogMessage(b arrow.RecordBatch, kinds []RowKind) Message {
	return Message{Kind: KindBatch, Batch: b, Kinds: kinds}
}

// KindOf is the kind of row i of a batch message.
func (m Message) KindOf(i int) RowKind {
	if m.Kinds == nil {
		return Insert
	}
	return m.Kinds[i]
}

// RowKind is the change one row of an updating stream makes (Flink's RowKind). Applying a
// changelog in order to an empty multiset of rows: Insert and UpdateAfter add the row,
// UpdateBefore and Delete remove one equal row.
type RowKind uint8

const (
	Insert RowKind = iota
	UpdateBefore
	UpdateAfter
	Delete
)

// String is Flink's short form: +I, -U, +U, -D.
func (k RowKind) String() string {
	switch k {
	case UpdateBefore:
		return "-U"
	case UpdateAfter:
		return "+U"
	case Delete:
		return "-D"
	}
	return "+I"
}

// IsRetract is true for -U and -D: the row leaves the result.
func (k RowKind) IsRetract() bool { return k == UpdateBefore || k == Delete }

// WatermarkMessage announces a new watermark.
func WatermarkMessage(wm int64) Message { return Message{Kind: KindWatermark, Watermark: wm} }

// EndMessage announces the end of the input.
func EndMessage() Message { return Message{Kind: KindEnd} }
