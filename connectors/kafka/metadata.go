package kafka

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/eddysql/eddy/connectors"
)

// metadataDocs are the METADATA keys a Kafka source fills (Flink's names).
var metadataDocs = map[string]string{
	"topic":     "STRING: the record's topic",
	"partition": "INT: the record's partition",
	"offset":    "BIGINT: the record's offset in its partition",
	"timestamp": "TIMESTAMP_LTZ(3): the record's timestamp",
	"key":       "BYTES or STRING: the record's key",
	"headers":   "MAP<STRING, BYTES> or MAP<STRING, STRING>: the record's headers",
}

// metadataColumn builds one METADATA column of a partition's batch.
type metadataColumn struct {
	col int // column in the table's source schema
	key string
	b   array.Builder
}

// valueSpec splits a source's spec into the spec of the value format (the non-METADATA
// columns) and the METADATA columns.
func splitMetadata(spec connectors.TableSpec) (connectors.TableSpec, []int, error) {
	if len(spec.Metadata) == 0 {
		return spec, nil, nil
	}
	var fields []arrow.Field
	var meta []int
	for i, f := range spec.Schema.Fields() {
		key, ok := spec.Metadata[i]
		if !ok {
			fields = append(fields, f)
			continue
		}
		if _, known := metadataDocs[key]; !known {
			return spec, nil, fmt.Errorf("table '%s': unknown METADATA key '%s'", spec.Name, key)
		}
		meta = append(meta, i)
	}
	v := spec
	v.Schema = arrow.NewSchema(fields, nil)
	return v, meta, nil
}

func newMetadataColumns(spec connectors.TableSpec, cols []int, mem memory.Allocator) ([]*metadataColumn, error) {
	var out []*metadataColumn
	for _, c := range cols {
		f := spec.Schema.Field(c)
		key := spec.Metadata[c]
		ok := false
		switch key {
		case "topic", "key":
			ok = isText(f.Type)
		case "partition", "offset":
			ok = f.Type.ID() == arrow.INT32 || f.Type.ID() == arrow.INT64
		case "timestamp":
			ok = f.Type.ID() == arrow.TIMESTAMP
		case "headers":
			m, isMap := f.Type.(*arrow.MapType)
			ok = isMap && isText(m.KeyType()) && isText(m.ItemType())
		}
		if !ok {
			return nil, fmt.Errorf("table '%s': METADATA column %s ('%s') must be %s", spec.Name, f.Name, key, metadataDocs[key])
		}
		out = append(out, &metadataColumn{col: c, key: key, b: array.NewBuilder(mem, f.Type)})
	}
	return out, nil
}

// append adds rec's value of the column.
func (m *metadataColumn) append(rec *kgo.Record) {
	switch m.key {
	case "topic":
		appendText(m.b, []byte(rec.Topic))
	case "key":
		if rec.Key == nil {
			m.b.AppendNull()
		} else {
			appendText(m.b, rec.Key)
		}
	case "partition":
		appendInt(m.b, int64(rec.Partition))
	case "offset":
		appendInt(m.b, rec.Offset)
	case "timestamp":
		m.b.(*array.TimestampBuilder).Append(arrow.Timestamp(rec.Timestamp.UnixMilli()))
	case "headers":
		mb := m.b.(*array.MapBuilder)
		mb.Append(true)
		for _, h := range rec.Headers {
			appendText(mb.KeyBuilder(), []byte(h.Key))
			appendText(mb.ItemBuilder(), h.Value)
		}
	}
}

func appendText(b array.Builder, v []byte) {
	switch x := b.(type) {
	case *array.StringBuilder:
		x.Append(string(v))
	case *array.BinaryBuilder:
		x.Append(v)
	case *array.LargeStringBuilder:
		x.Append(string(v))
	}
}

func appendInt(b array.Builder, v int64) {
	switch x := b.(type) {
	case *array.Int32Builder:
		x.Append(int32(v))
	case *array.Int64Builder:
		x.Append(v)
	}
}

// assemble puts the decoded value columns and the METADATA columns together in the table's
// source schema order.
func assemble(schema *arrow.Schema, value arrow.RecordBatch, meta []*metadataColumn) arrow.RecordBatch {
	cols := make([]arrow.Array, schema.NumFields())
	isMeta := map[int]*metadataColumn{}
	for _, m := range meta {
		isMeta[m.col] = m
	}
	v := 0
	for i := range cols {
		if m, ok := isMeta[i]; ok {
			cols[i] = m.b.NewArray()
			continue
		}
		cols[i] = value.Column(v)
		cols[i].Retain()
		v++
	}
	rec := array.NewRecordBatch(schema, cols, value.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return rec
}
