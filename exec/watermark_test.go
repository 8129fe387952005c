package exec

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/eddysql/eddy/exec/expr"
)

// splitsHarness drives a WatermarkAssigner over one BIGINT column "ts" with batches of
// given partitions, recording the watermarks and per-row watermarks it emits.
type splitsHarness struct {
	t      *testing.T
	mem    *memory.CheckedAllocator
	schema *arrow.Schema
	wa     *WatermarkAssigner
	wms    []int64
	rowWMs [][]int64
	out    Emitter
}

func newSplitsHarness(t *testing.T) *splitsHarness {
	h := &splitsHarness{t: t, mem: memory.NewCheckedAllocator(memory.NewGoAllocator()),
		schema: arrow.NewSchema([]arrow.Field{{Name: "ts", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)}
	h.wa = h.newAssigner()
	h.out = EmitFunc(func(m Message) error {
		switch m.Kind {
		case KindWatermark:
			h.wms = append(h.wms, m.Watermark)
		case KindBatch:
			h.rowWMs = append(h.rowWMs, m.RowWatermarks)
		}
		return nil
	})
	return h
}

func (h *splitsHarness) newAssigner() *WatermarkAssigner {
	wa, err := NewWatermarkAssigner(h.schema, &expr.Column{Index: 0, Name: "ts", T: arrow.PrimitiveTypes.Int64}, h.mem)
	require.NoError(h.t, err)
	return wa
}

// batch feeds the timestamps ts as one batch of partition split.
func (h *splitsHarness) batch(split int32, ts ...int64) {
	b := array.NewInt64Builder(h.mem)
	defer b.Release()
	b.AppendValues(ts, nil)
	col := b.NewArray()
	defer col.Release()
	rec := array.NewRecordBatch(h.schema, []arrow.Array{col}, int64(len(ts)))
	defer rec.Release()
	m := BatchMessage(rec, nil)
	m.Split = split
	require.NoError(h.t, h.wa.Process(m, h.out))
}

// TestWatermarkAssignerSplits: a partitioned source's watermark is the minimum over its
// active partitions; an idle partition is left out until it delivers again; rows get the
// watermark just before them.
func TestWatermarkAssignerSplits(t *testing.T) {
	h := newSplitsHarness(t)
	defer h.mem.AssertSize(t, 0)
	wa, out, batch := h.wa, h.out, h.batch
	require.NoError(t, wa.Process(Message{Kind: KindSplits, Split: 3}, out))
	batch(0, 10, 20)
	batch(1, 5)
	require.Empty(t, h.wms, "partition 2 has not delivered: no watermark yet")
	batch(2, 7, 30)
	require.Equal(t, []int64{5}, h.wms, "min(20, 5, 30)")
	require.Equal(t, []int64{MinWatermark, 5}, h.rowWMs[2])
	require.NoError(t, wa.Process(Message{Kind: KindIdle, Split: 1}, out))
	require.Equal(t, []int64{5, 20}, h.wms, "partition 1 idle: min(20, 30)")
	batch(1, 6)
	require.Equal(t, []int64{20}, h.rowWMs[3], "the row of the woken partition sees the watermark, which never goes back")
	batch(1, 25)
	require.Equal(t, []int64{5, 20}, h.wms, "min(20, 25, 30) = 20: no change")
	batch(0, 40)
	require.Equal(t, []int64{5, 20, 25}, h.wms)

	// A restored assigner continues from the same partition watermarks.
	state, err := wa.Snapshot()
	require.NoError(t, err)
	h.wa = h.newAssigner()
	require.NoError(t, h.wa.Restore(state))
	batch(1, 50)
	require.Equal(t, []int64{5, 20, 25, 30}, h.wms, "min(40, 50, 30)")
}

// TestWatermarkAssignerSplitsGrow: a source that announces more partitions while running
// (Kinesis resharding) holds the watermark until the new ones deliver; a finished parent
// marked idle stops holding it back, and its children's rows are not late.
func TestWatermarkAssignerSplitsGrow(t *testing.T) {
	h := newSplitsHarness(t)
	defer h.mem.AssertSize(t, 0)
	wa, out, batch := h.wa, h.out, h.batch
	require.NoError(t, wa.Process(Message{Kind: KindSplits, Split: 2}, out))
	batch(0, 100)
	batch(1, 50)
	require.Equal(t, []int64{50}, h.wms)
	// Shard 1 split into 2 and 3: announced before shard 1 is marked finished (idle).
	require.NoError(t, wa.Process(Message{Kind: KindSplits, Split: 4}, out))
	require.NoError(t, wa.Process(Message{Kind: KindSplits, Split: 3}, out), "a smaller count changes nothing")
	require.NoError(t, wa.Process(Message{Kind: KindIdle, Split: 1}, out))
	require.Equal(t, []int64{50}, h.wms, "children 2 and 3 have not delivered: the watermark holds")
	batch(2, 60)
	require.Equal(t, []int64{50}, h.rowWMs[2], "the child's row is judged against the parent's watermark, not shard 0's")
	require.Equal(t, []int64{50}, h.wms, "child 3 still holds it")
	batch(3, 70)
	require.Equal(t, []int64{50, 60}, h.wms, "min(100, 60, 70) over the active shards")
	require.NoError(t, wa.Process(Message{Kind: KindIdle, Split: 3}, out))
	batch(2, 120)
	require.Equal(t, []int64{50, 60, 100}, h.wms, "min(100, 120) with shard 3 idle")
}
