/** Benchmarks of Tether against tmux, dtach and the raw PTY (issue 4). */
package dev.tether.bench;
