package planner

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddysql/eddy/exec/expr"
)

func TestParseNestedTypes(t *testing.T) {
	for in, want := range map[string]arrow.DataType{
		"ARRAY<STRING>":                   arrow.ListOf(arrow.BinaryTypes.String),
		"array<bigint>":                   arrow.ListOf(arrow.PrimitiveTypes.Int64),
		"ARRAY<INT NOT NULL>":             arrow.ListOf(arrow.PrimitiveTypes.Int32),
		"MAP<STRING,BIGINT>":              arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64),
		"MAP<STRING, DECIMAL(10,2)>":      arrow.MapOf(arrow.BinaryTypes.String, &arrow.Decimal128Type{Precision: 10, Scale: 2}),
		"ROW<a INT,b STRING>":             arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int32, Nullable: true}, arrow.Field{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true}),
		"ROW(Name STRING)":                arrow.StructOf(arrow.Field{Name: "Name", Type: arrow.BinaryTypes.String, Nullable: true}),
		"ROW<`my field` INT, `a``b` INT>": arrow.StructOf(arrow.Field{Name: "my field", Type: arrow.PrimitiveTypes.Int32, Nullable: true}, arrow.Field{Name: "a`b", Type: arrow.PrimitiveTypes.Int32, Nullable: true}),
		"ARRAY<ROW<x DOUBLE,y DOUBLE>>": arrow.ListOf(arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
			arrow.Field{Name: "y", Type: arrow.PrimitiveTypes.Float64, Nullable: true})),
		"MAP<STRING,ARRAY<MAP<INT,ROW<`p,q` TIMESTAMP(3)>>>>": arrow.MapOf(arrow.BinaryTypes.String, arrow.ListOf(arrow.MapOf(arrow.PrimitiveTypes.Int32,
			arrow.StructOf(arrow.Field{Name: "p,q", Type: TimestampType, Nullable: true})))),
	} {
		got, err := ParseType(in)
		require.NoError(t, err, in)
		assert.True(t, arrow.TypeEqual(want, got), "%s: got %s", in, got)
	}
	assert.Equal(t, "ROW<`a` INT, `b` ARRAY<STRING>>", expr.TypeName(mustType(t, "ROW<a INT,b ARRAY<STRING>>")))
	assert.Equal(t, "MAP<STRING, BIGINT>", expr.TypeName(mustType(t, "MAP<STRING,BIGINT>")))

	for in, msg := range map[string]string{
		"ARRAY<STRING,INT>":    "ARRAY takes one element type",
		"MAP<STRING>":          "MAP takes a key and a value type",
		"ROW<a INT,A INT>":     "declared twice",
		"ROW<a>":               "needs a name and a type",
		"ROW<>":                "at least one field",
		"ARRAY<FOO>":           "unknown type FOO",
		"ARRAY<ROW<a INT>":     "unbalanced",
		"MULTISET<INT>":        "not supported yet",
		"ARRAY<MULTISET<INT>>": "not supported yet",
	} {
		_, err := ParseType(in)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), msg, in)
	}
}

func mustType(t *testing.T, s string) arrow.DataType {
	t.Helper()
	typ, err := ParseType(s)
	require.NoError(t, err)
	return typ
}
