package repl

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runScript runs a shell over script as piped stdin and returns its exit code and output.
func runScript(t *testing.T, script string) (int, string, string) {
	t.Helper()
	var out, errs bytes.Buffer
	sh, err := New(Config{Stdin: strings.NewReader(script), Stdout: &out, Stderr: &errs})
	require.NoError(t, err)
	code := sh.Run(context.Background(), "")
	return code, out.String(), errs.String()
}

func writeBids(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "bids.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"auction":1,"price":10,"ts":"2026-11-01 00:00:01.000"}
{"auction":1,"price":30,"ts":"2026-11-01 00:00:02.000"}
{"auction":2,"price":5,"ts":"2026-11-01 00:00:12.000"}
`), 0o644))
	return path
}

func bidsDDL(path string) string {
	return "CREATE TABLE bids (auction BIGINT, price DOUBLE, ts TIMESTAMP(3),\n" +
		"  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)\n" +
		"WITH ('connector' = 'filesystem', 'path' = '" + path + "', 'format' = 'json');\n"
}

func TestScriptModes(t *testing.T) {
	path := writeBids(t)
	code, out, errs := runScript(t, bidsDDL(path)+`
SELECT auction, COUNT(*) AS n FROM bids GROUP BY auction;
SET 'sql-client.execution.result-mode' = 'changelog';
SET 'eddy.batch-size' = '1';
SELECT auction, COUNT(*) AS n FROM bids GROUP BY auction;
SET 'sql-client.execution.result-mode' = 'TABLEAU';
SELECT auction, COUNT(*) AS n FROM bids GROUP BY auction;
SELECT price FROM bids WHERE price > 6;
RESET 'sql-client.execution.result-mode';
SELECT price FROM bids WHERE price > 6`)
	assert.Equal(t, 0, code, errs)
	assert.Empty(t, errs)
	assert.Equal(t, `+---------+---+
| auction | n |
+---------+---+
|       1 | 2 |
|       2 | 1 |
+---------+---+
2 row(s) in result
+----+----------------------+----------------------+
| op | auction              | n                    |
+----+----------------------+----------------------+
| +I |                    1 |                    1 |
| -U |                    1 |                    1 |
| +U |                    1 |                    2 |
| +I |                    2 |                    1 |
+----+----------------------+----------------------+
Received a total of 4 rows
+----+----------------------+----------------------+
| op | auction              | n                    |
+----+----------------------+----------------------+
| +I |                    1 |                    1 |
| -U |                    1 |                    1 |
| +U |                    1 |                    2 |
| +I |                    2 |                    1 |
+----+----------------------+----------------------+
Received a total of 4 rows
+----------------------+
| price                |
+----------------------+
|                   10 |
|                   30 |
+----------------------+
Received a total of 2 rows
+-------+
| price |
+-------+
|    10 |
|    30 |
+-------+
2 row(s) in result
`, out)
}

func TestScriptErrorsDoNotStopIt(t *testing.T) {
	path := writeBids(t)
	code, out, errs := runScript(t, "SHOW TABLES;\n"+bidsDDL(path)+"SHOW TABLES; SELEC * FROM bids;\n"+
		"SELECT pricee\n  FROM bids;\nSET 'sql-client.execution.result-mode' = 'pretty';\nSHOW VIEWS;\nDESCRIBE bids;")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "bids\n")
	assert.Regexp(t, `\| price +\| DOUBLE`, out)
	// Positions are the script's: line 5 of stdin, column 14, the caret under SELEC.
	assert.Contains(t, errs, "<stdin>:5:14: unknown statement \"SELEC\"\n  SELEC * FROM bids;\n  ^\nhint: did you mean SELECT?")
	assert.Contains(t, errs, "<stdin>:6:8: unknown column")
	assert.Contains(t, errs, "  SELECT pricee\n         ^\n")
	assert.Contains(t, errs, "<stdin>:8:1: unknown result mode 'pretty'")
}

func TestSourceHelpQuitAndSettings(t *testing.T) {
	path := writeBids(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "setup.sql")
	// The table's path is relative to the sourced file's folder.
	rel, err := filepath.Rel(dir, path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, []byte(bidsDDL(rel)+"SET 'table.exec.state.ttl' = '1 h';\n"), 0o644))
	code, out, errs := runScript(t, "SOURCE '"+file+"';\nSELECT COUNT(*) AS n FROM bids;\nSET;\nHELP;\nQUIT;\nSHOW TABLES;")
	assert.Equal(t, 0, code, errs)
	assert.Contains(t, out, "| 3 |\n")
	assert.Contains(t, out, "'sql-client.execution.result-mode' = 'table'\n'table.exec.state.ttl' = '1 h'\n")
	assert.Contains(t, out, "Result modes:")
	assert.NotContains(t, out, "bids\n", "nothing runs after QUIT")

	code, _, errs = runScript(t, "SOURCE 'no/such/file.sql';")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "no/such/file.sql")
}

func TestScriptJobs(t *testing.T) {
	code, out, errs := runScript(t, `
CREATE TABLE gen (k INT, v BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '100');
CREATE TABLE sink (k INT, v BIGINT) WITH ('connector' = 'blackhole');
SHOW JOBS;
INSERT INTO sink
  SELECT * FROM gen;
SHOW JOBS;
STOP JOB 'job-1';
SHOW JOBS;
STOP JOB 'job-2';
INSERT INTO nowhere SELECT * FROM gen;`)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "No jobs. INSERT INTO ... starts one.\n")
	assert.Contains(t, out, "Job job-1 started. SHOW JOBS; lists it; STOP JOB 'job-1'; stops it.\n")
	assert.Regexp(t, `\| job-1 \| RUNNING \|\s+[\d,]+ \|\s+[\d,]+ \| INSERT INTO sink SELECT \* FROM gen \|`, out)
	assert.Contains(t, out, "Job job-1 stopped.\n")
	assert.Regexp(t, `\| job-1 \| STOPPED \|`, out)
	assert.Contains(t, errs, "<stdin>:10:1: no job 'job-2'; jobs are: job-1\n  STOP JOB 'job-2';\n  ^\nhint: SHOW JOBS; lists the jobs")
	assert.Contains(t, errs, "nowhere")
}

func TestHistoryFile(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", filepath.Join(t.TempDir(), "state"))
	f := DefaultHistoryFile()
	assert.Equal(t, "history", filepath.Base(f))
	assert.DirExists(t, filepath.Dir(f))
	home := t.TempDir()
	t.Setenv("XDG_STATE_HOME", "")
	t.Setenv("HOME", home)
	assert.Equal(t, filepath.Join(home, ".eddy_history"), DefaultHistoryFile())
}
