package repl

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/exec"
)

// ResultMode is how a query's result is shown: Flink SQL client's
// 'sql-client.execution.result-mode'.
type ResultMode string

const (
	// ModeTable shows the materialized result, its rows updated in place.
	ModeTable ResultMode = "table"
	// ModeChangelog shows each change with its kind (+I, -U, +U, -D).
	ModeChangelog ResultMode = "changelog"
	// ModeTableau prints rows as they come, like a log.
	ModeTableau ResultMode = "tableau"
)

// resultModeKey is the setting that picks the ResultMode.
const resultModeKey = "sql-client.execution.result-mode"

// redrawEvery is how often a live view is redrawn at most: changes that arrive in between
// are applied to the model and drawn together.
const redrawEvery = 100 * time.Millisecond

// tableauBacklog is how many bytes of rows a terminal tableau view holds before the query
// waits for the terminal: the query may not outrun the screen without bound.
const tableauBacklog = 1 << 20

// ringSize is how many of the latest changes the changelog mode keeps to show.
const ringSize = 256

// liveView shows one query's result; it implements engine.LiveView. On a terminal (term)
// it draws a frame in place, redrawn by a ticker; otherwise it writes plain text.
type liveView struct {
	mode ResultMode
	out  io.Writer
	term bool
	size func() (width, height int)

	mu      sync.Mutex
	started bool
	q       engine.LiveQuery
	start   time.Time
	lay     *layout
	withOp  bool          // rows are shown after their kind
	table   *materialized // ModeTable
	ring    []change      // ModeChangelog on a terminal: the latest changes, oldest first
	pending []byte        // rows not yet written (tableau, and plain text)
	headed  bool
	changes int64 // rows received
	key     []byte
	cells   []string
	rate    rateMeter

	drawMu sync.Mutex // one draw at a time; guards scr
	scr    screen
	stop   chan struct{}
	done   chan struct{}
}

// change is one row of a changelog with its kind.
type change struct {
	kind exec.RowKind
	row  rowText
}

// newLiveView returns a view writing to out; size reports the terminal's size when term.
func newLiveView(mode ResultMode, out io.Writer, term bool, size func() (int, int)) *liveView {
	v := &liveView{mode: mode, out: out, term: term, size: size}
	v.scr.w = out
	return v
}

var _ engine.LiveView = (*liveView)(nil)

// Start implements engine.LiveView.
func (v *liveView) Start(q engine.LiveQuery) {
	v.mu.Lock()
	v.q, v.start, v.started = q, time.Now(), true
	v.withOp = v.mode == ModeChangelog || (v.mode == ModeTableau && q.Updating)
	// Rows printed as they come (tableau; changelog as text) cannot widen the columns of
	// the rows before them; frames redrawn in place fit the rows they show.
	fixed := v.mode == ModeTableau || (v.mode == ModeChangelog && !v.term)
	v.lay = newLayout(q.Schema, v.withOp, fixed)
	if v.mode == ModeTable {
		v.table = newMaterialized()
	}
	v.rate.reset(v.start)
	v.mu.Unlock()
	if v.term {
		v.stop, v.done = make(chan struct{}), make(chan struct{})
		go v.tick()
	}
}

// Write implements engine.LiveView: it applies the rows to the model; the ticker draws.
func (v *liveView) Write(b arrow.RecordBatch, kinds []exec.RowKind) error {
	v.mu.Lock()
	n := int(b.NumRows())
	v.changes += int64(n)
	switch {
	case v.mode == ModeTable:
		v.table.apply(b, kinds)
	case v.mode == ModeChangelog && v.term:
		for r := max(0, n-ringSize); r < n; r++ {
			v.key = appendRowKey(v.key[:0], b, r)
			if len(v.ring) == ringSize {
				copy(v.ring, v.ring[1:])
				v.ring = v.ring[:ringSize-1]
			}
			v.ring = append(v.ring, change{kindOf(kinds, r), rowText(v.key)})
		}
	default: // tableau, and plain changelog: every row as a line
		v.appendHeader()
		for r := 0; r < n; r++ {
			v.key = appendRowKey(v.key[:0], b, r)
			v.cells = v.cells[:0]
			if v.withOp {
				v.cells = append(v.cells, kindOf(kinds, r).String())
			}
			v.cells = rowText(v.key).appendCells(v.cells)
			v.pending = append(v.pending, v.lay.line(v.cells)...)
			v.pending = append(v.pending, v.eol()...)
		}
	}
	var err error
	backlog := len(v.pending)
	if !v.term && backlog > 0 {
		_, err = v.out.Write(v.pending)
		v.pending = v.pending[:0]
	}
	v.mu.Unlock()
	if v.term && backlog > tableauBacklog {
		err = v.draw(false)
	}
	return err
}

func kindOf(kinds []exec.RowKind, r int) exec.RowKind {
	if kinds == nil {
		return exec.Insert
	}
	return kinds[r]
}

func (v *liveView) eol() string {
	if v.term {
		return "\r\n"
	}
	return "\n"
}

// appendHeader adds the table's header to pending once (tableau and plain changelog).
func (v *liveView) appendHeader() {
	if v.headed {
		return
	}
	v.headed = true
	for _, l := range []string{v.lay.rule(), v.lay.header(), v.lay.rule()} {
		v.pending = append(v.pending, l...)
		v.pending = append(v.pending, v.eol()...)
	}
}

// Close implements engine.LiveView: it stops the ticker and draws (or prints) the result
// as it ends. The status line says how it ended once end is called.
func (v *liveView) Close() error {
	v.mu.Lock()
	started := v.started
	v.mu.Unlock()
	if !started {
		return nil // the job was built but never ran
	}
	if v.term {
		if v.stop != nil {
			close(v.stop)
			<-v.done
		}
		return v.draw(true)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	switch v.mode {
	case ModeTable:
		rows := v.table.sorted()
		for _, r := range rows {
			v.lay.fit(r)
		}
		v.appendHeader()
		for _, r := range rows {
			v.pending = append(append(v.pending, v.lay.line(r)...), '\n')
		}
		v.pending = append(append(v.pending, v.lay.rule()...), '\n')
		v.pending = fmt.Appendf(v.pending, "%d row(s) in result\n", len(rows))
	default:
		v.appendHeader()
		v.pending = append(append(v.pending, v.lay.rule()...), '\n')
		v.pending = fmt.Appendf(v.pending, "Received a total of %d rows\n", v.changes)
	}
	_, err := v.out.Write(v.pending)
	v.pending = v.pending[:0]
	return err
}

// tick redraws the view every redrawEvery until Close.
func (v *liveView) tick() {
	defer close(v.done)
	t := time.NewTicker(redrawEvery)
	defer t.Stop()
	v.draw(false)
	for {
		select {
		case <-v.stop:
			return
		case <-t.C:
			if err := v.draw(false); err != nil {
				return
			}
		}
	}
}

// draw renders the model on the terminal. final marks the last draw, after the query ended.
func (v *liveView) draw(final bool) error {
	v.drawMu.Lock()
	defer v.drawMu.Unlock()
	width, height := v.size()
	height = max(height, 8)
	v.mu.Lock()
	var scrolled []byte
	if v.mode == ModeTableau {
		v.appendHeader()
		if final {
			v.pending = append(append(v.pending, v.lay.rule()...), "\r\n"...)
			v.pending = fmt.Appendf(v.pending, "Received a total of %d rows\r\n", v.changes)
		}
		scrolled, v.pending = v.pending, nil
	}
	frame := v.frame(width, height, final)
	v.mu.Unlock()
	if v.scr.height() >= height {
		// The terminal shrank below the frame: start again on a clear screen.
		io.WriteString(v.out, "\033[2J\033[H")
		v.scr.reset()
	}
	return v.scr.draw(scrolled, frame)
}

// end writes the status line once more with how the query ended (outcome, e.g. "done",
// "stopped") and leaves the frame on the screen. It does nothing when the query never
// started (it failed while planning).
func (v *liveView) end(outcome string) {
	v.mu.Lock()
	started := v.started
	v.mu.Unlock()
	if !started || !v.term {
		return
	}
	v.drawMu.Lock()
	defer v.drawMu.Unlock()
	width, height := v.size()
	v.mu.Lock()
	frame := v.frame(width, max(height, 8), true)
	frame[len(frame)-1] = clip(frame[len(frame)-1]+" · "+outcome, width)
	v.mu.Unlock()
	v.scr.draw(nil, frame)
	v.scr.leave()
}

// frame lays out what the terminal shows now: the table or the latest changes, then the
// status line. Called with mu held.
func (v *liveView) frame(width, height int, final bool) []string {
	var lines []string
	if v.mode != ModeTableau {
		// rule, header, rule, rows, rule, [more], status; one line spare for the cursor
		room := max(height-7, 1)
		var rows [][]string
		more := 0
		if v.mode == ModeTable {
			shown := v.table.first(room)
			for _, r := range shown {
				rows = append(rows, r.appendCells(nil))
			}
			more = v.table.live - len(shown)
		} else {
			from := max(0, len(v.ring)-room)
			for _, c := range v.ring[from:] {
				rows = append(rows, c.row.appendCells([]string{c.kind.String()}))
			}
			more = int(v.changes) - len(rows)
		}
		for _, r := range rows {
			v.lay.fit(r)
		}
		lines = append(lines, v.lay.rule(), v.lay.header(), v.lay.rule())
		for _, r := range rows {
			lines = append(lines, v.lay.line(r))
		}
		lines = append(lines, v.lay.rule())
		if more > 0 {
			if v.mode == ModeTable {
				lines = append(lines, fmt.Sprintf("... %s more rows", engine.GroupDigits(int64(more))))
			} else {
				lines = append(lines, fmt.Sprintf("... %s earlier changes", engine.GroupDigits(int64(more))))
			}
		}
	}
	lines = append(lines, v.status(final))
	for i := range lines {
		lines[i] = clip(lines[i], width)
	}
	return lines
}

// status is the line under the result: rows, input rate, watermark, late and bad records,
// elapsed time.
func (v *liveView) status(final bool) string {
	st := v.q.Stats
	now := time.Now()
	in := st.RecordsIn.Load()
	rows := v.changes
	what := "changes"
	if v.mode == ModeTable {
		rows, what = int64(v.table.live), "rows"
	} else if v.mode == ModeTableau {
		what = "rows"
	}
	s := fmt.Sprintf("%s · %s %s · %s in (%s/s) · watermark %s · late %d · bad %d · %s",
		v.mode, engine.GroupDigits(rows), what, engine.GroupDigits(in), engine.GroupDigits(v.rate.perSecond(now, in)),
		engine.FormatWatermark(st.Watermark.Load()), st.Late.Load(), st.BadRecords.Load(),
		now.Sub(v.start).Truncate(100*time.Millisecond))
	if !final {
		s += " · Ctrl-C to stop"
	}
	return s
}

// rateMeter is a rate over windows of at least a second, so that it does not flicker.
type rateMeter struct {
	at   time.Time
	n    int64
	last int64
	t0   time.Time
}

func (r *rateMeter) reset(now time.Time) { *r = rateMeter{at: now, t0: now} }

func (r *rateMeter) perSecond(now time.Time, n int64) int64 {
	if d := now.Sub(r.at); d >= time.Second {
		r.last = int64(float64(n-r.n) / d.Seconds())
		r.at, r.n = now, n
	} else if r.at.Equal(r.t0) && d > 0 {
		return int64(float64(n) / d.Seconds()) // the first second: the rate so far
	}
	return r.last
}
