//go:build linux

package repl

import "golang.org/x/sys/unix"

// quietInput stops the terminal on fd from echoing keys while a live view draws, so that
// typing does not break its frame; Ctrl-C still interrupts. The returned func discards
// what was typed meanwhile and restores the terminal.
func quietInput(fd int) func() {
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return func() {}
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO | unix.ECHONL
	quiet.Lflag |= unix.ISIG
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
		return func() {}
	}
	return func() {
		unix.IoctlSetInt(fd, unix.TCFLSH, unix.TCIFLUSH)
		unix.IoctlSetTermios(fd, unix.TCSETS, old)
	}
}
