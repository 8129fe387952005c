package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/parser"
	"github.com/eddysql/eddy/repl"
	"github.com/eddysql/eddy/server"
)

const replUsage = `eddy repl — the interactive SQL shell (also: eddy, with no arguments).

Usage:
  eddy repl [--init FILE.sql] [--server URL] [--history FILE]
  echo 'SHOW TABLES;' | eddy      with stdin not a terminal, run its statements and
                                  print results as plain text

Flags:
  --init FILE.sql    run the statements of FILE first (tables, settings)
  --server URL       submit INSERT INTO jobs to the eddy job server at URL (default:
                     run them in this process); also $EDDY_SERVER, and --auth-token
                     or $EDDY_AUTH_TOKEN
  --history FILE     keep the statements typed in FILE (default
                     $XDG_STATE_HOME/eddy/history, else ~/.eddy_history)

In the shell, HELP; lists the statements; QUIT; or Ctrl-D leaves. A SELECT shows its
result live: SET 'sql-client.execution.result-mode' = 'table' | 'changelog' | 'tableau'.
Ctrl-C stops it and returns to the prompt.
`

// replCmd runs `eddy repl`, and `eddy` with no arguments.
func replCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("repl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, replUsage) }
	initFile := fs.String("init", "", "SQL file to run first")
	serverURL := fs.String("server", os.Getenv("EDDY_SERVER"), "URL of the eddy job server that runs INSERT INTO jobs")
	token := fs.String("auth-token", os.Getenv("EDDY_AUTH_TOKEN"), "token for the job server")
	history := fs.String("history", repl.DefaultHistoryFile(), "file of the statements typed")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "eddy repl: unexpected %q; to run a file, use --init FILE.sql or eddy run FILE.sql\n", fs.Arg(0))
		return 2
	}
	in, out := int(os.Stdin.Fd()), -1
	if f, ok := stdout.(*os.File); ok {
		out = int(f.Fd())
	}
	terminal := repl.IsTerminal(in)
	sigint := make(chan os.Signal, 1)
	signal.Notify(sigint, os.Interrupt)
	defer signal.Stop(sigint)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	cfg := repl.Config{
		Stdin: os.Stdin, Stdout: stdout, Stderr: stderr,
		Terminal: terminal, Live: terminal && out >= 0 && repl.IsTerminal(out),
		InFd: in, OutFd: out,
		Session:    engine.NewSession(),
		Banner:     fmt.Sprintf("eddy %s — streaming SQL. End statements with ';'. HELP; lists them; QUIT; or Ctrl-D leaves.", Version),
		Interrupts: sigint,
	}
	if terminal {
		cfg.HistoryFile = *history
	}
	if *serverURL != "" {
		cfg.Jobs = &serverJobs{c: server.NewClient(*serverURL, *token)}
	}
	sh, err := repl.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "eddy repl: %v\n", err)
		return 1
	}
	go func() {
		<-ctx.Done() // SIGTERM: leave as QUIT would
		sh.Close()
	}()
	return sh.Run(ctx, *initFile)
}

// opensShell reports whether `eddy` without arguments opens the shell: on a terminal, or
// with statements piped or redirected in (`echo 'SHOW TABLES;' | eddy`, `eddy < q.sql`).
// Any other stdin (/dev/null, none) prints the usage instead.
func opensShell(stdin *os.File) bool {
	if repl.IsTerminal(int(stdin.Fd())) {
		return true
	}
	st, err := stdin.Stat()
	if err != nil {
		return false
	}
	m := st.Mode()
	return m&os.ModeNamedPipe != 0 || m&os.ModeSocket != 0 || m.IsRegular()
}

// serverJobs runs the shell's INSERT INTO jobs on eddy's job server (--server URL). The
// server has a catalog of its own, so each job is submitted with the statements that
// built the shell's catalog (JobRequest.Script). Its jobs go on after the shell exits.
type serverJobs struct {
	c *server.Client
}

var _ repl.JobRunner = (*serverJobs)(nil)

func (s *serverJobs) Submit(ctx context.Context, req repl.JobRequest) (string, error) {
	return s.c.Submit(req.Name, req.Script)
}

func (s *serverJobs) Jobs(ctx context.Context) ([]repl.JobInfo, error) {
	list, err := s.c.List()
	if err != nil {
		return nil, err
	}
	out := make([]repl.JobInfo, 0, len(list))
	for _, j := range list {
		info := repl.JobInfo{ID: j.ID, Status: strings.ToUpper(string(j.Status)), Error: j.Error, Started: j.Submitted, Statement: j.Name}
		if j.SQL != "" {
			info.Statement = lastStatement(j.SQL)
		}
		for _, p := range j.Pipelines {
			info.RecordsIn += p.RecordsIn
			info.RecordsOut += p.RecordsOut
		}
		out = append(out, info)
	}
	return out, nil
}

func (s *serverJobs) Stop(ctx context.Context, id string) error {
	_, err := s.c.Stop(id, false)
	return err
}

// Close leaves the server's jobs running: they are the server's now.
func (s *serverJobs) Close() error { return nil }

// lastStatement is the INSERT at the end of a submitted script, on one line.
func lastStatement(script string) string {
	ends := parser.CompleteStatements(script)
	from := 0
	if len(ends) > 1 {
		from = ends[len(ends)-2]
	}
	last := strings.TrimSpace(script[from:])
	return strings.Join(strings.Fields(strings.TrimSuffix(last, ";")), " ")
}
