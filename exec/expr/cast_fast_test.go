package expr

import (
	"math"
	"math/rand"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The fast DOUBLE -> DECIMAL path must agree with the exact big-number one.
func TestSmallDecimalAgreesWithExact(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	cases := []float64{0, math.Copysign(0, -1), 0.5, -0.5, 1.005, 2.675, 123.456, -999.9995, 1e-7, 12345678.9, 0.1 + 0.2}
	for i := 0; i < 2000; i++ {
		cases = append(cases, (rng.Float64()-0.5)*float64(int64(1)<<uint(rng.Intn(40))))
	}
	for _, f := range cases {
		for _, sc := range []int32{0, 1, 2, 3, 6} {
			want, wantOK := parseDecimal(strconv.FormatFloat(f, 'g', -1, 64), 38, sc)
			got, ok := floatToDec(f, 38, sc)
			assert.Equal(t, wantOK, ok, "%v scale %d", f, sc)
			assert.Equal(t, want, got, "%v scale %d", f, sc)
		}
	}
}
