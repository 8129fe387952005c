package repl

import "github.com/chzyer/readline"

// termSize is the terminal's width and height on fd, or 80x24 when it cannot be read.
func termSize(fd int) (width, height int) {
	w, h, err := readline.GetSize(fd)
	if err != nil || w <= 0 || h <= 0 {
		return 80, 24
	}
	return w, h
}
