package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/eddysql/eddy/server"
)

const serverUsage = `eddy server — run SQL jobs for months, with checkpoints and recovery.

Usage:
  eddy server --state-dir DIR [--listen 127.0.0.1:8081] [--auth-token TOKEN]
              [--allow-path DIR]... [--checkpoint-interval '5 s']
  eddy submit FILE.sql [--server URL]      submit a job; prints its id
  eddy jobs [--server URL]                 list jobs
  eddy describe ID [--server URL]          a job's status, counters and checkpoints
  eddy savepoint ID [--server URL]         take a savepoint of a running job
  eddy stop ID [--savepoint] [--server URL]
                                           stop a job gracefully (final checkpoint)
  eddy delete ID [--server URL]            stop a job and remove it with its state

The server keeps every job's record and checkpoints under DIR; after a crash or
restart it resumes the jobs that were running from their latest checkpoint, with
exactly-once sinks neither losing nor repeating output. Jobs checkpoint every
--checkpoint-interval unless their SQL sets 'execution.checkpointing.interval'.

It listens on 127.0.0.1 by default; any other address needs --auth-token (or
EDDY_AUTH_TOKEN), which every request must then send as 'Authorization: Bearer
TOKEN'. Job SQL may read and write local files only inside --allow-path folders.

The client commands find the server at --server, else $EDDY_SERVER, else
http://127.0.0.1:8081, and send --auth-token or $EDDY_AUTH_TOKEN.
API: POST/GET /v1/jobs, GET /v1/jobs/{id}, POST /v1/jobs/{id}/savepoint,
POST /v1/jobs/{id}/stop, DELETE /v1/jobs/{id}, GET /metrics, GET /healthz.
`

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func serverCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, serverUsage) }
	listen := fs.String("listen", "127.0.0.1:8081", "address to listen on")
	stateDir := fs.String("state-dir", "", "folder of the jobs' records and checkpoints")
	token := fs.String("auth-token", os.Getenv("EDDY_AUTH_TOKEN"), "token every request must send")
	interval := fs.String("checkpoint-interval", "5 s", "default checkpoint interval of jobs")
	var allow stringList
	fs.Var(&allow, "allow-path", "a folder whose files jobs may read and write (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *stateDir == "" {
		fmt.Fprintln(stderr, "eddy server: give --state-dir DIR, where jobs and checkpoints are kept")
		return 2
	}
	if !server.IsLoopback(*listen) && *token == "" {
		fmt.Fprintf(stderr, "eddy server: %v\n", server.ListenError(*listen))
		return 2
	}
	var abs []string
	for _, p := range allow {
		a, err := filepath.Abs(p)
		if err != nil {
			fmt.Fprintf(stderr, "eddy server: --allow-path %s: %v\n", p, err)
			return 2
		}
		abs = append(abs, a)
	}
	logger := log.New(stderr, "eddy server: ", log.LstdFlags)
	srv, err := server.New(server.Config{StateDir: *stateDir, AllowPaths: abs, CheckpointInterval: *interval, Log: logger})
	if err != nil {
		fmt.Fprintf(stderr, "eddy server: %v\n", err)
		return 1
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		srv.Close()
		fmt.Fprintf(stderr, "eddy server: %v\n", err)
		return 1
	}
	hs := &http.Server{Handler: srv.Handler(*token), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		logger.Printf("stopping: jobs take a final checkpoint and resume on the next start")
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	}()
	logger.Printf("listening on http://%s (state in %s)", ln.Addr(), *stateDir)
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "eddy server: %v\n", err)
		srv.Close()
		return 1
	}
	srv.Close()
	return 0
}

// clientCmd runs one of the client commands (submit, jobs, describe, savepoint, stop, delete).
func clientCmd(cmd string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, serverUsage) }
	url := os.Getenv("EDDY_SERVER")
	if url == "" {
		url = "http://127.0.0.1:8081"
	}
	serverURL := fs.String("server", url, "URL of the eddy server")
	token := fs.String("auth-token", os.Getenv("EDDY_AUTH_TOKEN"), "the server's token")
	savepoint := fs.Bool("savepoint", false, "stop: take a savepoint as the final checkpoint")
	asJSON := fs.Bool("json", false, "print the server's JSON")
	var pos []string
	for rest := args; len(rest) > 0; {
		if err := fs.Parse(rest); err != nil {
			return 2
		}
		rest = fs.Args()
		if len(rest) > 0 {
			pos, rest = append(pos, rest[0]), rest[1:]
		}
	}
	want := 1
	if cmd == "jobs" {
		want = 0
	}
	if len(pos) != want {
		what := "a job id"
		if cmd == "submit" {
			what = "one SQL file"
		}
		if want == 0 {
			fmt.Fprintf(stderr, "eddy %s takes no arguments\n", cmd)
		} else {
			fmt.Fprintf(stderr, "eddy %s: give %s; see eddy server --help\n", cmd, what)
		}
		return 2
	}
	c := server.NewClient(*serverURL, *token)
	fail := func(err error) int {
		fmt.Fprintf(stderr, "eddy %s: %v\n", cmd, err)
		return 1
	}
	switch cmd {
	case "submit":
		text, err := os.ReadFile(pos[0])
		if err != nil {
			return fail(err)
		}
		id, err := c.Submit(pos[0], string(text))
		if err != nil {
			var ae *server.APIError
			if errors.As(err, &ae) && ae.Status == http.StatusBadRequest {
				fmt.Fprintln(stderr, ae.Message) // the line, column and caret
				return 1
			}
			return fail(err)
		}
		fmt.Fprintln(stdout, id)
	case "jobs":
		jobs, err := c.List()
		if err != nil {
			return fail(err)
		}
		if *asJSON {
			return printJSON(stdout, jobs)
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tSTATUS\tIN\tOUT\tIN/S\tWATERMARK\tLAST CHECKPOINT")
		for _, j := range jobs {
			var in, out int64
			var rate float64
			wm, ck := "-", "-"
			for _, p := range j.Pipelines {
				in, out, rate = in+p.RecordsIn, out+p.RecordsOut, rate+p.RecordsPerSecond
				if p.Watermark != "" {
					wm = p.Watermark
				}
				if p.LastCheckpoint != nil {
					ck = fmt.Sprintf("%d (%s ago)", p.LastCheckpoint.ID, time.Since(p.LastCheckpoint.Time).Round(time.Second))
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%.0f\t%s\t%s\n", j.ID, j.Name, j.Status, in, out, rate, wm, ck)
		}
		tw.Flush()
	case "describe":
		j, err := c.Describe(pos[0])
		if err != nil {
			return fail(err)
		}
		if *asJSON {
			return printJSON(stdout, j)
		}
		describe(stdout, j)
	case "savepoint":
		paths, err := c.Savepoint(pos[0])
		if err != nil {
			return fail(err)
		}
		for _, p := range paths {
			fmt.Fprintln(stdout, p)
		}
	case "stop":
		j, err := c.Stop(pos[0], *savepoint)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "job %s %s\n", j.ID, j.Status)
		for _, p := range j.Savepoints {
			fmt.Fprintf(stdout, "savepoint: %s\n", p)
		}
	case "delete":
		if err := c.Delete(pos[0]); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "job %s deleted\n", pos[0])
	}
	return 0
}

func printJSON(w io.Writer, v any) int {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
	return 0
}

// describe prints a job's status for people.
func describe(w io.Writer, j server.JobInfo) {
	fmt.Fprintf(w, "job        %s (%s)\nstatus     %s\nsubmitted  %s\nrestarts   %d\n", j.ID, j.Name, j.Status, j.Submitted.Format(time.RFC3339), j.Restarts)
	if j.Error != "" {
		fmt.Fprintf(w, "error      %s\n", j.Error)
	}
	for _, p := range j.Savepoints {
		fmt.Fprintf(w, "savepoint  %s\n", p)
	}
	for _, p := range j.Pipelines {
		fmt.Fprintf(w, "\npipeline   %s (up %s)\n", p.Name, (time.Duration(p.UptimeSeconds) * time.Second).String())
		fmt.Fprintf(w, "  records in %d (%.0f/s), out %d, late %d, bad %d\n", p.RecordsIn, p.RecordsPerSecond, p.RecordsOut, p.LateRecords, p.BadRecords)
		wm := p.Watermark
		if wm == "" {
			wm = "none yet"
		}
		fmt.Fprintf(w, "  watermark  %s\n", wm)
		for src, lag := range p.SourceLag {
			fmt.Fprintf(w, "  lag        %s: %d records\n", src, lag)
		}
		fmt.Fprintf(w, "  checkpoints %d completed, %d failed\n", p.Checkpoints, p.CheckpointsFailed)
		if c := p.LastCheckpoint; c != nil {
			fmt.Fprintf(w, "  last       %s %d at %s (%s, %d bytes) %s\n", c.Kind, c.ID, c.Time.Format(time.RFC3339), c.Duration.Round(time.Millisecond), c.Bytes, c.Path)
		}
		if p.LastCheckpointError != "" {
			fmt.Fprintf(w, "  last error %s\n", p.LastCheckpointError)
		}
		if c := p.RestoredFrom; c != nil {
			fmt.Fprintf(w, "  restored   from %s %d (%s)\n", c.Kind, c.ID, c.Path)
		}
	}
}
