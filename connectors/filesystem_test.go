package connectors

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeFile(t *testing.T, path, content string) {
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

func TestFilesystemSourceJSON(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "b.json"), `{"auction":3,"price":3.5,"ts":"2026-11-01 00:00:03"}`)
	writeFile(t, filepath.Join(dir, "a.json"), `{"auction":1,"price":1.5,"ts":1793491200000}
{"auction":"x","price":2.5,"ts":"2026-11-01 00:00:02"}

{"auction":2,"price":2.5,"ts":"2026-11-01T00:00:02Z"}`+"\r\n")
	writeFile(t, filepath.Join(dir, ".hidden"), "junk")
	bad := &badRecords{}
	c, err := runSource(t, TableSpec{Name: "bid", Schema: bidSchema, BatchSize: 2, BadRecords: bad, Mem: newMem(t),
		Options: map[string]string{"connector": "filesystem", "path": dir, "format": "json"}})
	require.NoError(t, err)
	assert.Equal(t, []string{
		"1 | 1.5 | 2026-11-01 00:00:00.000",
		"2 | 2.5 | 2026-11-01 00:00:02.000",
		"3 | 3.5 | 2026-11-01 00:00:03.000",
	}, c.rows)
	assert.Equal(t, []int{2, 1}, c.batches)
	assert.True(t, c.ended)
	require.Len(t, bad.got, 1)
	assert.Equal(t, BadRecord{Table: "bid", Position: filepath.Join(dir, "a.json") + ":2",
		Reason: `field "auction": expected BIGINT, got "x"`, Raw: []byte(`{"auction":"x","price":2.5,"ts":"2026-11-01 00:00:02"}`)}, bad.got[0])
}

func TestFilesystemSourceFailAndErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "x.csv"), "1,foo,1.5,2026-11-01 00:00:00\n2,bar,oops,2026-11-01 00:00:00\n3,baz,1,2026-11-01 00:00:00\n")
	bad := &badRecords{fail: true}
	spec := TableSpec{Name: "bid", Schema: bidSchema, Columns: []string{"auction", "name", "price", "ts"}, BatchSize: 100,
		BadRecords: bad, Mem: newMem(t),
		Options: map[string]string{"connector": "file", "path": filepath.Join(dir, "*.csv"), "format": "csv"}}
	_, err := runSource(t, spec)
	assert.EqualError(t, err, filepath.Join(dir, "x.csv")+`:2: field "price": expected DOUBLE, got "oops"`)

	spec.Options["path"] = "x.json"
	_, err = runSource(t, spec)
	assert.EqualError(t, err, `filesystem source 'bid': no file matches path 'x.json'`)

	spec.Options["path"], spec.Options["format"] = dir, "avro"
	_, err = runSource(t, spec)
	assert.EqualError(t, err, `table 'bid': unknown format 'avro'; known formats: csv, json`)

	f, _ := Lookup("filesystem")
	assert.ErrorContains(t, f.CheckOptions(map[string]string{"connector": "filesystem", "path": "x", "format": "json", "paht": "y"}),
		"unknown option 'paht' for connector 'filesystem'; known options: ")
}

func TestFilesystemSourceLongLines(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	long := bytes.Repeat([]byte("x"), readChunk+10)
	for i := 0; i < 3; i++ {
		buf.WriteString(`{"auction":1,"pad":"`)
		buf.Write(long)
		buf.WriteString("\"}\n")
	}
	writeFile(t, filepath.Join(dir, "long.json"), buf.String())
	c, err := runSource(t, TableSpec{Name: "bid", Schema: bidSchema, BatchSize: 10, BadRecords: &badRecords{}, Mem: newMem(t),
		Options: map[string]string{"connector": "filesystem", "path": filepath.Join(dir, "long.json"), "format": "json"}})
	require.NoError(t, err)
	assert.Len(t, c.rows, 3)
}

func TestFilesystemSink(t *testing.T) {
	mem := newMem(t)
	for _, tc := range []struct{ format, path, want string }{
		{"json", "out/", `{"auction":1,"price":1.5,"ts":"2026-11-01 00:00:00.000"}` + "\n" + `{"op":"-D","auction":null,"price":2,"ts":null}` + "\n"},
		{"csv", "out.csv", "1,1.5,2026-11-01 00:00:00.000\n-D,,2,\n"},
	} {
		dir := t.TempDir()
		f, err := Lookup("filesystem")
		require.NoError(t, err)
		sink, err := f.NewSink(TableSpec{Name: "out", Schema: bidSchema, Mem: mem,
			Options: map[string]string{"connector": "filesystem", "path": dir + "/" + tc.path, "format": tc.format}})
		require.NoError(t, err)
		b := bidBatch(t, mem)
		first, second := b.NewSlice(0, 1), b.NewSlice(1, 2)
		require.NoError(t, sink.Write(first))
		require.NoError(t, sink.(ChangelogSink).WriteChangelog(second, []RowKind{Delete}))
		first.Release()
		second.Release()
		b.Release()
		require.NoError(t, sink.Close())
		require.NoError(t, sink.Close())
		path := filepath.Join(dir, tc.path)
		if tc.format == "json" {
			path = filepath.Join(dir, "out", "part-0.json")
		}
		got, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, tc.want, string(got))
	}
}

func bidBatch(t *testing.T, mem memory.Allocator) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, bidSchema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 0}, []bool{true, false})
	b.Field(1).(*array.Float64Builder).AppendValues([]float64{1.5, 2}, nil)
	b.Field(2).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1793491200000, 0}, []bool{true, false})
	return b.NewRecordBatch()
}
