package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBenchQueriesRun: every embedded Nexmark query plans and runs on a small stream, and
// the measurement has the documented keys.
func TestBenchQueriesRun(t *testing.T) {
	for _, q := range queryNames() {
		t.Run(q, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := benchCmd([]string{"nexmark", "--run-one", q, "--events", "5000"}, &stdout, &stderr)
			require.Equal(t, 0, code, stderr.String())
			var r map[string]any
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &r))
			for _, k := range []string{"query", "events", "seconds", "events_per_second", "events_per_second_per_core", "cores_used", "peak_rss_bytes"} {
				require.Contains(t, r, k)
			}
			require.Equal(t, q, r["query"])
		})
	}
}

func TestBenchUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.Equal(t, 2, benchCmd([]string{"nexmark", "--queries", "q99"}, &stdout, &stderr))
	require.Contains(t, stderr.String(), "unknown query")
	require.Equal(t, 2, benchCmd(nil, &stdout, &stderr))
}
