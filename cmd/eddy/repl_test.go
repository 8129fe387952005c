package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The REPL tests run the real eddy binary, built once into the test's temporary folder,
// on a pseudo-terminal, and read the screen through a small terminal emulator (vtScreen),
// as a user would see it. They wait for screen content with a deadline; they never sleep.

const (
	termRows = 40
	termCols = 120
	// screenWait bounds every wait for the screen: generous, for a loaded 2-core machine.
	screenWait = 20 * time.Second
	ctrlC      = "\x03"
	ctrlD      = "\x04"
	keyUp      = "\x1b[A"
)

func TestREPL(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("pseudo-terminals are tested on Linux and macOS")
	}
	bin := buildEddy(t)
	dir := t.TempDir()
	bids := filepath.Join(dir, "bids.json")
	require.NoError(t, os.WriteFile(bids, []byte(`{"auction":1,"price":10,"ts":"2026-11-01 00:00:01.000"}
{"auction":1,"price":30,"ts":"2026-11-01 00:00:02.000"}
{"auction":2,"price":5,"ts":"2026-11-01 00:00:12.000"}
{"auction":3,"price":7,"ts":"2026-11-01 00:00:13.000"}
{"auction":2,"price":8,"ts":"2026-11-01 00:00:14.000"}
`), 0o644))
	createBids := []string{
		"CREATE TABLE bids (auction BIGINT, price DOUBLE, ts TIMESTAMP(3),",
		"  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)",
		"WITH ('connector' = 'filesystem', 'path' = '" + bids + "', 'format' = 'json');",
	}
	const createGen = "CREATE TABLE gen (k INT, v BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '500', 'fields.k.min' = '1', 'fields.k.max' = '3');"

	t.Run("user flow", func(t *testing.T) {
		home := t.TempDir()
		tm := startTerm(t, bin, dir, home)
		tm.waitPrompt()

		// A multi-line CREATE TABLE over a JSON file.
		tm.typeLine(createBids[0])
		tm.waitCursorLine("   ->")
		tm.typeLine(createBids[1])
		tm.typeLine(createBids[2])
		tm.waitText("Table 'bids' created.")
		tm.waitPrompt()

		// An updating GROUP BY in table mode: the materialized rows, one per auction. With
		// batches of one row, auctions 1 and 2 are updated (-U, +U) after their insert.
		tm.typeLine("SET 'eddy.batch-size' = '1';")
		tm.waitText("'eddy.batch-size' = '1'.")
		tm.waitPrompt()
		tm.typeLine("SELECT auction, COUNT(*) AS n, MAX(price) AS top FROM bids GROUP BY auction;")
		scr := tm.waitMatch(`table · 3 rows .* done in`)
		assert.Regexp(t, `(?m)^\|\s+1 \|\s+2 \|\s+30 \|$`, scr)
		assert.Regexp(t, `(?m)^\|\s+2 \|\s+2 \|\s+8 \|$`, scr)
		assert.Regexp(t, `(?m)^\|\s+3 \|\s+1 \|\s+7 \|$`, scr)
		assert.Len(t, regexp.MustCompile(`(?m)^\|\s+2 \|`).FindAllString(scr, -1), 1, "auction 2 is one row, updated in place:\n%s", scr)
		tm.waitPrompt()

		// A continuous query runs live until Ctrl-C, which returns to the prompt.
		tm.typeLine(createGen)
		tm.waitText("Table 'gen' created.")
		tm.waitPrompt()
		tm.typeLine("SELECT k, COUNT(*) AS n FROM gen GROUP BY k;")
		tm.waitMatch(`table · 3 rows · [\d,]+ in \([\d,]+/s\) · watermark -inf · late 0 · bad 0 · .* · Ctrl-C to stop`)
		tm.send(ctrlC)
		tm.waitMatch(`table · 3 rows .* · stopped`)
		tm.waitPrompt()

		// The session kept its tables.
		tm.typeLine("SHOW TABLES;")
		tm.waitMatch(`(?m)^bids\ngen\neddy>`)

		// EXPLAIN says, per node, whether it is append or updating.
		tm.typeLine("EXPLAIN SELECT window_start, auction, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end, auction;")
		scr = tm.waitMatch(`WindowAggregate\(.*\[changelog=append`)
		assert.Contains(t, scr, "TableSourceScan(table=[bids]")
		tm.waitPrompt()
		tm.typeLine("EXPLAIN SELECT k, COUNT(*) AS n FROM gen GROUP BY k;")
		tm.waitMatch(`GroupAggregate\(.*\[changelog=updating`)
		tm.waitPrompt()

		// A misspelt statement: the line with a caret under the mistake, and a hint.
		tm.typeLine("SELECT 1 FROM bids; SELEC * FROM bids;")
		scr = tm.waitMatch(`unknown statement "SELEC"[^\n]*\n  SELEC \* FROM bids;\n  \^\nhint: did you mean SELECT\?`)
		tm.waitPrompt()
		_ = scr

		// An error does not end the session; Ctrl-D does.
		tm.typeLine("SELECT nope FROM bids;")
		tm.waitMatch(`unknown column`)
		tm.waitPrompt()
		tm.send(ctrlD)
		require.NoError(t, tm.wait())
	})

	t.Run("history and completion", func(t *testing.T) {
		home := t.TempDir()
		tm := startTerm(t, bin, dir, home)
		tm.waitPrompt()
		tm.typeLine(strings.Join(createBids, " "))
		tm.waitText("Table 'bids' created.")
		tm.waitPrompt()

		// Tab completes a table name, a column name and a keyword (in the case typed).
		tm.send("SELECT * FROM bi\t")
		tm.waitCursorLine("eddy> SELECT * FROM bids")
		tm.send(ctrlC) // clears the line
		tm.waitPrompt()
		tm.send("sel\t")
		tm.waitCursorLine("eddy> select")
		tm.send(" pric\t")
		tm.waitCursorLine("eddy> select price")
		tm.send(ctrlC)
		tm.waitPrompt()

		tm.typeLine("DESCRIBE bids;")
		tm.waitMatch(`\| price\s+\| DOUBLE`)
		tm.waitPrompt()
		tm.typeLine("QUIT;")
		require.NoError(t, tm.wait())

		hist, err := os.ReadFile(filepath.Join(home, ".eddy_history"))
		require.NoError(t, err)
		assert.Contains(t, string(hist), "CREATE TABLE bids (auction BIGINT, price DOUBLE, ts TIMESTAMP(3), WATERMARK FOR ts")
		assert.Contains(t, string(hist), "DESCRIBE bids;\nQUIT;\n")

		// A new session finds the history: Up, Up brings back DESCRIBE, which runs again
		// (the new session has no table bids, so it says so).
		tm = startTerm(t, bin, dir, home)
		tm.waitPrompt()
		tm.send(keyUp)
		tm.waitCursorLine("eddy> QUIT;")
		tm.send(keyUp)
		tm.waitCursorLine("eddy> DESCRIBE bids;")
		tm.send("\r")
		tm.waitMatch(`unknown table 'bids'`)
		tm.waitPrompt()
		tm.send(ctrlD)
		require.NoError(t, tm.wait())
	})

	t.Run("background jobs", func(t *testing.T) {
		home := t.TempDir()
		init := filepath.Join(dir, "init.sql")
		require.NoError(t, os.WriteFile(init, []byte(createGen+`
CREATE TABLE few (k INT, v BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '100');
CREATE TABLE sink (k INT, v BIGINT) WITH ('connector' = 'blackhole');
`), 0o644))
		tm := startTerm(t, bin, dir, home, "repl", "--init", init)
		tm.waitPrompt()
		tm.typeLine("INSERT INTO sink SELECT * FROM gen;")
		tm.waitText("Job job-1 started.")
		tm.waitPrompt()
		tm.typeLine("SHOW JOBS;")
		tm.waitMatch(`\| job-1 \| RUNNING \|\s+[\d,]+ \|\s+[\d,]+ \| INSERT INTO sink SELECT \* FROM gen \|`)
		tm.waitPrompt()
		tm.typeLine("STOP JOB 'job-1';")
		tm.waitText("Job job-1 stopped.")
		tm.waitPrompt()
		tm.typeLine("SHOW JOBS;")
		tm.waitMatch(`\| job-1 \| STOPPED \|`)
		tm.waitPrompt()
		// A job whose input ends says so at the prompt, by itself.
		tm.typeLine("INSERT INTO sink SELECT * FROM few;")
		tm.waitText("Job job-2 started.")
		tm.waitText("Job job-2 finished: 100 in, 100 out.")
		tm.typeLine("STOP JOB 'job-7';")
		tm.waitMatch(`no job 'job-7'; jobs are: job-1`)
		tm.waitPrompt()
		tm.send(ctrlD)
		require.NoError(t, tm.wait())
	})

	t.Run("piped stdin", func(t *testing.T) {
		cmd := exec.Command(bin)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
		cmd.Stdin = strings.NewReader("SHOW TABLES;\n" + strings.Join(createBids, "\n") + "\nSHOW TABLES;\n" +
			"SELECT auction, COUNT(*) AS n FROM bids GROUP BY auction;\nSELEC 1;\nSELECT auction FROM bids WHERE price > 9")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		require.True(t, errors.As(err, &exit), "exit status 1 after an error, got %v", err)
		assert.Equal(t, 1, exit.ExitCode())
		assert.NotContains(t, stdout.String()+stderr.String(), "\x1b", "no escape codes in a pipe")
		assert.Equal(t, `bids
+---------+---+
| auction | n |
+---------+---+
|       1 | 2 |
|       2 | 2 |
|       3 | 1 |
+---------+---+
3 row(s) in result
+---------+
| auction |
+---------+
|       1 |
|       1 |
+---------+
2 row(s) in result
`, stdout.String())
		assert.Equal(t, "<stdin>:7:1: unknown statement \"SELEC\"\n  SELEC 1;\n  ^\nhint: did you mean SELECT? ", stderr.String()[:strings.Index(stderr.String(), "statements are")])
	})
}

// buildEddy builds the eddy binary into the test's temporary folder.
func buildEddy(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "eddy")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// term is eddy running on a pseudo-terminal.
type term struct {
	t      *testing.T
	cmd    *exec.Cmd
	pty    *os.File
	mu     sync.Mutex
	scr    *vtScreen
	exited chan struct{}
	err    error
}

// startTerm runs bin with args on a new pseudo-terminal, in dir, with HOME home (and no
// XDG_STATE_HOME, so the history is ~/.eddy_history).
func startTerm(t *testing.T, bin, dir, home string, args ...string) *term {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_STATE_HOME=", "TERM=xterm")
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: termRows, Cols: termCols})
	require.NoError(t, err)
	tm := &term{t: t, cmd: cmd, pty: f, scr: newVTScreen(termCols, termRows), exited: make(chan struct{})}
	read := make(chan struct{})
	go func() {
		defer close(read)
		buf := make([]byte, 32<<10)
		for {
			n, err := f.Read(buf)
			tm.mu.Lock()
			tm.scr.write(buf[:n])
			tm.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	go func() {
		tm.err = cmd.Wait()
		close(tm.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-tm.exited:
		default:
			cmd.Process.Kill()
			<-tm.exited
		}
		f.Close()
		<-read
	})
	return tm
}

func (tm *term) send(keys string) {
	_, err := tm.pty.Write([]byte(keys))
	require.NoError(tm.t, err)
}

// typeLine types a line and presses Enter.
func (tm *term) typeLine(line string) { tm.send(line + "\r") }

// screen is the text on the screen now, and the cursor's line.
func (tm *term) screen() (string, string) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.scr.text(), tm.scr.cursorLine()
}

// waitFor waits until ok holds for the screen, and returns it; it fails the test with the
// screen after screenWait.
func (tm *term) waitFor(what string, ok func(screen, cursorLine string) bool) string {
	tm.t.Helper()
	deadline := time.Now().Add(screenWait)
	for {
		scr, cur := tm.screen()
		if ok(scr, cur) {
			return scr
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("timed out waiting for %s; the screen:\n%s\n(cursor line %q)", what, scr, cur)
		}
		select {
		case <-tm.exited:
			scr, cur = tm.screen()
			if ok(scr, cur) {
				return scr
			}
			tm.t.Fatalf("eddy exited (%v) while waiting for %s; the screen:\n%s", tm.err, what, scr)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (tm *term) waitText(s string) string {
	tm.t.Helper()
	return tm.waitFor(fmt.Sprintf("%q", s), func(scr, _ string) bool { return strings.Contains(scr, s) })
}

func (tm *term) waitMatch(re string) string {
	tm.t.Helper()
	r := regexp.MustCompile(re)
	return tm.waitFor("/"+re+"/", func(scr, _ string) bool { return r.MatchString(scr) })
}

// waitCursorLine waits until the cursor's line is s (blanks at its end ignored).
func (tm *term) waitCursorLine(s string) {
	tm.t.Helper()
	s = strings.TrimRight(s, " ")
	tm.waitFor(fmt.Sprintf("cursor line %q", s), func(_, cur string) bool { return cur == s })
}

// waitPrompt waits for an empty prompt.
func (tm *term) waitPrompt() {
	tm.t.Helper()
	tm.waitCursorLine("eddy>")
}

// wait waits for eddy to exit and returns its error.
func (tm *term) wait() error {
	tm.t.Helper()
	select {
	case <-tm.exited:
		return tm.err
	case <-time.After(screenWait):
		scr, _ := tm.screen()
		tm.t.Fatalf("eddy did not exit; the screen:\n%s", scr)
		return nil
	}
}
