package engine

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddysql/eddy/parser"
)

// TestLookupJoinReload: a lookup join picks up a changed reference file, and keeps the last
// good version (counting the failure) when the file disappears.
func TestLookupJoinReload(t *testing.T) {
	dir := t.TempDir()
	ref := filepath.Join(dir, "items.csv")
	require.NoError(t, os.WriteFile(ref, []byte("1,apple\n2,banana\n"), 0o644))
	var stdout bytes.Buffer
	stderr := &lockedBuffer{}
	s := NewSession()
	s.Stdout, s.Stderr = &stdout, stderr
	script := `CREATE TABLE s (k BIGINT, proc AS PROCTIME()) WITH ('connector' = 'manual');
CREATE TABLE items (id BIGINT, name STRING) WITH ('connector' = 'filesystem', 'path' = '` + ref + `', 'format' = 'csv', 'lookup.reload-interval' = '20 ms');
SELECT s.k, i.name FROM s LEFT JOIN items FOR SYSTEM_TIME AS OF s.proc AS i ON s.k = i.id;`
	stmts, err := parser.Parse("q.sql", script)
	require.NoError(t, err)
	for _, st := range stmts[:2] {
		require.NoError(t, s.RunStatement(context.Background(), st))
	}
	var out bytes.Buffer
	job, err := s.StartManual(stmts[2].(*parser.Query), &out, false)
	require.NoError(t, err)
	defer job.Close()
	lookup := func() string {
		out.Reset()
		require.NoError(t, job.Feed("", []string{`{"k":1}`}))
		require.NoError(t, job.Flush())
		return strings.TrimSpace(out.String())
	}
	require.Equal(t, `{"k":1,"name":"apple"}`, lookup())

	require.NoError(t, os.WriteFile(ref, []byte("1,apricot\n"), 0o644))
	later := time.Now().Add(2 * time.Second)
	require.NoError(t, os.Chtimes(ref, later, later)) // a new modification time even on coarse clocks
	require.Eventually(t, func() bool { return lookup() == `{"k":1,"name":"apricot"}` }, 20*time.Second, 10*time.Millisecond)

	require.NoError(t, os.Remove(ref))
	require.Eventually(t, func() bool { return job.job.Stats.LookupErrors.Load() > 0 }, 20*time.Second, 10*time.Millisecond)
	require.Equal(t, `{"k":1,"name":"apricot"}`, lookup(), "the last good version stays")
	require.Contains(t, stderr.String(), "lookup table 'items'")
}

// lockedBuffer is a bytes.Buffer safe for the reload goroutine's warnings.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
