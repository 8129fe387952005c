package connectors

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPrintSink(t *testing.T) {
	mem := newMem(t)
	var out, errOut bytes.Buffer
	Stdout, Stderr = &out, &errOut
	defer func() { Stdout, Stderr = nil, nil }()
	f, err := Lookup("print")
	require.NoError(t, err)
	b := bidBatch(t, mem)
	defer b.Release()

	s, err := f.NewSink(TableSpec{Name: "p", Schema: bidSchema, Options: map[string]string{"connector": "print"}})
	require.NoError(t, err)
	require.NoError(t, s.Write(b))
	require.NoError(t, s.(ChangelogSink).WriteChangelog(b, []RowKind{UpdateBefore, UpdateAfter}))
	require.NoError(t, s.Close())
	assert.Equal(t, "+I[1, 1.5, 2026-11-01 00:00:00.000]\n+I[NULL, 2, NULL]\n-U[1, 1.5, 2026-11-01 00:00:00.000]\n+U[NULL, 2, NULL]\n", out.String())

	s, err = f.NewSink(TableSpec{Name: "p", Schema: bidSchema, Options: map[string]string{"connector": "print", "print-identifier": "job", "standard-error": "true"}})
	require.NoError(t, err)
	first := b.NewSlice(0, 1)
	defer first.Release()
	require.NoError(t, s.Write(first))
	assert.Equal(t, "job> +I[1, 1.5, 2026-11-01 00:00:00.000]\n", errOut.String())

	bh, err := Lookup("blackhole")
	require.NoError(t, err)
	s, err = bh.NewSink(TableSpec{Name: "p", Schema: bidSchema})
	require.NoError(t, err)
	require.NoError(t, s.Write(b))
	require.NoError(t, s.Close())
}
