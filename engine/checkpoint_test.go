package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// ckptScript is a windowed job over the paced Nexmark generator (about 1.5 s of wall time)
// writing three filesystem sinks: a file, a folder of part files, and an upsert file.
func ckptScript(out string, interval string) string {
	return fmt.Sprintf(`
CREATE TABLE bid (auction BIGINT, bidder BIGINT, price BIGINT, dateTime TIMESTAMP(3),
  WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND)
WITH ('connector' = 'nexmark', 'table' = 'bid', 'events.num' = '30000', 'tps' = '1000', 'max-emit-speed' = '20000', 'seed' = '3',
      'first-event.time' = '2026-11-01 10:00:00');
CREATE TABLE per_window (ws TIMESTAMP(3), auction BIGINT, n BIGINT, top BIGINT)
WITH ('connector' = 'filesystem', 'path' = '%[1]s/file.json', 'format' = 'json');
CREATE TABLE parts (ws TIMESTAMP(3), n BIGINT, total BIGINT)
WITH ('connector' = 'filesystem', 'path' = '%[1]s/parts/', 'format' = 'csv');
CREATE TABLE per_bidder (bidder BIGINT, n BIGINT, PRIMARY KEY (bidder) NOT ENFORCED)
WITH ('connector' = 'filesystem', 'path' = '%[1]s/upsert.json', 'format' = 'json');
%[2]s
EXECUTE STATEMENT SET BEGIN
INSERT INTO per_window SELECT window_start, auction, COUNT(*), MAX(price)
  FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '1' SECOND)) GROUP BY window_start, window_end, auction;
INSERT INTO parts SELECT window_start, COUNT(*), SUM(price)
  FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '1' SECOND, INTERVAL '3' SECOND)) GROUP BY window_start, window_end;
INSERT INTO per_bidder SELECT bidder, COUNT(*) FROM bid GROUP BY bidder;
END;
`, out, interval)
}

func stoppedByContext(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// readSinks returns the three sinks' contents, each sorted.
func readSinks(t *testing.T, dir string) map[string][]string {
	out := map[string][]string{}
	read := func(name, path string) {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		out[name] = append(out[name], strings.Split(strings.TrimSpace(string(b)), "\n")...)
	}
	read("file", filepath.Join(dir, "file.json"))
	read("upsert", filepath.Join(dir, "upsert.json"))
	parts, _ := filepath.Glob(filepath.Join(dir, "parts", "*"))
	for _, p := range parts {
		read("parts", p)
	}
	for k := range out {
		sort.Strings(out[k])
	}
	return out
}

// requireSameSinks compares sink contents, printing only the first differences.
func requireSameSinks(t *testing.T, want, got map[string][]string) {
	t.Helper()
	for k, w := range want {
		g := got[k]
		if strings.Join(w, "\n") == strings.Join(g, "\n") {
			continue
		}
		missing, extra := stringsDiff(w, g)
		t.Errorf("sink %s: %d rows want, %d got; missing %d %v; extra %d %v", k, len(w), len(g), len(missing), first(missing, 5), len(extra), first(extra, 5))
	}
}

func first(l []string, n int) []string { return l[:min(n, len(l))] }

// stringsDiff returns the lines of want missing from got and those of got not in want,
// as multisets.
func stringsDiff(want, got []string) (missing, extra []string) {
	count := map[string]int{}
	for _, l := range want {
		count[l]++
	}
	for _, l := range got {
		count[l]--
	}
	for l, n := range count {
		for ; n > 0; n-- {
			missing = append(missing, l)
		}
		for ; n < 0; n++ {
			extra = append(extra, l)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return missing, extra
}

// runCkpt runs a script with checkpoint options; it returns stderr and the error.
func runCkpt(t *testing.T, ctx context.Context, script string, opts CheckpointOptions) (string, error) {
	s := NewSession()
	stderr := &lockedBuffer{}
	s.Stdout, s.Stderr, s.Checkpoints = &lockedBuffer{}, stderr, opts
	err := s.RunScript(ctx, "job.sql", script)
	return stderr.String(), err
}

// TestCheckpointStopAndRestore stops a job gracefully in the middle (its final checkpoint
// commits what it processed) and restores it from its checkpoint folder: the sinks then
// hold exactly what one uninterrupted run writes.
func TestCheckpointStopAndRestore(t *testing.T) {
	want := t.TempDir()
	_, err := runCkpt(t, context.Background(), ckptScript(want, ""), CheckpointOptions{})
	require.NoError(t, err)

	out, state := t.TempDir(), t.TempDir()
	script := ckptScript(out, "SET 'execution.checkpointing.interval' = '100 ms';")
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	log, err := runCkpt(t, ctx, script, CheckpointOptions{StateDir: state})
	cancel()
	require.True(t, stoppedByContext(err), "%v %s", err, log)
	for _, p := range []string{"insert-into-per_window", "insert-into-parts", "insert-into-per_bidder"} {
		ids := listCheckpoints(filepath.Join(state, p))
		require.NotEmpty(t, ids, p)
		require.LessOrEqual(t, len(ids), 3, "retained: 3 by default")
	}
	// Restored and stopped before reading anything: its final checkpoint keeps the
	// restored positions (a checkpoint without them would read everything again).
	stopped, stop := context.WithCancel(context.Background())
	stop()
	log, err = runCkpt(t, stopped, script, CheckpointOptions{StateDir: state, Restore: state})
	require.True(t, stoppedByContext(err), "%v %s", err, log)
	log, err = runCkpt(t, context.Background(), script, CheckpointOptions{StateDir: state, Restore: state})
	require.NoError(t, err, log)
	requireSameSinks(t, readSinks(t, want), readSinks(t, out))
	leftovers, _ := filepath.Glob(filepath.Join(out, "parts", ".*"))
	require.Empty(t, leftovers, "no in-progress file is left")
}

// TestCheckpointCorruptAndFailed: a checkpoint whose write fails (a full disk) fails alone
// and the job goes on; a truncated checkpoint file is detected by its checksum and the
// previous one is restored, with a warning.
func TestCheckpointCorruptAndFailed(t *testing.T) {
	want := t.TempDir()
	_, err := runCkpt(t, context.Background(), ckptScript(want, ""), CheckpointOptions{})
	require.NoError(t, err)

	failing := 0
	writeCheckpointFile = func(path string, b []byte) error {
		if strings.Contains(path, "chk-") && failing < 2 {
			failing++
			return &os.PathError{Op: "write", Path: path, Err: syscall.ENOSPC}
		}
		return writeFileAtomic(path, b)
	}
	defer func() { writeCheckpointFile = writeFileAtomic }()
	out, state := t.TempDir(), t.TempDir()
	script := ckptScript(out, "SET 'execution.checkpointing.interval' = '100 ms'; SET 'execution.checkpointing.retained' = '5';")
	var jobs []*Job
	s := NewSession()
	stderr := &lockedBuffer{}
	s.Stdout, s.Stderr, s.Checkpoints = &lockedBuffer{}, stderr, CheckpointOptions{StateDir: state}
	s.JobStarted = func(j *Job) { jobs = append(jobs, j) }
	ctx, cancel := context.WithTimeout(context.Background(), 900*time.Millisecond)
	err = s.RunScript(ctx, "job.sql", script)
	cancel()
	require.True(t, stoppedByContext(err), "%v", err)
	require.Contains(t, stderr.String(), "no space left on device")
	require.Contains(t, stderr.String(), "the job goes on")
	var failed, completed int64
	for _, j := range jobs {
		st := j.CheckpointStats()
		failed += st.Failed
		completed += st.Completed
	}
	require.Equal(t, int64(2), failed)
	require.Positive(t, completed)

	// Truncate the newest checkpoint of one pipeline: the one before it is restored.
	dir := filepath.Join(state, "insert-into-per_window")
	ids := listCheckpoints(dir)
	require.GreaterOrEqual(t, len(ids), 2)
	newest := filepath.Join(dir, checkpointName(ids[0]))
	st, err := os.Stat(newest)
	require.NoError(t, err)
	require.NoError(t, os.Truncate(newest, st.Size()/2))
	log, err := runCkpt(t, context.Background(), script, CheckpointOptions{StateDir: state, Restore: state})
	require.NoError(t, err, log)
	require.Contains(t, log, "corrupt or truncated")
	require.Contains(t, log, "using the previous checkpoint")
	got := readSinks(t, out)
	exp := readSinks(t, want)
	// The file sink restored from the older checkpoint truncated its file to it, so it
	// too holds exactly one run's rows.
	requireSameSinks(t, exp, got)
}

// TestRestoreChangedQuery maps state by operator id: a query changed above its window
// aggregation restores it; a changed aggregation is refused with a message naming the
// operator, unless non-restored state is allowed.
func TestRestoreChangedQuery(t *testing.T) {
	out, state := t.TempDir(), t.TempDir()
	base := `
CREATE TABLE bid (auction BIGINT, bidder BIGINT, price BIGINT, dateTime TIMESTAMP(3),
  WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND)
WITH ('connector' = 'nexmark', 'table' = 'bid', 'events.num' = '20000', 'tps' = '1000', 'max-emit-speed' = '20000', 'seed' = '3');
CREATE TABLE sink (ws TIMESTAMP(3), n BIGINT, extra BIGINT) WITH ('connector' = 'filesystem', 'path' = '` + out + `/out.json', 'format' = 'json');
SET 'execution.checkpointing.interval' = '100 ms';
INSERT INTO sink SELECT window_start, %s FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '1' SECOND)) GROUP BY window_start, window_end;
`
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	log, err := runCkpt(t, ctx, fmt.Sprintf(base, "COUNT(*), 1"), CheckpointOptions{StateDir: state})
	cancel()
	require.True(t, stoppedByContext(err), "%v %s", err, log)

	// Above the aggregation: a different projection restores.
	log, err = runCkpt(t, context.Background(), fmt.Sprintf(base, "COUNT(*), 2"), CheckpointOptions{StateDir: t.TempDir(), Restore: state})
	require.NoError(t, err, log)

	// The aggregation itself changed: refused, naming the operator and the way out.
	_, err = runCkpt(t, context.Background(), fmt.Sprintf(base, "COUNT(*), MAX(price)"), CheckpointOptions{StateDir: t.TempDir(), Restore: state})
	require.Error(t, err)
	require.Contains(t, err.Error(), "WindowAggregate")
	require.Contains(t, err.Error(), "--allow-non-restored-state")
	log, err = runCkpt(t, context.Background(), fmt.Sprintf(base, "COUNT(*), MAX(price)"), CheckpointOptions{StateDir: t.TempDir(), Restore: state, AllowNonRestored: true})
	require.NoError(t, err, log)
	require.Contains(t, log, "dropping the saved state of operator WindowAggregate")
}
