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
//
// A watermark closes sessions through a min-heap of session ends; entries of sessions that
// have since grown or merged are stale and skipped.
type SessionAggregate struct {
	spec   WindowAggSpec
	schema *arrow.Schema
	mem    memory.Allocator
	late   LateHandler
	keys   *keyCodec
	aggs   *aggSet
	open   map[string]*keySessions
	ends   timeHeap[sessionRef]
	nextID int32
	free   []int32
	wm     int64

	LateRecordsDropped int64

	lates    lateRows
	closed   []closedSession
	redirect map[int32]int32
	merged   []int32
	key      []byte
}

// keySessions are the open sessions of one key, ordered by start.
type keySessions struct {
	key      string
	sessions []session
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
		keys: kc, aggs: as, open: map[string]*keySessions{}, wm: MinWatermark, redirect: map[int32]int32{}}, nil
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
	default:
		return processWatermark(m, &s.wm, s.fire, out)
	}
}

// fire closes and emits the sessions the watermark has passed.
func (s *SessionAggregate) fire(out Emitter) error {
	s.closeUpTo(s.wm)
	return s.emitClosed(out)
}

// closeUpTo moves every open session with end - 1 <= wm to the closed list, in order of end.
// A heap entry is pushed when a session opens; a session that grew since is pushed again
// with its new end when its old entry comes up, and entries of merged-away or already
// closed sessions are dropped.
func (s *SessionAggregate) closeUpTo(wm int64) {
	for len(s.ends) > 0 && s.ends[0].at-1 <= wm {
		e := s.ends.pop()
		ks := e.v.ks
		for i, x := range ks.sessions {
			if x.g != e.v.g {
				continue
			}
			if x.end-1 > wm {
				s.ends.push(x.end, sessionRef{g: x.g, ks: ks})
				break
			}
			s.closed = append(s.closed, closedSession{ks.key, x})
			ks.sessions = append(ks.sessions[:i], ks.sessions[i+1:]...)
			break
		}
		if len(ks.sessions) == 0 && s.open[ks.key] == ks {
			delete(s.open, ks.key)
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
	s.lates.reset()
	for i := 0; i < n; i++ {
		groups[i] = -1
		if tcol.IsNull(i) {
			s.lates.add(i, MinWatermark)
			continue
		}
		rowWM := rowWatermark(m, i, s.wm)
		s.key = s.key[:0]
		for _, kc := range keyCols {
			s.key = appendValue(s.key, kc, i)
		}
		ks := s.open[string(s.key)]
		if ks != nil {
			// Close this key's sessions that the record's watermark has passed.
			kept := ks.sessions[:0]
			for _, x := range ks.sessions {
				if x.end-1 <= rowWM {
					s.closed = append(s.closed, closedSession{ks.key, x})
				} else {
					kept = append(kept, x)
				}
			}
			ks.sessions = kept
		}
		t := ts[i]
		if t+gap-1 <= rowWM {
			if ks != nil && len(ks.sessions) == 0 {
				delete(s.open, ks.key)
			}
			s.lates.add(i, rowWM)
			continue
		}
		if ks == nil {
			ks = &keySessions{key: string(s.key)}
			s.open[ks.key] = ks
		}
		cur := session{start: t, end: t + gap, g: -1}
		rest := ks.sessions[:0]
		for _, x := range ks.sessions {
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
			s.ends.push(cur.end, sessionRef{g: cur.g, ks: ks})
		}
		groups[i] = cur.g
		ks.sessions = append(rest, cur)
		sortSessions(ks.sessions)
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
	if err := s.lates.flush(s.spec.ID, b, s.late, &s.LateRecordsDropped); err != nil {
		return err
	}
	return s.emitClosed(out)
}

// emitClosed emits the closed sessions in the order they closed, and frees their groups.
func (s *SessionAggregate) emitClosed(out Emitter) error {
	if len(s.closed) == 0 {
		return nil
	}
	bld := array.NewRecordBuilder(s.mem, s.schema)
	defer bld.Release()
	nk := len(s.spec.Keys)
	keyB := bld.Fields()[:nk]
	gs := make([]int32, len(s.closed))
	starts := make([]arrow.Timestamp, len(s.closed))
	ends := make([]arrow.Timestamp, len(s.closed))
	times := make([]arrow.Timestamp, len(s.closed))
	for i, c := range s.closed {
		s.keys.decodeInto([]byte(c.key), keyB)
		gs[i], starts[i], ends[i], times[i] = c.g, arrow.Timestamp(c.start), arrow.Timestamp(c.end), arrow.Timestamp(c.end-1)
	}
	bld.Field(nk).(*array.TimestampBuilder).AppendValues(starts, nil)
	bld.Field(nk+1).(*array.TimestampBuilder).AppendValues(ends, nil)
	bld.Field(nk+2).(*array.TimestampBuilder).AppendValues(times, nil)
	s.aggs.emitAll(bld.Fields()[nk+3:], gs)
	s.free = append(s.free, gs...)
	s.closed = s.closed[:0]
	rec := bld.NewRecordBatch()
	defer rec.Release()
	return out.Emit(BatchMessage(rec, nil))
}

func sortSessions(ss []session) {
	if len(ss) > 1 {
		sort.Slice(ss, func(a, b int) bool { return ss[a].start < ss[b].start })
	}
}

// sessionRef is what an entry of the heap of session ends stands for: the session with
// group g among the sessions of ks. The entry's time is the end the session had when it was
// pushed; the session may have grown since (then it is pushed again), or merged away or
// closed (then the entry is dropped).
type sessionRef struct {
	g  int32
	ks *keySessions
}
