package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRunKilledRestoresFileSinks kills `eddy run --state-dir` with SIGKILL at random moments
// and runs it again with --restore until it finishes: the file, part-file folder and upsert
// sinks then hold exactly what one uninterrupted run writes.
func TestRunKilledRestoresFileSinks(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills eddy")
	}
	dir := t.TempDir()
	script := func(out string) string {
		return fmt.Sprintf(`
CREATE TABLE bid (auction BIGINT, bidder BIGINT, price BIGINT, dateTime TIMESTAMP(3),
  WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND)
WITH ('connector' = 'nexmark', 'table' = 'bid', 'events.num' = '60000', 'tps' = '1000', 'max-emit-speed' = '15000', 'seed' = '9');
CREATE TABLE per_window (ws TIMESTAMP(3), auction BIGINT, n BIGINT, top BIGINT)
WITH ('connector' = 'filesystem', 'path' = '%[1]s/file.json', 'format' = 'json');
CREATE TABLE parts (ws TIMESTAMP(3), n BIGINT) WITH ('connector' = 'filesystem', 'path' = '%[1]s/parts/', 'format' = 'csv');
CREATE TABLE per_bidder (bidder BIGINT, n BIGINT, PRIMARY KEY (bidder) NOT ENFORCED)
WITH ('connector' = 'filesystem', 'path' = '%[1]s/upsert.json', 'format' = 'json');
SET 'execution.checkpointing.interval' = '150 ms';
EXECUTE STATEMENT SET BEGIN
INSERT INTO per_window SELECT window_start, auction, COUNT(*), MAX(price)
  FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '1' SECOND)) GROUP BY window_start, window_end, auction;
INSERT INTO parts SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND)) GROUP BY window_start, window_end;
INSERT INTO per_bidder SELECT bidder, COUNT(*) FROM bid GROUP BY bidder;
END;
`, out)
	}
	wantDir, gotDir, state := filepath.Join(dir, "want"), filepath.Join(dir, "got"), filepath.Join(dir, "state")
	for _, d := range []string{wantDir, gotDir} {
		require.NoError(t, os.MkdirAll(filepath.Join(d, "parts"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(d, "job.sql"), []byte(script(d)), 0o644))
	}
	code, _, errOut := runEddy(t, "run", filepath.Join(wantDir, "job.sql"), "--format", "none")
	require.Equal(t, 0, code, errOut)

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("seed %d", seed)
	logPath := filepath.Join(dir, "run.log")
	kills := 0
	for attempt := 0; ; attempt++ {
		require.Less(t, attempt, 30, "the job never finished")
		args := []string{"run", filepath.Join(gotDir, "job.sql"), "--format", "none", "--state-dir", state}
		if attempt > 0 {
			args = append(args, "--restore", state)
		}
		p := startEddy(t, logPath, args...)
		done := make(chan error, 1)
		go func() { done <- p.cmd.Wait() }()
		select {
		case err := <-done:
			p.log.Close()
			b, _ := os.ReadFile(logPath)
			require.NoError(t, err, string(b))
			t.Logf("finished after %d kills", kills)
			require.Positive(t, kills, "the job ended before any kill; make it longer")
			goto compare
		case <-time.After(time.Duration(300+rng.IntN(700)) * time.Millisecond):
			p.cmd.Process.Signal(syscall.SIGKILL)
			<-done
			p.log.Close()
			kills++
		}
	}
compare:
	for _, f := range []string{"file.json", "upsert.json"} {
		require.Equal(t, sortedLines(t, filepath.Join(wantDir, f)), sortedLines(t, filepath.Join(gotDir, f)), f)
	}
	var want, got []string
	for _, d := range []struct {
		dir string
		out *[]string
	}{{wantDir, &want}, {gotDir, &got}} {
		parts, _ := filepath.Glob(filepath.Join(d.dir, "parts", "*"))
		for _, p := range parts {
			*d.out = append(*d.out, sortedLines(t, p)...)
		}
		sort.Strings(*d.out)
	}
	require.Equal(t, want, got, "part files")
	hidden, _ := filepath.Glob(filepath.Join(gotDir, "parts", ".*"))
	require.Empty(t, hidden)
}

func sortedLines(t *testing.T, path string) []string {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	l := strings.Split(strings.TrimSpace(string(b)), "\n")
	sort.Strings(l)
	return l
}

// TestRunSavepointSignals: kill -USR1 takes a savepoint of a running `eddy run`, Ctrl-C
// (SIGINT) stops it with a final savepoint (--savepoint-on-stop), and --restore of that
// savepoint file finishes the job: the output of both runs together is one run's.
func TestRunSavepointSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("starts eddy")
	}
	dir := t.TempDir()
	job := filepath.Join(dir, "job.sql")
	require.NoError(t, os.WriteFile(job, []byte(`
CREATE TABLE bid (auction BIGINT, price BIGINT, dateTime TIMESTAMP(3), WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND)
WITH ('connector' = 'nexmark', 'table' = 'bid', 'events.num' = '20000', 'tps' = '1000', 'max-emit-speed' = '10000', 'seed' = '2');
SELECT window_start, COUNT(*) AS n, SUM(price) AS total FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '1' SECOND))
GROUP BY window_start, window_end;
`), 0o644))
	code, want, errOut := runEddy(t, "run", job, "--format", "csv")
	require.Equal(t, 0, code, errOut)

	state, logPath := filepath.Join(dir, "state"), filepath.Join(dir, "run.log")
	out1 := filepath.Join(dir, "out1.csv")
	of, err := os.Create(out1)
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "run", job, "--format", "csv", "--state-dir", state, "--savepoint-on-stop")
	cmd.Env = append(os.Environ(), "EDDY_TEST_MAIN=1")
	lf, err := os.Create(logPath)
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = of, lf
	require.NoError(t, cmd.Start())
	readLog := func() string { b, _ := os.ReadFile(logPath); return string(b) }
	time.Sleep(500 * time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGUSR1))
	require.Eventually(t, func() bool { return strings.Contains(readLog(), "eddy: savepoint of select: ") }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	require.Error(t, cmd.Wait(), "stopped: exit 130")
	of.Close()
	lf.Close()
	log := readLog()
	require.Contains(t, log, "eddy: stopped")
	require.Contains(t, log, "last savepoint")
	// The savepoint of the stop: the line "eddy: select: last savepoint N at PATH".
	i := strings.Index(log, "last savepoint")
	line := log[i:]
	line = line[:strings.IndexByte(line, '\n')]
	savepoint := line[strings.LastIndex(line, " at ")+4:]
	require.FileExists(t, savepoint)

	code, out2, errOut := runEddy(t, "run", job, "--format", "csv", "--state-dir", state, "--restore", savepoint)
	require.Equal(t, 0, code, errOut)
	b, err := os.ReadFile(out1)
	require.NoError(t, err)
	lines := func(s string) []string {
		l := strings.Split(strings.TrimSpace(s), "\n")
		sort.Strings(l)
		return l
	}
	require.Equal(t, lines(want), lines(string(b)+out2))
}
