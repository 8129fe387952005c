package exec

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// State encoding: gob, behind a version number, so that a later eddy can refuse (or
// migrate) state it does not understand instead of misreading it.
const stateVersion = 1

type stateWriter struct {
	buf bytes.Buffer
	enc *gob.Encoder
	err error
}

func newStateWriter() *stateWriter {
	w := &stateWriter{}
	w.enc = gob.NewEncoder(&w.buf)
	w.put(stateVersion)
	return w
}

func (w *stateWriter) put(v any) {
	if w.err == nil {
		w.err = w.enc.Encode(v)
	}
}

func (w *stateWriter) bytes() ([]byte, error) { return w.buf.Bytes(), w.err }

type stateReader struct {
	dec *gob.Decoder
	err error
}

func newStateReader(b []byte, id string) (*stateReader, error) {
	r := &stateReader{dec: gob.NewDecoder(bytes.NewReader(b))}
	var v int
	r.get(&v)
	if r.err != nil {
		return nil, fmt.Errorf("state of %s: %w", id, r.err)
	}
	if v != stateVersion {
		return nil, fmt.Errorf("state of %s has version %d; this eddy reads version %d", id, v, stateVersion)
	}
	return r, nil
}

func (r *stateReader) get(v any) {
	if r.err == nil {
		r.err = r.dec.Decode(v)
	}
}

// encodeState is the state made of vals, encoded in order.
func encodeState(vals ...any) ([]byte, error) {
	w := newStateWriter()
	for _, v := range vals {
		w.put(v)
	}
	return w.bytes()
}

// decodeState decodes state written by encodeState into ptrs, in order; id names the
// operator in errors.
func decodeState(b []byte, id string, ptrs ...any) error {
	r, err := newStateReader(b, id)
	if err != nil {
		return err
	}
	for _, p := range ptrs {
		r.get(p)
	}
	if r.err != nil {
		return fmt.Errorf("state of %s: %w", id, r.err)
	}
	return nil
}

// snapshot writes the accumulators and distinct sets of every group.
func (s *aggSet) snapshot(w *stateWriter) {
	for i, a := range s.accs {
		for _, ref := range a.stateRefs() {
			w.put(ref)
		}
		if s.specs[i].Distinct {
			sets := make([][]string, len(s.distinct[i]))
			for g, set := range s.distinct[i] {
				for k := range set {
					sets[g] = append(sets[g], k)
				}
			}
			w.put(sets)
		}
	}
}

func (s *aggSet) restore(r *stateReader) {
	for i, a := range s.accs {
		for _, ref := range a.stateRefs() {
			r.get(ref)
		}
		if s.specs[i].Distinct {
			var sets [][]string
			r.get(&sets)
			s.distinct[i] = make([]map[string]struct{}, len(sets))
			for g, keys := range sets {
				if keys == nil {
					continue
				}
				s.distinct[i][g] = make(map[string]struct{}, len(keys))
				for _, k := range keys {
					s.distinct[i][g][k] = struct{}{}
				}
			}
		}
	}
}

// StateID implements Stateful.
func (w *WatermarkAssigner) StateID() string { return "watermark-assigner" }

// Snapshot implements Stateful.
func (w *WatermarkAssigner) Snapshot() ([]byte, error) {
	sw := newStateWriter()
	sw.put(w.wm)
	sw.put(w.sent)
	wms := make([]int64, len(w.splits))
	idle := make([]bool, len(w.splits))
	for i, sp := range w.splits {
		wms[i], idle[i] = sp.wm, sp.idle
	}
	sw.put(wms)
	sw.put(idle)
	return sw.bytes()
}

// Restore implements Stateful.
func (w *WatermarkAssigner) Restore(b []byte) error {
	r, err := newStateReader(b, w.StateID())
	if err != nil {
		return err
	}
	r.get(&w.wm)
	r.get(&w.sent)
	var wms []int64
	var idle []bool
	r.get(&wms)
	r.get(&idle)
	w.splits = nil
	for i := range wms {
		w.splits = append(w.splits, splitWatermark{wm: wms[i], idle: idle[i]})
	}
	return r.err
}

type windowState struct {
	End, Start int64
	Groups     []int32
}

// Snapshot implements Stateful.
func (w *WindowAggregate) Snapshot() ([]byte, error) {
	sw := newStateWriter()
	sw.put(w.wm)
	sw.put(w.LateRecordsDropped)
	sw.put(w.PartlyLateRecords)
	sw.put(w.nGroups)
	sw.put(w.groupKey)
	sw.put(w.groupInt)
	sw.put(w.groupNull)
	sw.put(w.free)
	var ws []windowState
	for end, pw := range w.windows {
		ws = append(ws, windowState{End: end, Start: pw.start, Groups: pw.groups})
	}
	sw.put(ws)
	w.aggs.snapshot(sw)
	return sw.bytes()
}

// Restore implements Stateful.
func (w *WindowAggregate) Restore(b []byte) error {
	r, err := newStateReader(b, w.spec.ID)
	if err != nil {
		return err
	}
	var ws []windowState
	r.get(&w.wm)
	r.get(&w.LateRecordsDropped)
	r.get(&w.PartlyLateRecords)
	r.get(&w.nGroups)
	r.get(&w.groupKey)
	r.get(&w.groupInt)
	r.get(&w.groupNull)
	r.get(&w.free)
	r.get(&ws)
	w.groupKey = growTo(w.groupKey, w.nGroups)
	w.groupInt = growTo(w.groupInt, w.nGroups)
	w.groupNull = growTo(w.groupNull, w.nGroups)
	w.aggs.grow(w.nGroups)
	w.aggs.restore(r)
	if r.err != nil {
		return fmt.Errorf("state of %s: %w", w.spec.ID, r.err)
	}
	w.windows = map[int64]*pendingWindow{}
	w.ends = w.ends[:0]
	for _, x := range ws {
		pw := w.window(x.End, x.Start)
		pw.groups = x.Groups
		for _, g := range x.Groups {
			switch {
			case w.intKey && w.groupNull[g]:
				pw.nullGroup = g
			case w.intKey:
				pw.byInt.put(w.groupInt[g], g)
			default:
				pw.byKey[w.groupKey[g]] = g
			}
		}
	}
	return nil
}

type sessionState struct {
	Key        string
	Start, End int64
	Group      int32
}

// Snapshot implements Stateful. It is taken between batches, when no session is pending
// emission and no group is redirected.
func (s *SessionAggregate) Snapshot() ([]byte, error) {
	sw := newStateWriter()
	sw.put(s.wm)
	sw.put(s.LateRecordsDropped)
	sw.put(s.nextID)
	sw.put(s.free)
	var open []sessionState
	for k, ks := range s.open {
		for _, x := range ks.sessions {
			open = append(open, sessionState{Key: k, Start: x.start, End: x.end, Group: x.g})
		}
	}
	sw.put(open)
	s.aggs.snapshot(sw)
	return sw.bytes()
}

// Restore implements Stateful.
func (s *SessionAggregate) Restore(b []byte) error {
	r, err := newStateReader(b, s.spec.ID)
	if err != nil {
		return err
	}
	var open []sessionState
	r.get(&s.wm)
	r.get(&s.LateRecordsDropped)
	r.get(&s.nextID)
	r.get(&s.free)
	r.get(&open)
	s.aggs.grow(int(s.nextID))
	s.aggs.restore(r)
	if r.err != nil {
		return fmt.Errorf("state of %s: %w", s.spec.ID, r.err)
	}
	s.open = map[string]*keySessions{}
	s.ends = s.ends[:0]
	for _, x := range open {
		ks := s.open[x.Key]
		if ks == nil {
			ks = &keySessions{key: x.Key}
			s.open[x.Key] = ks
		}
		ks.sessions = append(ks.sessions, session{start: x.Start, end: x.End, g: x.Group})
		s.ends = append(s.ends, timeEntry[sessionRef]{at: x.End, v: sessionRef{g: x.Group, ks: ks}})
	}
	for _, ks := range s.open {
		sortSessions(ks.sessions)
	}
	s.ends.init()
	return nil
}

var (
	_ Stateful = (*WatermarkAssigner)(nil)
	_ Stateful = (*WindowAggregate)(nil)
	_ Stateful = (*SessionAggregate)(nil)
)

// decimalVec gob-encodes a vector of decimals (decimal128.Num has no exported fields).
type decimalVec struct{ p *[]decimal128.Num }

func (d *decimalVec) GobEncode() ([]byte, error) {
	out := make([]byte, 0, 16*len(*d.p))
	for _, n := range *d.p {
		out = binary.LittleEndian.AppendUint64(out, n.LowBits())
		out = binary.LittleEndian.AppendUint64(out, uint64(n.HighBits()))
	}
	return out, nil
}

func (d *decimalVec) GobDecode(b []byte) error {
	if len(b)%16 != 0 {
		return fmt.Errorf("decimal state of %d bytes is not a multiple of 16", len(b))
	}
	v := make([]decimal128.Num, len(b)/16)
	for i := range v {
		v[i] = decimal128.New(int64(binary.LittleEndian.Uint64(b[16*i+8:])), binary.LittleEndian.Uint64(b[16*i:]))
	}
	*d.p = v
	return nil
}
