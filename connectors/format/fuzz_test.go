package format

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func FuzzJSONDecoder(f *testing.F) {
	for _, seed := range []string{
		`{"i8":-128,"i16":32767,"i32":12.0,"i64":9223372036854775807,"f32":1.5,"f64":9012.5,"b":true,"s":"a\"b\u00e9\n","d":12.5,"ts":"2026-11-01 00:00:10.123","ltz":"2026-11-01T00:00:10.000Z","dt":"2026-11-01"}`,
		`{"I64":"-42","F64":"1e3","B":"FALSE","S":123.50,"D":"-0.055","TS":1793491210123,"LTZ":"2026-11-01T02:00:10+02:00","DT":20393}`,
		`{"s":{"a":[1, 2]},"ts":"2026-11-01T00:00:10","f64":-1.25e-3}`,
		`{"auction":1234,"bidder":5678,"price":9012.5,"ts":"2026-11-01 00:00:10.123"}`,
		`{"s":"\ud83d\ude00 \ud800 x","d":"99999999.995","f64":1e400,"i64":-0}`,
		`{"auction":1,"name":"half`, `{"a":[1,2}`, `[1]`, `{"i64":01}`, `{"s":"bad \x"}`, "{\"s\":\"\xff\"}",
		`{"ts":"2026-02-30 00:00:00"}`, `{"s":"x","s":"y"}`, `{} x`, ``, `{"d":1e-99999}`,
		// Nested columns (nestedTypes).
		nestedLines[0], nestedLines[1], nestedLines[2],
		`{"id":2,"tags":["a","b"],"pos":{"x":1,"y":2},"attrs":{"k":1},"pts":[{"x":1,"y":2},null,{"y":"3"}]}`,
		`{"id":3,"tags":["a"],"pts":[{"x":1},{"x":"bad"}],"attrs":{"k":2}}`,
		`{"id":4,"m2":{"1":[1,2],"x":[3]},"ev":{"ts":1793491210123,"amt":1.255,"tags":[1,2]}}`,
		`{"id":5,"pos":{"x":1,"x":2,"X":3},"pos":{"y":4},"tags":[],"tags":["z"]}`,
		`{"id":6,"ev":{"tags":[1,[2]]},"attrs":{"a":1,"a":2},"pts":[{"x":1},`,
		`{"id":7,"tags":{"a":1},"pos":[1],"attrs":"x","m2":{"1":{"a":1}}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, rec []byte) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		for _, opts := range []JSONOptions{{}, {IgnoreParseErrors: true}} {
			fuzzOne(t, mem, allTypes, opts, `{"i64":1,"s":"first"}`, rec, func(b arrow.RecordBatch) bool {
				return TextValue(b.Column(7), 0) == "first" && TextValue(b.Column(3), 0) == "1"
			})
			first := `{"id":1,"tags":["first"],"pos":{"x":1},"attrs":{"k":1},"pts":[{"y":2}],"m2":{"1":[1]},"ev":{"tags":[1]}}`
			want := []string{"1", `["first"]`, `{"x":1,"y":null}`, `{"k":1}`, `[{"x":null,"y":2}]`, `{"1":[1]}`, `{"ts":null,"amt":null,"tags":[1]}`}
			fuzzOne(t, mem, nestedTypes, opts, first, rec, func(b arrow.RecordBatch) bool {
				for c, w := range want {
					if TextValue(b.Column(c), 0) != w {
						return false
					}
				}
				return true
			})
		}
	})
}

// fuzzOne appends a good first record and rec, and checks that a failed rec leaves no
// trace: the batch has one row per successful Append, every column is valid Arrow, and
// the first row is intact.
func fuzzOne(t *testing.T, mem memory.Allocator, schema *arrow.Schema, opts JSONOptions, first string, rec []byte, firstOK func(arrow.RecordBatch) bool) {
	d, err := NewJSONDecoder(schema, mem, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Release()
	if err := d.Append([]byte(first)); err != nil {
		t.Fatal(err)
	}
	err = d.Append(rec)
	want := 1
	if err == nil {
		want = 2
	}
	if d.Len() != want {
		t.Fatalf("Len %d after Append error %v, want %d", d.Len(), err, want)
	}
	b := d.Flush()
	defer b.Release()
	if int(b.NumRows()) != want {
		t.Fatalf("batch has %d rows, want %d", b.NumRows(), want)
	}
	for _, col := range b.Columns() {
		if col.Len() != want {
			t.Fatalf("column %s has %d values, want %d", col.DataType(), col.Len(), want)
		}
		validateDeep(t, col)
	}
	if !firstOK(b) {
		t.Fatalf("first row changed: %s", rowsText(b)[0])
	}
	_ = rowsText(b)
}

// validateDeep runs ValidateFull on a and on every child array, and checks that struct
// fields have a value per row.
func validateDeep(t *testing.T, a arrow.Array) {
	t.Helper()
	if v, ok := a.(interface{ ValidateFull() error }); ok {
		if err := v.ValidateFull(); err != nil {
			t.Fatal(err)
		}
	}
	switch a := a.(type) {
	case array.ListLike:
		validateDeep(t, a.ListValues())
	case *array.Struct:
		for k := 0; k < a.NumField(); k++ {
			if a.Field(k).Len() != a.Len() {
				t.Fatalf("struct field %d has %d values, want %d", k, a.Field(k).Len(), a.Len())
			}
			validateDeep(t, a.Field(k))
		}
	}
}
