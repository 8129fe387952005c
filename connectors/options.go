package connectors

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// boolOption reads an option that is 'true' or 'false' (any case).
func boolOption(opts map[string]string, key string, def bool) (bool, error) {
	v, ok := opts[key]
	if !ok {
		return def, nil
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("option '%s' must be 'true' or 'false', got '%s'", key, v)
}

func intOption(opts map[string]string, key string, def int64) (int64, error) {
	v, ok := opts[key]
	if !ok {
		return def, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("option '%s' must be an integer, got '%s'", key, v)
	}
	return n, nil
}

// charOption reads a single-character option; `\t` is accepted for a tab.
func charOption(opts map[string]string, key string, def byte) (byte, error) {
	v, ok := opts[key]
	if !ok {
		return def, nil
	}
	if v == `\t` {
		return '\t', nil
	}
	if len(v) != 1 {
		return 0, fmt.Errorf("option '%s' must be a single character, got '%s'", key, v)
	}
	return v[0], nil
}

// ParseDuration reads a duration as Flink's configuration writes them: a number and an
// optional unit ('500 ms', '30 s', '1 min', '1 h', '1 d'; no unit is milliseconds), or Go's
// syntax ('1m30s').
func ParseDuration(v string) (time.Duration, error) {
	s := strings.ToLower(strings.TrimSpace(v))
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	num, err := strconv.ParseFloat(s[:i], 64)
	if err != nil {
		return 0, fmt.Errorf("invalid duration '%s': write a number and a unit, e.g. '30 s' or '1 h'", v)
	}
	units := map[string]time.Duration{
		"": time.Millisecond, "ms": time.Millisecond, "milli": time.Millisecond, "millis": time.Millisecond,
		"millisecond": time.Millisecond, "milliseconds": time.Millisecond,
		"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
		"min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute, "m": time.Minute,
		"h": time.Hour, "hour": time.Hour, "hours": time.Hour,
		"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	}
	u, ok := units[strings.TrimSpace(s[i:])]
	if !ok {
		return 0, fmt.Errorf("invalid duration '%s': units are ms, s, min, h, d", v)
	}
	return time.Duration(num * float64(u)), nil
}
