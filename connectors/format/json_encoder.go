package format

import "github.com/apache/arrow-go/v18/arrow"

// JSONEncoder writes rows as JSON objects, keys in schema order, values as semantics.md
// specifies: integers as JSON integers, DOUBLE as a JSON number (NaN and infinities as the
// strings "NaN", "Infinity", "-Infinity"), DECIMAL as a string with its scale ("12.50"),
// TIMESTAMP and TIMESTAMP_LTZ as "2026-11-01 00:00:10.000" (UTC), DATE as "2026-11-01",
// BOOLEAN as true/false, NULL as null, BYTES as base64, ARRAY as an array, ROW as an object
// (fields by name), MAP as an object (keys as strings).
type JSONEncoder struct {
	keys [][]byte // `"name":` per column, escaped once
}

// NewJSONEncoder makes an encoder for batches of schema.
func NewJSONEncoder(schema *arrow.Schema) *JSONEncoder {
	e := &JSONEncoder{}
	for _, f := range schema.Fields() {
		e.keys = append(e.keys, append(appendJSONString(nil, f.Name), ':'))
	}
	return e
}

// AppendRow appends row of b as one JSON object, without a newline.
func (e *JSONEncoder) AppendRow(dst []byte, b arrow.RecordBatch, row int) []byte {
	return e.appendRow(append(dst, '{'), b, row)
}

// AppendRowWithOp is AppendRow with a first key "op" holding the row kind ("+I", "-U",
// "+U", "-D"), for updating results.
func (e *JSONEncoder) AppendRowWithOp(dst []byte, op string, b arrow.RecordBatch, row int) []byte {
	dst = append(dst, `{"op":`...)
	dst = appendJSONString(dst, op)
	if len(e.keys) > 0 {
		dst = append(dst, ',')
	}
	return e.appendRow(dst, b, row)
}

func (e *JSONEncoder) appendRow(dst []byte, b arrow.RecordBatch, row int) []byte {
	for c, key := range e.keys {
		if c > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, key...)
		dst = appendJSONOrNull(dst, b.Column(c), row)
	}
	return append(dst, '}')
}
