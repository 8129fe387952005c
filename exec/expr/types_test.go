package expr

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/require"
)

func TestTypeName(t *testing.T) {
	for want, dt := range map[string]arrow.DataType{
		"BIGINT": BigInt, "INT": Int, "DOUBLE": Double, "STRING": String, "BOOLEAN": Bool, "DATE": Date,
		"TIMESTAMP(3)": Timestamp, "TIMESTAMP_LTZ(3)": TimestampLTZ, "DECIMAL(10, 2)": Decimal(10, 2),
		"INTERVAL DAY TO SECOND(3)": Interval, "NULL": Null, "FLOAT": arrow.PrimitiveTypes.Float32,
		"ARRAY<BIGINT>": arrow.ListOf(BigInt), "TINYINT": arrow.PrimitiveTypes.Int8, "SMALLINT": arrow.PrimitiveTypes.Int16,
	} {
		require.Equal(t, want, TypeName(dt))
	}
	for name, want := range map[string]arrow.DataType{
		"bigint": BigInt, "INTEGER": Int, "decimal(12, 3)": Decimal(12, 3), "VARCHAR(20)": String,
		"TIMESTAMP(3)": Timestamp, "timestamp_ltz(3)": TimestampLTZ, "DATETIME(3)": Timestamp,
	} {
		got, err := TypeFromName(name)
		require.NoError(t, err, name)
		require.True(t, arrow.TypeEqual(want, got), name)
	}
}

func TestFunctionsAndLookup(t *testing.T) {
	require.NotEmpty(t, Functions)
	seen := map[string]bool{}
	for i, f := range Functions {
		require.NotEmpty(t, f.Signature, f.Name)
		require.NotEmpty(t, f.Doc, f.Name)
		require.False(t, seen[f.Name])
		seen[f.Name] = true
		if i > 0 {
			require.Less(t, Functions[i-1].Name, f.Name)
		}
	}
	for _, name := range []string{"substr", "CEILING", "pow", "||", "now", "character_length", "year"} {
		_, ok := Lookup(name)
		require.True(t, ok, name)
	}
	_, ok := Lookup("frobnicate")
	require.False(t, ok)
	_, err := NewCall("uper", lit("x"))
	require.EqualError(t, err, "no such function: UPER; did you mean UPPER?")
	_, err = NewCall("substring", lit("x"))
	require.EqualError(t, err, "SUBSTRING takes 2 to 3 argument(s), got 1")
}

func TestEveryFunctionHandlesNulls(t *testing.T) {
	// Every function over all-NULL arguments of its accepted types must not panic.
	skip := map[string]bool{"cast": true, "try_cast": true}
	for _, f := range Functions {
		if skip[f.Name] {
			continue
		}
		for nargs := 0; nargs <= 3; nargs++ {
			args := make([]Expr, nargs)
			for i := range args {
				args[i] = lit(nil)
			}
			e, err := NewCall(f.Name, args...)
			if err != nil {
				continue
			}
			require.NotPanics(t, func() { evalConst(t, e) }, "%s/%d", f.Name, nargs)
		}
	}
}
