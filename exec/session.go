package exec

import (
	"fmt"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// SessionAggregate is the operator for SESSION window aggregations. Per key it keeps the
// open sessions, each with its own group id. A record opens the interval [ts, ts+gap); open
// sessions of its key that overlap it merge into one (records closer than gap merge).
//
// Lateness is decided per record: before a record is placed, its key's sessions whose
// end - 1 <= the record's watermark are closed (they are emitted, and later records start
// new sessions), and the record is late when ts + gap - 1 <= that watermark.
type SessionAggregate struct {
	spec   WindowAggSpec
	schema *arrow.Schema
	mem    memory.Allocator
	late   LateHandler
	keys   *keyCodec
	aggs   *aggSet
	open   map[string][]session
	nextID int32
	free   []int32
	wm     int64

	LateRecordsDropped int64

	closed   []closedSession
	redirect map[int32]int32
	merged   []int32
	key      []byte
}

type session struct {
	start, end int64
	g          int32
}

type closedSession struct {
	key string
	session
}

// NewSessionAggregate builds the operator; late may be nil.
func NewSessionAggregate(input *arrow.Schema, spec WindowAggSpec, mem memory.Allocator, late LateHandler) (*SessionAggregate, error) {
	if spec.Window.Kind != Session {
		return nil, fmt.Errorf("exec: NewSessionAggregate needs a SESSION window")
	}
	kc, as, err := newWindowState(input, spec)
	if err != nil {
		return nil, err
	}
	return &SessionAggregate{spec: spec, schema: WindowOutputSchema(input, spec), mem: mem, late: late,
		keys: kc, aggs: as, open: map[string][]session{}, wm: MinWatermark, redirect: map[int32]int32{}}, nil
}

func (s *SessionAggregate) Schema() *arrow.Schema { return s.schema }
func (s *SessionAggregate) StateID() string       { return s.spec.ID }
func (s *SessionAggregate) Close() error          { return nil }

func (s *SessionAggregate) newGroup() int32 {
	var g int32
	if n := len(s.free); n > 0 {
		g = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		g = s.nextID
		s.nextID++
		s.aggs.grow(int(s.nextID))
	}
	s.aggs.reset(g)
	return g
}

func (s *SessionAggregate) find(g int32) int32 {
	for {
		r, ok := s.redirect[g]
		if !ok {
			return g
		}
		g = r
	}
}

func (s *SessionAggregate) Process(m Message, out Emitter) error {
	switch m.Kind {
	case KindBatch:
		return s.processBatch(m, out)
	case KindWatermark:
		if m.Watermark <= s.wm {
			return nil
		}
		s.wm = m.Watermark
		s.closeUpTo(s.wm)
		if err := s.emitClosed(out); err != nil {
			return err
		}
		return out.Emit(m)
	default:
		if s.wm != MaxWatermark {
			s.wm = MaxWatermark
			s.closeUpTo(MaxWatermark)
			if err := s.emitClosed(out); err != nil {
				return err
			}
			if err := out.Emit(WatermarkMessage(MaxWatermark)); err != nil {
				return err
			}
		}
		return out.Emit(m)
	}
}

// closeUpTo moves every open session with end - 1 <= wm to the closed list.
func (s *SessionAggregate) closeUpTo(wm int64) {
	for k, ss := range s.open {
		kept := ss[:0]
		for _, x := range ss {
			if x.end-1 <= wm {
				s.closed = append(s.closed, closedSession{k, x})
			} else {
				kept = append(kept, x)
			}
		}
		if len(kept) == 0 {
			delete(s.open, k)
		} else {
			s.open[k] = kept
		}
	}
}

func (s *SessionAggregate) processBatch(m Message, out Emitter) error {
	b := m.Batch
	n := int(b.NumRows())
	tcol := b.Column(s.spec.Window.TimeCol)
	ts := int64s(tcol, nil)
	keyCols := make([]arrow.Array, len(s.spec.Keys))
	for i, k := range s.spec.Keys {
		keyCols[i] = b.Column(k)
	}
	gap := s.spec.Window.Gap
	groups := make([]int32, n)
	var lateRows []int
	var lateWMs []int64
	for i := 0; i < n; i++ {
		groups[i] = -1
		if tcol.IsNull(i) {
			s.LateRecordsDropped++
			lateRows = append(lateRows, i)
			lateWMs = append(lateWMs, MinWatermark)
			continue
		}
		rowWM := s.wm
		if m.RowWatermarks != nil {
			rowWM = m.RowWatermarks[i]
		}
		s.key = s.key[:0]
		for _, kc := range keyCols {
			s.key = appendValue(s.key, kc, i)
		}
		ss := s.open[string(s.key)]
		// Close this key's sessions that the record's watermark has passed.
		kept := ss[:0]
		for _, x := range ss {
			if x.end-1 <= rowWM {
				s.closed = append(s.closed, closedSession{string(s.key), x})
			} else {
				kept = append(kept, x)
			}
		}
		ss = kept
		t := ts[i]
		if t+gap-1 <= rowWM {
			s.LateRecordsDropped++
			lateRows = append(lateRows, i)
			lateWMs = append(lateWMs, rowWM)
			s.storeOpen(ss)
			continue
		}
		cur := session{start: t, end: t + gap, g: -1}
		rest := ss[:0:0]
		for _, x := range ss {
			if x.start < cur.end && cur.start < x.end {
				cur.start = min(cur.start, x.start)
				cur.end = max(cur.end, x.end)
				if cur.g < 0 {
					cur.g = x.g
				} else {
					s.aggs.merge(cur.g, x.g)
					s.redirect[x.g] = cur.g
					s.merged = append(s.merged, x.g)
				}
			} else {
				rest = append(rest, x)
			}
		}
		if cur.g < 0 {
			cur.g = s.newGroup()
		}
		groups[i] = cur.g
		rest = append(rest, cur)
		sortSessions(rest)
		s.storeOpen(rest)
	}
	for i, g := range groups {
		if g >= 0 {
			groups[i] = s.find(g)
		}
	}
	s.aggs.update(b, groups)
	for _, g := range s.merged {
		delete(s.redirect, g)
		s.free = append(s.free, g)
	}
	s.merged = s.merged[:0]
	if len(lateRows) > 0 && s.late != nil {
		if err := s.late.Late(s.spec.ID, b, lateRows, lateWMs); err != nil {
			return err
		}
	}
	return s.emitClosed(out)
}

func (s *SessionAggregate) storeOpen(ss []session) {
	if len(ss) == 0 {
		delete(s.open, string(s.key))
		return
	}
	s.open[string(s.key)] = ss
}

func (s *SessionAggregate) emitClosed(out Emitter) error {
	if len(s.closed) == 0 {
		return nil
	}
	sort.SliceStable(s.closed, func(a, b int) bool { return s.closed[a].end < s.closed[b].end })
	bld := array.NewRecordBuilder(s.mem, s.schema)
	defer bld.Release()
	nk := len(s.spec.Keys)
	keyB := bld.Fields()[:nk]
	aggB := bld.Fields()[nk+3:]
	for _, c := range s.closed {
		s.keys.decodeInto([]byte(c.key), keyB)
		appendInt64(bld.Field(nk), c.start)
		appendInt64(bld.Field(nk+1), c.end)
		appendInt64(bld.Field(nk+2), c.end-1)
		s.aggs.emit(aggB, c.g)
		s.free = append(s.free, c.g)
	}
	s.closed = s.closed[:0]
	rec := bld.NewRecordBatch()
	defer rec.Release()
	return out.Emit(BatchMessage(rec, nil))
}

func sortSessions(ss []session) {
	sort.Slice(ss, func(a, b int) bool { return ss[a].start < ss[b].start })
}
