package parser

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClientStatements(t *testing.T) {
	stmts := parseOK(t, "HELP; quit; EXIT;\nSOURCE 'jobs/q.sql';\nSTOP JOB 'job-2';\nSHOW JOBS;")
	require.Len(t, stmts, 6)
	assert.IsType(t, &Help{}, stmts[0])
	assert.IsType(t, &Quit{}, stmts[1])
	assert.IsType(t, &Quit{}, stmts[2])
	assert.Equal(t, &SourceFile{Pos: Pos{File: "job.sql", Line: 2, Col: 1, Offset: 18}, Path: "jobs/q.sql"}, stmts[3])
	assert.Equal(t, "job-2", stmts[4].(*StopJob).ID)
	assert.Equal(t, 3, stmts[4].Position().Line)
	assert.Equal(t, "JOBS", stmts[5].(*Show).What)
}

func TestClientStatementErrors(t *testing.T) {
	cases := []struct{ sql, msg, hint string }{
		{"SOURCE;", "expected a file name", "SOURCE 'file.sql'"},
		{"STOP 'x'", `expected JOB, found "'x'"`, "SHOW JOBS"},
		{"STOP JOB", "expected a job id", "STOP JOB 'id'"},
		{"HELP me", `unexpected "me"`, "HELP;"},
		{"QUTI", `unknown statement "QUTI"`, "did you mean QUIT"},
	}
	for _, c := range cases {
		_, err := Parse("", c.sql)
		require.Error(t, err, c.sql)
		e := err.(*Error)
		assert.Contains(t, e.Msg, c.msg, c.sql)
		assert.Contains(t, e.Hint, c.hint, c.sql)
	}
}

func TestCompleteStatements(t *testing.T) {
	cases := []struct {
		text string
		ends []int
	}{
		{"", nil},
		{"SELECT 1", nil},
		{"SELECT 1;", []int{9}},
		{"SELECT 1; SELECT", []int{9}},
		{"SELECT ';'", nil},
		{"SELECT ';';", []int{11}},
		{"SELECT 1 -- ;\n", nil},
		{"SELECT 1 /* ; */ ;", []int{18}},
		{"SELECT 1; SELECT 'abc;", []int{9}},
		{"SELECT 1 /* ;", nil},
		{";", nil},
		{"SELECT 1;\n;\nSELECT 2;", []int{9, 21}},
		{"EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1;", nil},
		{"EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; END;", []int{56}},
		{"BEGIN STATEMENT SET;\nINSERT INTO a SELECT 1;", nil},
		{"BEGIN STATEMENT SET;\nINSERT INTO a SELECT 1;\nEND;", []int{49}},
	}
	for _, c := range cases {
		assert.Equal(t, c.ends, CompleteStatements(c.text), "%q", c.text)
	}
}
