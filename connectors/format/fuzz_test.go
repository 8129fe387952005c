package format

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
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
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, rec []byte) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		for _, opts := range []JSONOptions{{}, {IgnoreParseErrors: true}} {
			d, err := NewJSONDecoder(allTypes, mem, opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Append([]byte(`{"i64":1,"s":"first"}`)); err != nil {
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
			if int(b.NumRows()) != want {
				t.Fatalf("batch has %d rows, want %d", b.NumRows(), want)
			}
			for _, col := range b.Columns() {
				if col.Len() != want {
					t.Fatalf("column %s has %d values, want %d", col.DataType(), col.Len(), want)
				}
				if v, ok := col.(interface{ ValidateFull() error }); ok {
					if err := v.ValidateFull(); err != nil {
						t.Fatal(err)
					}
				}
			}
			if TextValue(b.Column(7), 0) != "first" || TextValue(b.Column(3), 0) != "1" {
				t.Fatalf("first row changed: %s", rowsText(b)[0])
			}
			_ = rowsText(b)
			b.Release()
			d.Release()
		}
	})
}

var _ = arrow.PrimitiveTypes
