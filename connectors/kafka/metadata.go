package kafka

import (
	"fmt"
	"strings"

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

// layout says where each column of a source's schema comes from: the record value (decoded
// by the table's format), the record key ('key.fields' with 'value.fields-include' =
// 'EXCEPT_KEY', decoded by 'key.format') or the record's METADATA.
type layout struct {
	value     connectors.TableSpec // the value format's columns
	valueCols []int
	key       *connectors.TableSpec // nil when no column comes from the key
	keyCols   []int
	meta      []int
}

// newLayout splits a source's spec by where its columns come from.
func newLayout(spec connectors.TableSpec) (*layout, error) {
	l := &layout{}
	keyFields := map[string]bool{}
	if strings.EqualFold(strings.TrimSpace(spec.Options["value.fields-include"]), "EXCEPT_KEY") {
		for _, k := range strings.Split(spec.Options["key.fields"], ";") {
			if k = strings.TrimSpace(k); k != "" {
				keyFields[strings.ToLower(k)] = true
			}
		}
		if len(keyFields) == 0 {
			return nil, fmt.Errorf("table '%s': 'value.fields-include' = 'EXCEPT_KEY' needs 'key.fields'", spec.Name)
		}
	}
	var valueFields, keyFieldList []arrow.Field
	for i, f := range spec.Schema.Fields() {
		if key, ok := spec.Metadata[i]; ok {
			if _, known := metadataDocs[key]; !known {
				return nil, fmt.Errorf("table '%s': unknown METADATA key '%s'", spec.Name, key)
			}
			l.meta = append(l.meta, i)
			continue
		}
		if keyFields[strings.ToLower(f.Name)] {
			l.keyCols = append(l.keyCols, i)
			keyFieldList = append(keyFieldList, f)
			continue
		}
		l.valueCols = append(l.valueCols, i)
		valueFields = append(valueFields, f)
	}
	l.value = spec
	l.value.Schema = arrow.NewSchema(valueFields, nil)
	var valueNames []string
	for _, c := range spec.Columns {
		if !keyFields[strings.ToLower(c)] {
			valueNames = append(valueNames, c)
		}
	}
	l.value.Columns = valueNames
	if len(keyFieldList) > 0 {
		k := spec
		k.Schema = arrow.NewSchema(keyFieldList, nil)
		k.Columns = nil
		for _, f := range strings.Split(spec.Options["key.fields"], ";") {
			k.Columns = append(k.Columns, strings.TrimSpace(f))
		}
		o := map[string]string{}
		for key, v := range spec.Options {
			o[key] = v
		}
		if kf := spec.Options["key.format"]; kf != "" {
			o["format"] = kf
		}
		k.Options = o
		l.key = &k
	}
	return l, nil
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

// assemble puts the decoded value and key columns and the METADATA columns together in the
// table's source schema order.
func (l *layout) assemble(schema *arrow.Schema, value, key arrow.RecordBatch, meta []*metadataColumn) arrow.RecordBatch {
	cols := make([]arrow.Array, schema.NumFields())
	for k, c := range l.valueCols {
		cols[c] = value.Column(k)
		cols[c].Retain()
	}
	for k, c := range l.keyCols {
		cols[c] = key.Column(k)
		cols[c].Retain()
	}
	for _, m := range meta {
		cols[m.col] = m.b.NewArray()
	}
	rec := array.NewRecordBatch(schema, cols, value.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return rec
}
