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
)

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
type Message struct {
	Kind          MessageKind
	Batch         arrow.RecordBatch
	RowWatermarks []int64
	Watermark     int64
}

// BatchMessage wraps a batch with its per-row watermarks (may be nil).
func BatchMessage(b arrow.RecordBatch, rowWM []int64) Message {
	return Message{Kind: KindBatch, Batch: b, RowWatermarks: rowWM}
}

// WatermarkMessage announces a new watermark.
func WatermarkMessage(wm int64) Message { return Message{Kind: KindWatermark, Watermark: wm} }

// EndMessage announces the end of the input.
func EndMessage() Message { return Message{Kind: KindEnd} }
