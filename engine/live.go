package engine

import (
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/exec"
)

// LiveView shows a running query's result as it changes: the REPL's table, changelog and
// tableau modes. When Session.Live is set, a query's rows go to it instead of being printed
// in Session.Format.
//
// The engine calls Start once, after the job is built and before it runs; then Write for
// each batch of result rows, in order, on the job's output goroutine (not the goroutine
// that called RunStatement); then Close once when the job ends, whether its input ended,
// it was cancelled, or it failed. Write must not keep b or kinds after it returns; an error
// from Write or Close stops the job with that error.
type LiveView interface {
	Start(q LiveQuery)
	Write(b arrow.RecordBatch, kinds []exec.RowKind) error
	Close() error
}

// LiveQuery describes the query a LiveView shows.
type LiveQuery struct {
	Schema *arrow.Schema
	// Updating is true when the result is a changelog (+I, -U, +U, -D); false when every
	// row is an insert.
	Updating bool
	// Stats are the job's live counters (records in and out, late, bad, the watermark at
	// the output), safe to read from any goroutine while the job runs.
	Stats *Stats
}

// liveSink adapts a LiveView to the job's output.
type liveSink struct{ v LiveView }

func (l liveSink) Write(b arrow.RecordBatch, kinds []exec.RowKind) error { return l.v.Write(b, kinds) }
func (l liveSink) Flush() error                                          { return nil }
func (l liveSink) Close() error                                          { return l.v.Close() }

// FormatWatermark prints a watermark (epoch milliseconds) as the status lines do:
// "2026-11-01 00:00:10.000" in UTC, "-inf" before the first one, "+inf" at the end of input.
func FormatWatermark(ms int64) string { return fmtMillis(ms) }

// GroupDigits writes n with thousands separators: 1234567 -> "1,234,567".
func GroupDigits(n int64) string { return group(n) }

// SetScriptFile names the script whose statements run next (the REPL's SOURCE 'file'), so
// that a relative 'path' of a table that matches nothing from the working directory is
// looked up next to it, as eddy run does; "" forgets it.
func (s *Session) SetScriptFile(file string) {
	s.scriptDir = ""
	if file != "" {
		s.scriptDir = filepath.Dir(file)
	}
}
