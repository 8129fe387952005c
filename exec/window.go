package exec

import (
	"fmt"
	"strings"
)

// WindowKind names a window table-valued function.
type WindowKind uint8

const (
	Tumble WindowKind = iota
	Hop
	Cumulate
	Session
)

func (k WindowKind) String() string {
	return [...]string{"TUMBLE", "HOP", "CUMULATE", "SESSION"}[k]
}

// WindowSpec describes the windows of a TVF or a legacy group window. All durations are in
// milliseconds. TimeCol is the input column holding the time attribute.
//
//	TUMBLE:   windows [offset + k*Size, offset + (k+1)*Size)
//	HOP:      windows of length Size starting at offset + k*Slide
//	CUMULATE: for w = offset + floor((t-offset)/Size)*Size, windows [w, w + j*Slide) for j = 1..Size/Slide
//	SESSION:  per key, records closer than Gap merge; [first, last + Gap)
type WindowSpec struct {
	Kind    WindowKind
	TimeCol int
	Size    int64
	Slide   int64 // HOP slide, CUMULATE step
	Offset  int64
	Gap     int64
	// ProcTime: TimeCol is a processing-time attribute (PROCTIME()); the window's
	// watermarks come from exec.ProcTimeWatermarks, not from the table's WATERMARK.
	ProcTime bool
}

func (w WindowSpec) String() string {
	if w.ProcTime {
		v := w
		v.ProcTime = false
		return strings.Replace(v.String(), "(", "(proctime, ", 1)
	}
	switch w.Kind {
	case Tumble:
		return fmt.Sprintf("TUMBLE(size=%s%s)", fmtMillis(w.Size), fmtOffset(w.Offset))
	case Hop:
		return fmt.Sprintf("HOP(slide=%s, size=%s%s)", fmtMillis(w.Slide), fmtMillis(w.Size), fmtOffset(w.Offset))
	case Cumulate:
		return fmt.Sprintf("CUMULATE(step=%s, size=%s%s)", fmtMillis(w.Slide), fmtMillis(w.Size), fmtOffset(w.Offset))
	default:
		return fmt.Sprintf("SESSION(gap=%s)", fmtMillis(w.Gap))
	}
}

func fmtOffset(o int64) string {
	if o == 0 {
		return ""
	}
	return ", offset=" + fmtMillis(o)
}

func fmtMillis(ms int64) string {
	switch {
	case ms%86_400_000 == 0:
		return fmt.Sprintf("%dd", ms/86_400_000)
	case ms%3_600_000 == 0:
		return fmt.Sprintf("%dh", ms/3_600_000)
	case ms%60_000 == 0:
		return fmt.Sprintf("%dmin", ms/60_000)
	case ms%1000 == 0:
		return fmt.Sprintf("%ds", ms/1000)
	}
	return fmt.Sprintf("%dms", ms)
}

// Validate reports a window whose sizes make no sense.
func (w WindowSpec) Validate() error {
	switch w.Kind {
	case Tumble:
		if w.Size <= 0 {
			return fmt.Errorf("TUMBLE size must be positive")
		}
	case Hop:
		if w.Size <= 0 || w.Slide <= 0 {
			return fmt.Errorf("HOP slide and size must be positive")
		}
		if w.Size%w.Slide != 0 {
			return fmt.Errorf("HOP size (%s) must be an integral multiple of the slide (%s)", fmtMillis(w.Size), fmtMillis(w.Slide))
		}
	case Cumulate:
		if w.Size <= 0 || w.Slide <= 0 {
			return fmt.Errorf("CUMULATE step and size must be positive")
		}
		if w.Size%w.Slide != 0 {
			return fmt.Errorf("CUMULATE size (%s) must be an integral multiple of the step (%s)", fmtMillis(w.Size), fmtMillis(w.Slide))
		}
	case Session:
		if w.Gap <= 0 {
			return fmt.Errorf("SESSION gap must be positive")
		}
	}
	return nil
}

// floorTo is the largest offset + k*size that is <= t (works for negative t).
func floorTo(t, size, offset int64) int64 {
	r := (t - offset) % size
	if r < 0 {
		r += size
	}
	return t - r
}

// satAdd is a + d, clamped to the int64 range.
func satAdd(a, d int64) int64 {
	s := a + d
	switch {
	case d > 0 && s < a:
		return MaxWatermark
	case d < 0 && s > a:
		return MinWatermark
	}
	return s
}

// Passes is how many windows a record can belong to (TUMBLE 1, HOP size/slide,
// CUMULATE size/step). SESSION has 1.
func (w WindowSpec) Passes() int {
	switch w.Kind {
	case Hop, Cumulate:
		return int(w.Size / w.Slide)
	}
	return 1
}

// Window returns the pass-th window containing t, ok=false when t belongs to fewer windows.
// Windows are visited from the latest start to the earliest (HOP), or from the smallest
// end (CUMULATE).
func (w WindowSpec) Window(t int64, pass int) (start, end int64, ok bool) {
	switch w.Kind {
	case Tumble:
		s := floorTo(t, w.Size, w.Offset)
		return s, s + w.Size, true
	case Hop:
		s := floorTo(t, w.Slide, w.Offset) - int64(pass)*w.Slide
		return s, s + w.Size, s+w.Size > t
	case Cumulate:
		s := floorTo(t, w.Size, w.Offset)
		e := s + int64(pass+1)*w.Slide
		return s, e, e > t
	}
	return t, t + w.Gap, true
}
