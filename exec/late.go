package exec

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// LateHandler receives the rows an operator dropped as late: rows of b (its input batch)
// together with the watermark each was late against, or MinWatermark for a row dropped
// because its event time is NULL. It must not keep b.
type LateHandler interface {
	Late(op string, b arrow.RecordBatch, rows []int, watermarks []int64) error
}

// rowWatermark is the watermark row i of m saw: its RowWatermarks entry, or wm (the last
// watermark message of the input) when there are none.
func rowWatermark(m Message, i int, wm int64) int64 {
	if m.RowWatermarks != nil {
		return m.RowWatermarks[i]
	}
	return wm
}

// lateRows collects the rows of one input batch that an operator drops as late, with the
// watermark each was late against, for its LateHandler.
type lateRows struct {
	rows []int
	wms  []int64
}

func (l *lateRows) reset() { l.rows, l.wms = l.rows[:0], l.wms[:0] }

// add records row i, late against wm (MinWatermark: dropped for a NULL event time).
func (l *lateRows) add(i int, wm int64) {
	l.rows = append(l.rows, i)
	l.wms = append(l.wms, wm)
}

// late reports whether row i is dropped, and then records it: when null (its event time
// is NULL), or when its time t <= rwm, the watermark the row saw.
func (l *lateRows) late(i int, null bool, t, rwm int64) bool {
	switch {
	case null:
		l.add(i, MinWatermark)
	case t <= rwm:
		l.add(i, rwm)
	default:
		return false
	}
	return true
}

// flush counts the rows in *count and hands them to h (which may be nil).
func (l *lateRows) flush(op string, b arrow.RecordBatch, h LateHandler, count *int64) error {
	if len(l.rows) == 0 {
		return nil
	}
	*count += int64(len(l.rows))
	if h == nil {
		return nil
	}
	return h.Late(op, b, l.rows, l.wms)
}
