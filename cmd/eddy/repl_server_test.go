package main

import (
	"bytes"
	"context"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddysql/eddy/repl"
	"github.com/eddysql/eddy/server"
)

// TestREPLServerJobs: with --server, the shell's INSERTs run on the job server, submitted
// with the CREATE statements the shell ran before them; SHOW JOBS and STOP JOB use the
// server's ids.
func TestREPLServerJobs(t *testing.T) {
	srv, err := server.New(server.Config{StateDir: t.TempDir(), Log: log.New(io.Discard, "", 0)})
	require.NoError(t, err)
	hs := httptest.NewServer(srv.Handler(""))
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})

	script := `CREATE TABLE gen (k INT, v BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '100');
CREATE TABLE sink (k INT, v BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT * FROM gen;
SHOW JOBS;
`
	var out, errs bytes.Buffer
	sh, err := repl.New(repl.Config{Stdin: strings.NewReader(script), Stdout: &out, Stderr: &errs,
		Jobs: &serverJobs{c: server.NewClient(hs.URL, "")}})
	require.NoError(t, err)
	require.Equal(t, 0, sh.Run(context.Background(), ""), errs.String())
	id := strings.TrimSuffix(strings.Fields(out.String())[1], ".")
	assert.Contains(t, out.String(), "Job "+id+" started.")
	assert.Regexp(t, `\| `+id+` \| RUNNING \|\s+[\d,]+ \|\s+[\d,]+ \| INSERT INTO sink SELECT \* FROM gen \|`, out.String())

	// The job is the server's: it goes on after the shell, and a later shell stops it.
	jobs := &serverJobs{c: server.NewClient(hs.URL, "")}
	list, err := jobs.Jobs(context.Background())
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, repl.StatusRunning, list[0].Status)
	require.NoError(t, jobs.Stop(context.Background(), id))
	deadline := time.Now().Add(20 * time.Second)
	for {
		list, err = jobs.Jobs(context.Background())
		require.NoError(t, err)
		if list[0].Status != repl.StatusRunning || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	assert.Equal(t, repl.StatusStopped, list[0].Status)

	// A statement the server refuses is reported, with the server's message.
	_, err = jobs.Submit(context.Background(), repl.JobRequest{Script: "INSERT INTO nowhere SELECT 1;", Name: "nowhere"})
	assert.ErrorContains(t, err, "nowhere")
}
