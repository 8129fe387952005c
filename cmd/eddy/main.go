// Command eddy is the streaming SQL engine's one binary: `eddy run` runs a SQL script,
// `eddy` (no arguments) or `eddy repl` opens the interactive shell, `eddy version` prints
// the version. See `eddy --help`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/parser"
)

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "0.1.0-dev"

const usage = `eddy — streaming SQL over files, generators, Kafka and Kinesis.

Usage:
  eddy                          open the interactive SQL shell (on a terminal); with
                                SQL piped in, run it: echo 'SHOW TABLES;' | eddy
  eddy repl [--init FILE.sql] [--server URL]
                                the shell, explicitly (see eddy repl --help)
  eddy run FILE.sql [flags]     run a SQL script; SELECT rows go to stdout
  eddy run -e 'SQL' [flags]     run SQL given on the command line
  eddy bench nexmark [--queries q0,q5] [--events N] [--json]
                                run the Nexmark benchmark on the built-in generator
  eddy server --state-dir DIR   run the job server (see eddy server --help)
  eddy submit FILE.sql          submit a job to the server; also eddy jobs,
                                eddy describe ID, eddy savepoint ID, eddy stop ID
  eddy version                  print the version
  eddy help                     show this help

Flags of run:
  --format json|csv|table|changelog|none
                                      how SELECT rows are printed (default json:
                                      one object a line, keys in select order; an
                                      updating result adds "op": +I, -U, +U, -D;
                                      table prints the materialized result)
  --batch-size N                      rows per Arrow batch (default 8192); results
                                      never depend on it
  -e SQL                              run this SQL (after FILE, if both are given)
  --state-dir DIR                     keep checkpoints in DIR (one subfolder per
                                      INSERT); with SET 'execution.checkpointing.
                                      interval' = '10 s' they are taken periodically,
                                      and always when the input ends or on Ctrl-C
  --restore PATH                      start from a checkpoint, a savepoint, or the
                                      latest usable checkpoint of a folder
  --allow-non-restored-state          with --restore: drop saved state of operators
                                      the changed query no longer has
  --savepoint-on-stop                 on Ctrl-C/SIGTERM write a savepoint too;
                                      kill -USR1 PID writes one at any time

A script holds statements ended by ';': CREATE TABLE ... WITH ('connector' = ...),
CREATE VIEW, SET 'key' = 'value', SELECT, INSERT INTO, EXECUTE STATEMENT SET,
EXPLAIN, SHOW TABLES, DESCRIBE. Connectors: kafka, upsert-kafka, kinesis, filesystem
(alias file), datagen, nexmark, print, blackhole. Windows: TUMBLE, HOP, CUMULATE, SESSION
table functions and the legacy GROUP BY TUMBLE(ts, INTERVAL ...) forms, over event time
(a WATERMARK) or processing time (a PROCTIME() column). Also GROUP BY without a
window (an updating result), [LEFT|RIGHT|FULL] JOIN, interval joins, lookup joins
(JOIN dim FOR SYSTEM_TIME AS OF s.proc_time), window joins, Top-N and
deduplication (ROW_NUMBER() OVER ... WHERE rn <= N), OVER windows, LAG/LEAD.

Example:
  CREATE TABLE bid (auction BIGINT, price DOUBLE, ts TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
  WITH ('connector' = 'filesystem', 'path' = 'bids.json', 'format' = 'json');
  SELECT window_start, auction, COUNT(*) AS bids, MAX(price) AS top
  FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND))
  GROUP BY window_start, window_end, auction;

Exit status: 0 when every statement ran, 1 on a SQL or runtime error (printed
to stderr as file:line:col with the line and a caret), 2 on bad usage.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		if opensShell(os.Stdin) {
			return replCmd(nil, stdout, stderr)
		}
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	case "version", "--version":
		fmt.Fprintf(stdout, "eddy %s\n", Version)
		return 0
	case "run":
		return runCmd(args[1:], stdout, stderr)
	case "bench":
		return benchCmd(args[1:], stdout, stderr)
	case "repl":
		return replCmd(args[1:], stdout, stderr)
	case "server":
		return serverCmd(args[1:], stdout, stderr)
	case "submit", "jobs", "describe", "savepoint", "stop", "delete":
		return clientCmd(args[0], args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "eddy: unknown command %q\n\n%s", args[0], usage)
	return 2
}

func runCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	formatFlag := fs.String("format", "json", "output format: json, csv, table, changelog")
	batch := fs.Int("batch-size", 8192, "rows per batch")
	sqlText := fs.String("e", "", "SQL to run")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file (for performance work)")
	stateDir := fs.String("state-dir", "", "folder of the job's checkpoints")
	restore := fs.String("restore", "", "start from this checkpoint, savepoint or checkpoint folder")
	allowNonRestored := fs.Bool("allow-non-restored-state", false, "with --restore: drop saved state the changed query has no operator for")
	savepointOnStop := fs.Bool("savepoint-on-stop", false, "on Ctrl-C or SIGTERM, also write the final checkpoint as a savepoint")
	// Accept flags before and after the file name.
	var files []string
	rest := args
	for len(rest) > 0 {
		if err := fs.Parse(rest); err != nil {
			return 2
		}
		rest = fs.Args()
		if len(rest) > 0 {
			files = append(files, rest[0])
			rest = rest[1:]
		}
	}
	if len(files) == 0 && *sqlText == "" {
		fmt.Fprintln(stderr, "eddy run: give a SQL file or -e 'SQL'; see eddy --help")
		return 2
	}
	if len(files) > 1 {
		fmt.Fprintf(stderr, "eddy run: one SQL file at a time (got %s)\n", strings.Join(files, ", "))
		return 2
	}
	f, err := engine.ParseFormat(*formatFlag)
	if err != nil {
		fmt.Fprintf(stderr, "eddy run: %v\n", err)
		return 2
	}
	if *batch < 1 {
		fmt.Fprintln(stderr, "eddy run: --batch-size must be at least 1")
		return 2
	}
	if *cpuProfile != "" {
		pf, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "eddy run: %v\n", err)
			return 2
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			fmt.Fprintf(stderr, "eddy run: %v\n", err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}
	sess := engine.NewSession()
	sess.Format, sess.BatchSize, sess.Stdout, sess.Stderr = f, *batch, stdout, stderr
	sess.Checkpoints = engine.CheckpointOptions{StateDir: *stateDir, Restore: *restore, AllowNonRestored: *allowNonRestored}
	var jobs []*engine.Job
	var jobsMu sync.Mutex
	sess.JobStarted = func(j *engine.Job) {
		if *savepointOnStop {
			j.StopWithSavepoint()
		}
		jobsMu.Lock()
		jobs = append(jobs, j)
		jobsMu.Unlock()
	}
	// kill -USR1 PID takes a savepoint of every running job now.
	usr1, done := make(chan os.Signal, 1), make(chan struct{})
	signal.Notify(usr1, syscall.SIGUSR1)
	defer func() { signal.Stop(usr1); close(done) }()
	go func() {
		for {
			select {
			case <-done:
				return
			case <-usr1:
			}
			jobsMu.Lock()
			running := append([]*engine.Job(nil), jobs...)
			jobsMu.Unlock()
			for _, j := range running {
				if info, err := j.Savepoint(""); err != nil {
					fmt.Fprintf(stderr, "eddy: no savepoint of %s: %v\n", j.Pipeline, err)
				} else {
					fmt.Fprintf(stderr, "eddy: savepoint of %s: %s\n", j.Pipeline, info.Path)
				}
			}
		}
	}()
	if isTerminal(stderr) {
		sess.Progress = stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	scripts := [][2]string{}
	if len(files) == 1 {
		text, err := os.ReadFile(files[0])
		if err != nil {
			fmt.Fprintf(stderr, "eddy run: %v\n", err)
			return 1
		}
		scripts = append(scripts, [2]string{files[0], string(text)})
	}
	if *sqlText != "" {
		scripts = append(scripts, [2]string{"-e", *sqlText})
	}
	for _, sc := range scripts {
		if err := sess.RunScript(ctx, sc[0], sc[1]); err != nil {
			if errors.Is(err, context.Canceled) {
				fmt.Fprintln(stderr, "eddy: stopped")
				resumable := false
				jobsMu.Lock()
				defer jobsMu.Unlock()
				for _, j := range jobs {
					if st := j.CheckpointStats(); st.Last != nil {
						fmt.Fprintf(stderr, "eddy: %s: last %s %d at %s\n", j.Pipeline, st.Last.Kind, st.Last.ID, st.Last.Path)
						resumable = true
					}
				}
				if resumable && *stateDir != "" {
					fmt.Fprintf(stderr, "eddy: resume with: eddy run %s --state-dir %s --restore %s\n", strings.Join(files, " "), *stateDir, *stateDir)
				}
				return 130
			}
			var perr *parser.Error
			if errors.As(err, &perr) {
				fmt.Fprintln(stderr, perr.Error())
			} else {
				fmt.Fprintf(stderr, "eddy: %v\n", err)
			}
			return 1
		}
	}
	return 0
}

// isTerminal reports whether w is a character device (a terminal), where a live status
// line helps; in pipes and files it would only be noise.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
