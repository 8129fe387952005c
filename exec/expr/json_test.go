package expr

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestJSONValue(t *testing.T) {
	doc := `{"a":{"b":[10, {"c":"x\"y"}], "n": 1.5, "t": true, "z": null}, "odd key": 7}`
	for path, want := range map[string]any{
		"$.a.b[0]":      "10",
		"$.a.b[1].c":    `x"y`,
		"$.a.n":         "1.5",
		"$.a.t":         "true",
		"$.a.z":         nil,
		"$.a.b":         nil, // not a scalar
		"$.a.missing":   nil,
		"$.a.b[5]":      nil,
		"$['odd key']":  "7",
		`$."odd key"`:   "7",
		"lax $.a['n']":  "1.5",
		"$.a.b[1]['c']": `x"y`,
	} {
		require.Equal(t, want, scalar(t, "json_value", doc, path), path)
	}
	require.Nil(t, scalar(t, "json_value", "{not json", "$.a"))
	require.Nil(t, scalar(t, "json_value", nil, "$.a"))
	_, err := NewCall("json_value", col(0, String), lit("a.b"))
	require.Error(t, err)

	typed := mustCall(t, "__json_value", col(0, String), lit("$.v"), lit("BIGINT"))
	require.Equal(t, BigInt, typed.Type())
	require.Equal(t, []any{int64(42), nil, nil}, overColumn(t, String, []any{`{"v":42}`, `{"v":"x"}`, nil}, "json_value", "$.v", "BIGINT"))
	require.Equal(t, []any{1.5, nil}, overColumn(t, String, []any{`{"v":1.5}`, `{}`}, "json_value", "$.v", "DOUBLE"))
	require.Equal(t, []any{"1.50"}, overColumn(t, String, []any{`{"v":1.5}`}, "json_value", "$.v", "DECIMAL(10, 2)"))
	require.Equal(t, []any{true}, overColumn(t, String, []any{`{"v":true}`}, "json_value", "$.v", "BOOLEAN"))
	require.Equal(t, []any{"2026-11-01 00:00:10.000"}, overColumn(t, String, []any{`{"v":"2026-11-01T00:00:10Z"}`}, "json_value", "$.v", "TIMESTAMP(3)"))
	_, err = NewCall("json_value", col(0, String), lit("$.v"), lit("WIDGET"))
	require.Error(t, err)
}

func TestJSONExistsQuery(t *testing.T) {
	require.Equal(t, []any{true, false, false, nil}, overColumn(t, String, []any{`{"a":{"b":null}}`, `{"a":1}`, `nope`, nil}, "json_exists", "$.a.b"))
	require.Equal(t, `[1,2]`, scalar(t, "json_query", `{"a":[1, 2]}`, "$.a"))
	require.Nil(t, scalar(t, "json_query", `{"a":1}`, "$.a"))
}
