package server

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// newTestServer runs a server over a fresh state folder, allowing files under allow.
func newTestServer(t *testing.T, state, token string, allow ...string) (*Server, *Client) {
	t.Helper()
	s, err := New(Config{StateDir: state, AllowPaths: allow, Log: log.New(io.Discard, "", 0)})
	require.NoError(t, err)
	hs := httptest.NewServer(s.Handler(token))
	t.Cleanup(func() { hs.Close(); s.Close() })
	return s, NewClient(hs.URL, token)
}

// job is a slow generator into a file under dir: it runs for a few seconds.
func slowJob(dir string) string {
	return fmt.Sprintf(`
CREATE TABLE bid (auction BIGINT, price BIGINT, dateTime TIMESTAMP(3), WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND)
WITH ('connector' = 'nexmark', 'table' = 'bid', 'events.num' = '100000', 'tps' = '1000', 'max-emit-speed' = '10000', 'seed' = '1');
CREATE TABLE out (ws TIMESTAMP(3), n BIGINT) WITH ('connector' = 'filesystem', 'path' = '%s/out.json', 'format' = 'json');
SET 'execution.checkpointing.interval' = '100 ms';
INSERT INTO out SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '1' SECOND))
GROUP BY window_start, window_end;
`, dir)
}

func TestSubmitDescribeSavepointStop(t *testing.T) {
	data := t.TempDir()
	_, c := newTestServer(t, t.TempDir(), "", data)
	id, err := c.Submit("job.sql", slowJob(data))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		j, err := c.Describe(id)
		return err == nil && len(j.Pipelines) == 1 && j.Pipelines[0].LastCheckpoint != nil && j.Pipelines[0].RecordsIn > 0
	}, 20*time.Second, 20*time.Millisecond)
	sps, err := c.Savepoint(id)
	require.NoError(t, err)
	require.Len(t, sps, 1)
	require.FileExists(t, sps[0])
	list, err := c.List()
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, Running, list[0].Status)

	j, err := c.Stop(id, true)
	require.NoError(t, err)
	require.Equal(t, Stopped, j.Status)
	require.Len(t, j.Savepoints, 1)
	require.FileExists(t, j.Savepoints[0])
	_, err = c.Stop(id, false)
	require.ErrorContains(t, err, "is not running")
	require.NoError(t, c.Delete(id))
	_, err = c.Describe(id)
	require.ErrorContains(t, err, "no such job")
}

// TestSubmitRefused: a script with a mistake is refused with its line, column and caret,
// and no job exists; so are a SELECT and a file outside the allowed folders.
func TestSubmitRefused(t *testing.T) {
	data := t.TempDir()
	state := t.TempDir()
	_, c := newTestServer(t, state, "", data)
	_, err := c.Submit("bad.sql", "CREATE TABLE t (a BIGINT) WITH ('connector' = 'datagen');\nINSERT INTO t SELEC a FROM t;\n")
	require.Error(t, err)
	require.Equal(t, http.StatusBadRequest, err.(*APIError).Status)
	require.Contains(t, err.Error(), "bad.sql:2:")
	require.Contains(t, err.Error(), "^")

	_, err = c.Submit("select.sql", "CREATE TABLE t (a BIGINT) WITH ('connector' = 'datagen');\nSELECT a FROM t;\n")
	require.ErrorContains(t, err, "a submitted job cannot SELECT")

	_, err = c.Submit("passwd.sql", `CREATE TABLE p (line STRING) WITH ('connector' = 'filesystem', 'path' = '/etc/passwd', 'format' = 'raw');
CREATE TABLE o (line STRING) WITH ('connector' = 'filesystem', 'path' = '`+data+`/o.txt', 'format' = 'raw');
INSERT INTO o SELECT line FROM p;`)
	require.ErrorContains(t, err, "outside the folders this server allows")
	_, err = c.Submit("escape.sql", strings.ReplaceAll(slowJob(data), data+"/out.json", data+"/../x/out.json"))
	require.ErrorContains(t, err, "outside the folders this server allows")

	list, err := c.List()
	require.NoError(t, err)
	require.Empty(t, list)
	ents, _ := os.ReadDir(filepath.Join(state, "jobs"))
	require.Empty(t, ents, "no job folder was created")
}

func TestTokenAndMetrics(t *testing.T) {
	data := t.TempDir()
	_, c := newTestServer(t, t.TempDir(), "s3cret", data)
	resp, err := http.Get(c.URL + "/v1/jobs")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	bad := NewClient(c.URL, "wrong")
	_, err = bad.List()
	require.Equal(t, http.StatusUnauthorized, err.(*APIError).Status)

	id, err := c.Submit("job.sql", slowJob(data))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		j, _ := c.Describe(id)
		return len(j.Pipelines) == 1 && j.Pipelines[0].Checkpoints > 0
	}, 20*time.Second, 20*time.Millisecond)
	req, _ := http.NewRequest("GET", c.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{"eddy_records_in_total{job=\"" + id, "eddy_checkpoints_completed_total", "eddy_watermark_milliseconds", "eddy_job_running"} {
		require.Contains(t, string(body), m)
	}
}

func TestListenNeedsToken(t *testing.T) {
	require.True(t, IsLoopback("127.0.0.1:8081"))
	require.True(t, IsLoopback("localhost:1"))
	require.True(t, IsLoopback("[::1]:8081"))
	require.False(t, IsLoopback("0.0.0.0:8081"))
	require.False(t, IsLoopback(":8081"))
	require.ErrorContains(t, ListenError(":8081"), "--auth-token")
}

// TestServerRestartResumes: a server closed while a job runs (as on SIGTERM) resumes the
// job on the next start from its checkpoint, and the job then finishes.
func TestServerRestartResumes(t *testing.T) {
	data, state := t.TempDir(), t.TempDir()
	s, err := New(Config{StateDir: state, AllowPaths: []string{data}, Log: log.New(io.Discard, "", 0)})
	require.NoError(t, err)
	id, err := s.Submit("job.sql", slowJob(data))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		j, _ := s.Describe(id)
		return len(j.Pipelines) == 1 && j.Pipelines[0].Checkpoints > 1
	}, 20*time.Second, 20*time.Millisecond)
	s.Close()
	s2, err := New(Config{StateDir: state, AllowPaths: []string{data}, Log: log.New(io.Discard, "", 0)})
	require.NoError(t, err)
	defer s2.Close()
	require.Eventually(t, func() bool {
		j, _ := s2.Describe(id)
		return j.Status == Finished
	}, 60*time.Second, 50*time.Millisecond)
	j, _ := s2.Describe(id)
	require.Equal(t, 1, j.Restarts)
	lines, err := os.ReadFile(filepath.Join(data, "out.json"))
	require.NoError(t, err)
	require.Equal(t, 100, strings.Count(string(lines), "\n"), "one row per second of event time")
}

// TestFailedJobRestarts: a run that fails (here its sink folder is a file for a while) is
// started again from its latest checkpoint after a backoff, and the job then finishes.
func TestFailedJobRestarts(t *testing.T) {
	data := t.TempDir()
	blocker := filepath.Join(data, "blocked")
	require.NoError(t, os.WriteFile(blocker, []byte("not a folder"), 0o644))
	s, c := newTestServer(t, t.TempDir(), "", data)
	script := strings.ReplaceAll(slowJob(data), "'events.num' = '100000'", "'events.num' = '5000'")
	script = strings.ReplaceAll(script, data+"/out.json", blocker+"/out.json")
	id, err := c.Submit("job.sql", script)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		j, _ := s.Describe(id)
		return j.Status == Restarting && strings.Contains(j.Error, "blocked")
	}, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, os.Remove(blocker))
	require.Eventually(t, func() bool {
		j, _ := s.Describe(id)
		return j.Status == Finished
	}, 30*time.Second, 20*time.Millisecond)
	j, _ := s.Describe(id)
	require.GreaterOrEqual(t, j.Restarts, 1)
	require.FileExists(t, filepath.Join(blocker, "out.json"))
}
