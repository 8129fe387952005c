package repl

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/exec"
)

func TestScreenRewritesOnlyChangedLines(t *testing.T) {
	var out bytes.Buffer
	s := screen{w: &out}
	require.NoError(t, s.draw(nil, []string{"+---+", "| a |", "| b |", "status 1"}))
	assert.Equal(t, "\r+---+\033[K\r\n\r| a |\033[K\r\n\r| b |\033[K\r\n\rstatus 1\033[K", out.String())

	out.Reset()
	require.NoError(t, s.draw(nil, []string{"+---+", "| a |", "| c |", "status 2"}))
	// Back to the first line, down over the unchanged ones, rewrite the rest.
	assert.Equal(t, "\r\033[3A\r\n\r\n\r| c |\033[K\r\n\rstatus 2\033[K", out.String())

	out.Reset()
	require.NoError(t, s.draw(nil, []string{"+---+", "status 3"}))
	assert.Equal(t, "\r\033[3A\r\n\rstatus 3\033[K\033[J", out.String(), "a shorter frame clears what was below")

	out.Reset()
	require.NoError(t, s.draw([]byte("row 1\r\n"), []string{"status 4"}))
	assert.Equal(t, "\r\033[1A\033[Jrow 1\r\n\rstatus 4\033[K", out.String(), "scrolled lines go above the frame")

	out.Reset()
	require.NoError(t, s.leave())
	assert.Equal(t, "\r\n", out.String())
	assert.Equal(t, 0, s.height())
}

func startedView(t *testing.T, mode ResultMode, batches ...[]kv) *liveView {
	mem := checkedMem(t)
	v := newLiveView(mode, io.Discard, true, func() (int, int) { return 120, 40 })
	st := &engine.Stats{}
	st.RecordsIn.Store(12345)
	st.Watermark.Store(exec.MaxWatermark)
	st.Late.Store(2)
	st.BadRecords.Store(1)
	v.Start(engine.LiveQuery{Schema: kvSchema, Updating: true, Stats: st})
	t.Cleanup(func() { v.Close() })
	for _, rows := range batches {
		b, kinds := kvBatch(mem, rows...)
		require.NoError(t, v.Write(b, kinds))
		b.Release()
	}
	return v
}

// frameOf lays out v's frame as its ticker would.
func frameOf(v *liveView, width, height int, final bool) []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.frame(width, height, final)
}

func TestTableFrame(t *testing.T) {
	v := startedView(t, ModeTable,
		[]kv{{exec.Insert, "a", 1}, {exec.Insert, "b", 1}, {exec.Insert, "c", 1}, {exec.Insert, "d", 1}},
		[]kv{{exec.UpdateBefore, "b", 1}, {exec.UpdateAfter, "b", 22}})
	frame := frameOf(v, 30, 10, false)
	// Columns fit the rows shown; b's update is in b's place; the rows that do not fit are
	// counted; every line is clipped to the width.
	assert.Equal(t, []string{
		"+---+----+",
		"| k | n  |",
		"+---+----+",
		"| a |  1 |",
		"| b | 22 |",
		"| c |  1 |",
		"+---+----+",
		"... 1 more rows",
	}, frame[:8])
	assert.Len(t, []rune(frame[8]), 29, "clipped to the width")
	status := frameOf(v, 200, 10, false)[8]
	assert.Regexp(t, `^table · 4 rows · 12,345 in \([\d,]+/s\) · watermark \+inf · late 2 · bad 1 · \d.*s · Ctrl-C to stop$`, status)
	assert.NotContains(t, strings.Join(frameOf(v, 120, 40, true), "\n"), "Ctrl-C", "the final frame")
}

func TestChangelogFrame(t *testing.T) {
	var rows []kv
	for i := 0; i < 600; i++ {
		rows = append(rows, kv{exec.UpdateBefore, "a", int64(i)}, kv{exec.UpdateAfter, "a", int64(i + 1)})
	}
	v := startedView(t, ModeChangelog, []kv{{exec.Insert, "a", 0}}, rows)
	frame := frameOf(v, 120, 10, false)
	assert.Equal(t, []string{
		"+----+---+-----+",
		"| op | k | n   |",
		"+----+---+-----+",
		"| +U | a | 599 |",
		"| -U | a | 599 |",
		"| +U | a | 600 |",
		"+----+---+-----+",
		"... 1,198 earlier changes",
	}, frame[:8])
	assert.Contains(t, frame[8], "changelog · 1,201 changes")
	assert.Len(t, frame, 9, "the frame leaves a line of the 10 free")
}

func TestViewClosedBeforeStart(t *testing.T) {
	for _, term := range []bool{false, true} {
		v := newLiveView(ModeTable, io.Discard, term, func() (int, int) { return 80, 24 })
		assert.NoError(t, v.Close())
		v.end("failed")
	}
}
