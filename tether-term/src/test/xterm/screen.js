// xterm.js as an oracle for tether-term's DifferentialTest: writes a byte stream to a headless
// xterm.js terminal and prints what it shows, in a line format XtermJsOracle reads.
//
//   node screen.js STREAM_FILE COLS ROWS
//
// The stream is written as bytes (xterm.js decodes the UTF-8 itself), with Unicode 11 widths (the
// unicode11 addon, as VS Code and most xterm.js front ends run it: emoji are wide), and read back once
// the write callback says xterm.js has parsed all of it. Output, one record a line, fields separated
// by one space, text fields percent-encoded (encodeURIComponent, and "-" as %2D; "" is written as "-"):
//
//   cursor ROW COL            0-based; COL == COLS when a wrap is pending (xterm.js keeps x == cols)
//   alternate 0|1             the active buffer is the alternate one
//   mode NAME VALUE           terminal.modes, plus mouseEncoding, cursorHidden, scrollTop, scrollBottom
//                             read from xterm.js's internals (_core), which the public API does not show
//   title TEXT                the last onTitleChange
//   history N                 lines of scrollback of the normal buffer
//   line TEXT                 N lines of history, then ROWS lines of the active screen, trailing blanks
//                             trimmed, written spaces too (as tmux's capture-pane and Emulator.text do)
//   cell ROW COL WIDTH TEXT FG BG FLAGS
//                             every cell; WIDTH 0 is the right half of a wide character; FG and BG are
//                             d (default), p:N (palette 0-255) or r:RRGGBB; FLAGS letters of
//                             b bold, f faint, i italic, u underline, w double underline, k blink,
//                             r inverse, h invisible, s strikethrough, o overline, or "-"
//   end
'use strict';
const fs = require('fs');
const { Terminal } = require('@xterm/headless');
const { Unicode11Addon } = require('@xterm/addon-unicode11');

const [file, colsArg, rowsArg] = process.argv.slice(2);
if (!file || !colsArg || !rowsArg) {
  process.stderr.write('usage: node screen.js STREAM_FILE COLS ROWS\n');
  process.exit(2);
}
const cols = Number(colsArg);
const rows = Number(rowsArg);
const term = new Terminal({ cols, rows, scrollback: 1000000, allowProposedApi: true });
term.loadAddon(new Unicode11Addon());
term.unicode.activeVersion = '11';
let title = '';
term.onTitleChange(t => { title = t; });

const enc = s => (s === '' ? '-' : encodeURIComponent(s).replace(/-/g, '%2D'));
const colour = (isDefault, isPalette, value) =>
  isDefault ? 'd' : isPalette ? 'p:' + value : 'r:' + value.toString(16).padStart(6, '0');

term.write(fs.readFileSync(file), () => {
  const out = [];
  const core = term._core;
  const buffer = term.buffer.active;
  out.push(`cursor ${core.buffer.y} ${core.buffer.x}`);
  out.push(`alternate ${buffer.type === 'alternate' ? 1 : 0}`);
  for (const [name, value] of Object.entries(term.modes)) {
    out.push(`mode ${name} ${value}`);
  }
  out.push(`mode mouseEncoding ${core.coreMouseService.activeEncoding}`);
  out.push(`mode cursorHidden ${core.coreService.isCursorHidden}`);
  out.push(`mode scrollTop ${core.buffer.scrollTop}`);
  out.push(`mode scrollBottom ${core.buffer.scrollBottom}`);
  out.push(`title ${enc(title)}`);
  const normal = term.buffer.normal;
  out.push(`history ${normal.baseY}`);
  for (let y = 0; y < normal.baseY; y++) {
    out.push(`line ${enc(normal.getLine(y).translateToString(true).replace(/ +$/, ''))}`);
  }
  for (let y = 0; y < rows; y++) {
    out.push(`line ${enc(buffer.getLine(buffer.baseY + y).translateToString(true).replace(/ +$/, ''))}`);
  }
  const cell = buffer.getNullCell();
  for (let y = 0; y < rows; y++) {
    const line = buffer.getLine(buffer.baseY + y);
    for (let x = 0; x < cols; x++) {
      line.getCell(x, cell);
      const width = cell.getWidth();
      const chars = width === 0 ? '' : cell.getChars() || ' ';
      let flags = '';
      if (cell.isBold()) flags += 'b';
      if (cell.isDim()) flags += 'f';
      if (cell.isItalic()) flags += 'i';
      // getUnderlineStyle is the internal CellData's (1 single, 2 double, 3 curly, 4 dotted, 5 dashed)
      if (cell.isUnderline()) flags += cell.getUnderlineStyle() === 2 ? 'w' : 'u';
      if (cell.isBlink()) flags += 'k';
      if (cell.isInverse()) flags += 'r';
      if (cell.isInvisible()) flags += 'h';
      if (cell.isStrikethrough()) flags += 's';
      if (cell.isOverline()) flags += 'o';
      out.push(`cell ${y} ${x} ${width} ${enc(chars)} `
        + `${colour(cell.isFgDefault(), cell.isFgPalette(), cell.getFgColor())} `
        + `${colour(cell.isBgDefault(), cell.isBgPalette(), cell.getBgColor())} ${flags || '-'}`);
    }
  }
  out.push('end');
  process.stdout.write(out.join('\n') + '\n');
});
