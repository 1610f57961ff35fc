/**
 * A pure-Java terminal emulator, xterm-compatible: the screen model of each session (its grid,
 * modes and scrollback bounded in bytes), rendered as text, ANSI or a snapshot that redraws it
 * exactly. The JDK only.
 */
module dev.tether.term {
    exports dev.tether.term;
}
