package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runEddy(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelpAndVersion(t *testing.T) {
	code, out, _ := runEddy(t, "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "eddy run FILE.sql")
	assert.Contains(t, out, "--format json|csv|table|changelog")

	code, out, _ = runEddy(t, "version")
	assert.Equal(t, 0, code)
	assert.True(t, strings.HasPrefix(out, "eddy "))

	code, _, errs := runEddy(t)
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "Usage:")

	code, _, errs = runEddy(t, "frobnicate")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, `unknown command "frobnicate"`)
}

func TestRunFileAndFormats(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "bids.json")
	require.NoError(t, os.WriteFile(data, []byte(
		`{"auction":1,"price":10,"ts":"2026-11-01 00:00:01.000"}
{"auction":1,"price":30,"ts":"2026-11-01 00:00:02.000"}
{"auction":2,"price":5,"ts":"2026-11-01 00:00:12.000"}
`), 0o644))
	script := filepath.Join(dir, "q.sql")
	require.NoError(t, os.WriteFile(script, []byte(`CREATE TABLE bid (auction BIGINT, price DOUBLE, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = '`+data+`', 'format' = 'json');
SELECT window_start, auction, COUNT(*) AS n, AVG(price) AS avg_price
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, auction;
`), 0o644))

	code, out, errs := runEddy(t, "run", script, "--format", "json")
	require.Equal(t, 0, code, errs)
	assert.Equal(t, `{"window_start":"2026-11-01 00:00:00.000","auction":1,"n":2,"avg_price":20}
{"window_start":"2026-11-01 00:00:10.000","auction":2,"n":1,"avg_price":5}
`, out)

	code, out, _ = runEddy(t, "run", "--format", "csv", "--batch-size", "1", script)
	require.Equal(t, 0, code)
	assert.Equal(t, "2026-11-01 00:00:00.000,1,2,20\n2026-11-01 00:00:10.000,2,1,5\n", out)

	code, out, _ = runEddy(t, "run", script, "--format", "table")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "| window_start ")
	assert.Contains(t, out, "2 row(s) in result")

	code, _, errs = runEddy(t, "run", script, "--format", "xml")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "formats: json, csv, table, changelog")
}

func TestRunErrorHasCaret(t *testing.T) {
	code, out, errs := runEddy(t, "run", "-e", "CREATE TABLE t (a BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '1');\nSELECT b FROM t;")
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Equal(t, "-e:2:8: unknown column 'b'\n  SELECT b FROM t;\n         ^\nhint: columns of t are: a\n", errs)
}

func TestRelativePathNextToScript(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "in.json"), []byte(`{"a":1}`+"\n"+`{"a":2}`+"\n"), 0o644))
	script := filepath.Join(dir, "q.sql")
	require.NoError(t, os.WriteFile(script, []byte(`CREATE TABLE t (a BIGINT) WITH ('connector' = 'file', 'path' = 'in.json', 'format' = 'json');
SELECT a * 10 AS b FROM t;`), 0o644))
	code, out, errs := runEddy(t, "run", script)
	require.Equal(t, 0, code, errs)
	assert.Equal(t, "{\"b\":10}\n{\"b\":20}\n", out)
}
