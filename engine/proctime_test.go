package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eddysql/eddy/internal/testpeer"
)

// TestProcTimeWindowFiresOnTimer: a processing-time window fires once the wall clock passes
// its end, though no further record arrives (the topic stays quiet and unbounded).
func TestProcTimeWindowFiresOnTimer(t *testing.T) {
	addr := testpeer.StartKafka(t, 1, "clicks")
	var lines []string
	for i := 0; i < 20; i++ {
		lines = append(lines, fmt.Sprintf(`{"user_id":%d}`, i%3))
	}
	testpeer.KcatProduce(t, addr, "clicks", lines, false)
	stdout := &lockedBuffer{}
	s := NewSession()
	s.Stdout, s.Stderr = stdout, &lockedBuffer{}
	script := fmt.Sprintf(`
CREATE TABLE clicks (user_id BIGINT, p AS PROCTIME())
WITH ('connector' = 'kafka', 'topic' = 'clicks', 'properties.bootstrap.servers' = '%s',
      'scan.startup.mode' = 'earliest-offset', 'format' = 'json');
SELECT COUNT(*) AS n FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(p), INTERVAL '1' SECOND)) GROUP BY window_start, window_end;
`, addr)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.RunScript(ctx, "job.sql", script) }()
	counted := func() int {
		total := 0
		for _, l := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
			var n int
			fmt.Sscanf(l, `{"n":%d}`, &n)
			total += n
		}
		return total
	}
	require.Eventually(t, func() bool { return counted() == 20 }, 15*time.Second, 20*time.Millisecond,
		"the windows never fired: %s", stdout.String())
	cancel()
	<-done
	require.Equal(t, 20, counted(), stdout.String())
}
