package expr

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSubstring(t *testing.T) {
	for _, c := range []struct {
		s        any
		pos, len any
		want     any
	}{
		{"hello", 2, 3, "ell"}, {"hello", 1, nil, nil}, {"hello", 0, 2, "he"}, {"hello", -3, 2, "ll"},
		{"hello", 10, 2, ""}, {"hello", 4, 100, "lo"}, {"hello", 2, -1, ""}, {nil, 1, 1, nil}, {"héllo", 2, 3, "éll"},
		{"hello", -10, 2, "he"},
	} {
		require.Equal(t, c.want, scalar(t, "substring", c.s, c.pos, c.len), "%v", c)
	}
	require.Equal(t, "llo", scalar(t, "substr", "hello", 3))
	require.Equal(t, []any{"ell", nil, "", "éll"}, overColumn(t, String, []any{"hello", nil, "", "héllo"}, "substring", 2, 3))
}

func TestLike(t *testing.T) {
	vals := []any{"apple", "application", "pineapple", "ap", "a_c", "abc", "100%", nil}
	require.Equal(t, []any{true, true, false, true, false, false, false, nil}, overColumn(t, String, vals, "like", "ap%"))
	require.Equal(t, []any{true, false, true, false, false, false, false, nil}, overColumn(t, String, vals, "like", "%apple"))
	require.Equal(t, []any{true, true, true, false, false, false, false, nil}, overColumn(t, String, vals, "like", "%ppl%"))
	require.Equal(t, []any{false, false, false, false, true, true, false, nil}, overColumn(t, String, vals, "like", "a_c"))
	require.Equal(t, []any{false, false, false, false, true, false, false, nil}, overColumn(t, String, vals, "like", `a\_c`))
	require.Equal(t, []any{false, false, false, false, true, false, false, nil}, overColumn(t, String, vals, "like", "a!_c", "!"))
	require.Equal(t, []any{false, false, false, false, false, false, true, nil}, overColumn(t, String, vals, "like", `%\%`))
	require.Equal(t, []any{true, false, false, false, false, false, false, nil}, overColumn(t, String, vals, "like", "apple"))
	require.Equal(t, []any{true, true, true, true, true, true, true, nil}, overColumn(t, String, vals, "like", "%"))
	require.Equal(t, []any{false, false, true, true, true, true, true, nil}, overColumn(t, String, vals, "not_like", "ap%l%"))
	require.Equal(t, true, scalar(t, "like", "a\nb", "a_b"))
	_, err := NewCall("like", col(0, String), lit("a"), lit("ab"))
	require.Error(t, err)
	// a pattern from a column
	mem := checkedMem(t)
	b := batchOf(build(mem, String, "abc", "abc", nil), build(mem, String, "a%", "b%", "a%"))
	defer b.Release()
	require.Equal(t, []any{true, false, nil}, evalRows(t, mem, mustCall(t, "like", col(0, String), col(1, String)), b))
}

func TestStringFunctions(t *testing.T) {
	require.Equal(t, "HELLO", scalar(t, "upper", "hello"))
	require.Equal(t, "héllo", scalar(t, "lower", "HÉLLO"))
	require.Nil(t, scalar(t, "upper", nil))
	require.Equal(t, "Hello World-Wide", scalar(t, "initcap", "hELLO wORLD-wide"))
	require.Equal(t, int64(5), scalar(t, "char_length", "héllo"))
	require.Equal(t, int64(0), scalar(t, "length", ""))
	require.Equal(t, "ab1", scalar(t, "concat", "a", "b", 1))
	require.Nil(t, scalar(t, "concat", "a", nil))
	require.Equal(t, "ab", scalar(t, "||", "a", "b"))
	require.Equal(t, "a-c", scalar(t, "concat_ws", "-", "a", nil, "c"))
	require.Nil(t, scalar(t, "concat_ws", nil, "a"))
	require.Equal(t, "x", scalar(t, "trim", "  x  "))
	require.Equal(t, "x  ", scalar(t, "ltrim", "  x  "))
	require.Equal(t, "  x", scalar(t, "rtrim", "  x  "))
	require.Equal(t, "a", scalar(t, "trim", "xxaxx", "x", "both"))
	require.Equal(t, "a", scalar(t, "trim", "xxaxx", "x"))
	require.Equal(t, "axx", scalar(t, "trim", "xxaxx", "x", "LEADING"))
	require.Equal(t, "xxa", scalar(t, "trim", "xxaxx", "x", "TRAILING"))
	require.Equal(t, "b-b-", scalar(t, "replace", "a-a-", "a", "b"))
	require.Equal(t, "123", scalar(t, "regexp_extract", "abc123def", `[0-9]+`))
	require.Equal(t, "def", scalar(t, "regexp_extract", "abc123def", `([a-z]+)([0-9]+)([a-z]+)`, 3))
	require.Nil(t, scalar(t, "regexp_extract", "abc", `[0-9]+`))
	require.Nil(t, scalar(t, "regexp_extract", "abc", `(b)`, 5))
	require.Equal(t, "2026/11/01", scalar(t, "regexp_replace", "2026-11-01", `(\d+)-(\d+)-(\d+)`, "$1/$2/$3"))
	require.Equal(t, "a$b", scalar(t, "regexp_replace", "axb", "x", `\$`))
	require.Equal(t, true, scalar(t, "regexp", "abc123", `\d`))
	_, err := NewCall("regexp_extract", col(0, String), lit("(unclosed"))
	require.Error(t, err)
	require.Equal(t, int64(3), scalar(t, "position", "l", "hello"))
	require.Equal(t, int64(0), scalar(t, "position", "z", "hello"))
	require.Equal(t, int64(4), scalar(t, "locate", "l", "hello", 4))
	require.Equal(t, "00042", scalar(t, "lpad", "42", 5, "0"))
	require.Equal(t, "42ab", scalar(t, "rpad", "42", 4, "ab"))
	require.Equal(t, "he", scalar(t, "lpad", "hello", 2, "x"))
	require.Equal(t, "b", scalar(t, "split_index", "a,b,c", ",", 1))
	require.Nil(t, scalar(t, "split_index", "a,b,c", ",", 3))
	require.Equal(t, "ababab", scalar(t, "repeat", "ab", 3))
	require.Equal(t, "olléh", scalar(t, "reverse", "héllo"))
	require.Equal(t, int64(99162322), scalar(t, "hash_code", "hello"))
	require.Equal(t, "5d41402abc4b2a76b9719d911017c592", scalar(t, "md5", "hello"))
	_, err = NewCall("upper", lit(1))
	require.EqualError(t, err, "UPPER: argument 1 must be STRING, got BIGINT")
}
