package repl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"

	"github.com/chzyer/readline"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/planner"
)

// Prompts: the first line of a statement, and the lines that continue it.
const (
	promptFirst = "eddy> "
	promptMore  = "   -> "
)

// Config is what a Shell reads and writes, and how.
type Config struct {
	// Stdin is read for statements. With Terminal, it must be the terminal (os.Stdin):
	// the line editor reads it in raw mode.
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Terminal: stdin is a terminal, so lines are edited (history, completion). Otherwise
	// statements are read from Stdin as a script and results are printed as text.
	Terminal bool
	// Live: stdout is a terminal too, so query results are drawn live with escape codes.
	Live bool
	// InFd and OutFd are the terminal's file descriptors (stdin, stdout) with Terminal/Live.
	InFd, OutFd int
	// HistoryFile keeps the statements typed, across sessions ("" keeps none).
	HistoryFile string
	// Session runs the SQL (nil: a new one). The shell sets its Stdout, Stderr and Live.
	Session *engine.Session
	// Jobs runs INSERT INTO statements (nil: LocalJobs on the Session).
	Jobs JobRunner
	// Banner is printed when a terminal session starts.
	Banner string
	// Interrupts delivers Ctrl-C (SIGINT) while a statement runs: it stops that statement.
	// At the prompt the line editor sees Ctrl-C as a key. May be nil.
	Interrupts <-chan os.Signal
}

// Shell is one session of the interactive shell. Use New, then Run once.
type Shell struct {
	cfg   Config
	sess  *engine.Session
	jobs  JobRunner
	notes *notices
	rl    *readline.Instance
	// quit is set by QUIT; failed counts statements that failed; interrupted is set when
	// Ctrl-C stopped a statement of a script.
	quit        bool
	failed      int
	interrupted bool
	closing     atomic.Bool
	// catalogLog is the text of the catalog statements that ran, in order (JobRequest.Script).
	catalogLog []string
}

// New prepares a shell; with cfg.Terminal it opens the line editor on the terminal.
func New(cfg Config) (*Shell, error) {
	s := &Shell{cfg: cfg, sess: cfg.Session}
	if s.sess == nil {
		s.sess = engine.NewSession()
	}
	s.notes = &notices{dst: cfg.Stderr, crlf: cfg.Terminal}
	s.sess.Stdout, s.sess.Stderr, s.sess.Progress = cfg.Stdout, s.notes, nil
	s.jobs = cfg.Jobs
	if s.jobs == nil {
		s.jobs = NewLocalJobs(s.sess, s.jobEnded)
	}
	if cfg.Terminal {
		rl, err := readline.NewEx(&readline.Config{
			Prompt:                 promptFirst,
			HistoryFile:            cfg.HistoryFile,
			HistoryLimit:           1000,
			DisableAutoSaveHistory: true,
			HistorySearchFold:      true,
			AutoComplete:           &completer{cat: func() *planner.Catalog { return s.sess.Planner.Cat }},
			Stdout:                 cfg.Stdout,
			Stderr:                 cfg.Stderr,
		})
		if err != nil {
			return nil, err
		}
		s.rl = rl
		s.notes.dst = rl.Stderr()
	}
	return s, nil
}

// Run reads and runs statements until QUIT, Ctrl-D or the end of the input, then stops
// the jobs it started. It returns the exit status: 0, or for a script (no terminal) 1
// when a statement failed and 130 when Ctrl-C stopped it.
func (s *Shell) Run(ctx context.Context, initFile string) int {
	defer s.jobs.Close()
	if s.rl != nil {
		defer s.rl.Close()
		if s.cfg.Banner != "" {
			fmt.Fprintln(s.cfg.Stdout, s.cfg.Banner)
		}
	}
	if initFile != "" {
		s.source(ctx, initFile)
	}
	if s.rl != nil {
		s.interactive(ctx)
		return 0
	}
	s.script(ctx)
	switch {
	case s.interrupted:
		return 130
	case s.failed > 0:
		return 1
	}
	return 0
}

// interactive reads statements with the line editor.
func (s *Shell) interactive(ctx context.Context) {
	var buf string
	for !s.quit && !s.interrupted && !s.closing.Load() {
		if buf == "" {
			s.rl.SetPrompt(promptFirst)
		} else {
			s.rl.SetPrompt(promptMore)
		}
		line, err := s.rl.Readline()
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			buf = "" // Ctrl-C at the prompt drops the statement being typed
			continue
		case err != nil: // io.EOF: Ctrl-D on an empty line
			return
		}
		if buf == "" && s.bareCommand(line) {
			continue
		}
		buf += line + "\n"
		ends := parser.CompleteStatements(buf)
		start := 0
		for _, end := range ends {
			text := buf[start:end]
			s.rl.SaveHistory(oneLine(text))
			s.runText(ctx, "", blankOut(buf[:start])+text, start)
			start = end
			if s.quit {
				return
			}
		}
		if strings.TrimSpace(buf[start:]) == "" {
			buf = ""
		} else if start > 0 {
			buf = strings.TrimLeft(buf[start:], " \t\r\n")
		}
	}
}

// bareCommand runs QUIT, EXIT and HELP typed alone on a line without the `;`.
func (s *Shell) bareCommand(line string) bool {
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "quit", "exit", `\q`:
		s.rl.SaveHistory(strings.TrimSpace(line))
		s.quit = true
		return true
	case "help", `\h`, "?":
		s.rl.SaveHistory(strings.TrimSpace(line))
		fmt.Fprint(s.cfg.Stdout, helpText)
		return true
	}
	return false
}

// script reads statements from a non-terminal stdin, each as soon as its `;` arrives.
func (s *Shell) script(ctx context.Context) {
	s.runStream(ctx, "<stdin>", bufio.NewReader(s.cfg.Stdin))
}

// runStream runs the statements of r, named file in positions, which are the positions in
// the whole stream. A last statement without `;` runs at the end of the input.
func (s *Shell) runStream(ctx context.Context, file string, r *bufio.Reader) bool {
	var buf string
	lines := 0 // lines of the stream before buf
	ok := true
	for !s.quit && !s.interrupted && !s.closing.Load() {
		line, err := r.ReadString('\n')
		buf += line
		ends := parser.CompleteStatements(buf)
		if err != nil && strings.TrimSpace(buf) != "" {
			ends = append(ends, len(buf)) // the end of the input ends the last statement
		}
		start := 0
		for _, end := range ends {
			if end <= start {
				continue
			}
			pad := strings.Repeat("\n", lines) + blankOut(buf[:start])
			if !s.runText(ctx, file, pad+buf[start:end], len(pad)) {
				ok = false
			}
			start = end
			if s.quit || s.interrupted {
				return ok
			}
		}
		lines += strings.Count(buf[:start], "\n")
		buf = buf[start:]
		if err != nil {
			return ok
		}
	}
	return ok
}

// blankOut replaces everything but line breaks with spaces, so that text parsed after it
// keeps its line and column.
func blankOut(text string) string {
	if text == "" {
		return ""
	}
	b := []byte(text)
	for i, c := range b {
		if c != '\n' {
			b[i] = ' '
		}
	}
	return string(b)
}

// runText parses and runs the statements of text[from:] (text before from is blank, to
// keep positions) named file; it reports errors and returns whether all ran.
func (s *Shell) runText(ctx context.Context, file, text string, from int) bool {
	stmts, err := parser.Parse(file, text)
	if err != nil {
		s.report(err)
		return false
	}
	s.sess.Planner.AddText(file, text)
	for i, st := range stmts {
		end := len(text)
		if i+1 < len(stmts) {
			end = stmts[i+1].Position().Offset
		}
		sql := strings.TrimSpace(text[max(st.Position().Offset, from):end])
		if err := s.exec(ctx, st, strings.TrimSuffix(sql, ";")); err != nil {
			s.report(err)
			return false
		}
		if s.quit || s.interrupted {
			return true
		}
	}
	return true
}

// report prints an error: a SQL error with its line and a caret under the mistake.
func (s *Shell) report(err error) {
	s.failed++
	var perr *parser.Error
	if errors.As(err, &perr) {
		s.errorf("%s\n", renderSQLError(perr))
		return
	}
	s.errorf("eddy: %v\n", err)
}

// errorf writes to stderr, through the line editor on a terminal.
func (s *Shell) errorf(format string, args ...any) {
	fmt.Fprintf(s.notes, format, args...)
}

// source runs the statements of a file as if typed: an error is reported and the next
// statement runs. It reports whether all ran.
func (s *Shell) source(ctx context.Context, path string) bool {
	f, err := os.Open(path)
	if err != nil {
		s.report(err)
		return false
	}
	defer f.Close()
	// A relative 'path' of a table that matches nothing from the working directory is
	// looked up next to the file too (when a query reads it, so also after SOURCE).
	s.sess.SetScriptFile(path)
	return s.runStream(ctx, path, bufio.NewReader(f))
}

// Close makes Run return after the statement that runs now, as QUIT would; safe to call
// from another goroutine (on SIGTERM).
func (s *Shell) Close() {
	s.closing.Store(true)
	if s.rl != nil {
		s.rl.Close()
	}
}

// renderSQLError is parser.Error's text (position, message, the line with a caret under
// the mistake, hint) with the line's leading blanks cut, which are often the statements
// before it on the same line, blanked to keep positions.
func renderSQLError(e *parser.Error) string {
	c := *e
	cut := len(c.LineText) - len(strings.TrimLeft(c.LineText, " \t"))
	if cut == 0 || cut >= c.Pos.Col {
		return e.Error()
	}
	c.LineText = c.LineText[cut:]
	c.Pos.Col -= cut
	return e.Pos.String() + strings.TrimPrefix(c.Error(), c.Pos.String())
}
