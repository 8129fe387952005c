package engine

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/exec"
)

// progressEvery is how often the status line is redrawn.
const progressEvery = 500 * time.Millisecond

// statusLine is the one live line at the bottom of the terminal. Result rows written to the
// same terminal hide it first and show it again after, so the two never mix.
type statusLine struct {
	mu     sync.Mutex
	w      io.Writer
	text   string
	shown  bool
	closed bool
}

func (s *statusLine) set(text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.text = text
	fmt.Fprint(s.w, "\r\033[K"+text)
	s.shown = true
}

func (s *statusLine) hide() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shown {
		fmt.Fprint(s.w, "\r\033[K")
		s.shown = false
	}
}

// close hides the line for good.
func (s *statusLine) close() {
	s.hide()
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

func (s *statusLine) show() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.shown && !s.closed && s.text != "" {
		fmt.Fprint(s.w, s.text)
		s.shown = true
	}
}

// statusAware hides the status line around each batch written to the terminal.
type statusAware struct {
	batchSink
	status *statusLine
}

func (s statusAware) Write(b arrow.RecordBatch, kinds []exec.RowKind) error {
	s.status.hide()
	return s.batchSink.Write(b, kinds)
}

func (s statusAware) Close() error {
	s.status.close()
	return s.batchSink.Close()
}

func (s statusAware) Flush() error {
	err := s.batchSink.Flush()
	s.status.show()
	return err
}

// watchProgress redraws the status line while jobs run: records in and their rate, records
// out, the watermark, late and bad records, elapsed time. The returned func stops it and
// clears the line.
func (s *Session) watchProgress(status *statusLine, jobs []*Job) func() {
	if status == nil {
		return func() {}
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(done)
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		var lastIn int64
		last := start
		for {
			select {
			case <-stop:
				status.close()
				return
			case now := <-t.C:
				var in, out, late, bad int64
				wm := exec.MaxWatermark
				for _, j := range jobs {
					j.updateLate()
					in += j.Stats.RecordsIn.Load()
					out += j.Stats.RecordsOut.Load()
					late += j.Stats.Late.Load()
					bad += j.Stats.BadRecords.Load()
					wm = min(wm, j.Stats.Watermark.Load())
				}
				rate := float64(in-lastIn) / now.Sub(last).Seconds()
				lastIn, last = in, now
				status.set(progressBar(s.ProgressLabel, in, s.ProgressTotal) + fmt.Sprintf("%s in (%s/s) · %s out · watermark %s · late %d · bad %d · %s",
					group(in), group(int64(rate)), group(out), fmtMillis(wm), late, bad, now.Sub(start).Truncate(100*time.Millisecond)))
			}
		}
	}()
	return func() {
		close(stop)
		<-done
	}
}

// group writes n with thousands separators.
func group(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// progressBar draws "label [#####.....]  52% " for done of total; "" without a total.
func progressBar(label string, done, total int64) string {
	if total <= 0 {
		return ""
	}
	const width = 20
	frac := min(float64(done)/float64(total), 1)
	n := int(frac * width)
	bar := strings.Repeat("#", n) + strings.Repeat(".", width-n)
	if label != "" {
		label += " "
	}
	return fmt.Sprintf("%s[%s] %3.0f%% · ", label, bar, frac*100)
}
