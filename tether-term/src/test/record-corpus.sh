#!/usr/bin/env bash
# Writes the corpus of DifferentialTest: byte streams that tmux (the oracle) and tether-term's
# Emulator must show the same, cell by cell, at 80x24. Where tmux departs from xterm, the behaviour
# goes in a stream of its own, which DifferentialTest compares with xterm.js instead (Divergences.java).
#
#   tether-term/src/test/record-corpus.sh handwritten   # rewrite the hand-written streams (deterministic)
#   tether-term/src/test/record-corpus.sh programs [NAME...]  # re-record the real programs (vim, less, top, bash)
#   tether-term/src/test/record-corpus.sh               # both
#
# The program streams are recorded ONCE and committed: each program runs in a detached tmux of 80x24
# (its own server, -f /dev/null, TERM=xterm-256color) driven with send-keys, and tmux's pipe-pane -o
# copies the pane's output, byte for byte as the program wrote it, to corpus/NAME.bin. Re-recording
# gives different bytes (top's numbers, ls -l's dates): re-record only on purpose, then run
# DifferentialTest and commit the files it passes or fails on together with the reason. Needs tmux,
# vim, less, top (procps) and bash. Keep each file under 200 KB and the corpus under 1.5 MB.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out="$here/resources/dev/tether/term/corpus"
mkdir -p "$out"

# --- hand-written streams --------------------------------------------------------------------------
# w NAME FORMAT...: the printf FORMATs, one after the other, are the stream NAME.bin.
w() {
    local name=$1
    shift
    : > "$out/$name.bin"
    local f
    for f in "$@"; do printf -- "$f" >> "$out/$name.bin"; done
}

numbered() { # 24 numbered lines that fill the screen, the cursor left on the last one
    local i s=''
    for i in $(seq 1 24); do s+="line $i"; [ "$i" -lt 24 ] && s+='\r\n'; done
    printf '%s' "$s"
}

handwritten() {
    local fill
    fill=$(numbered)

    w scroll-region "$fill" '\033[5;15r' '\033[15;1H' 'at bottom\033D\033D\033D' \
        '\033[5;1H' 'at top\033M\033M' '\033[8;1H\033[2L' 'inserted' '\033[10;1H\033[3M' 'after delete' \
        '\033[2S' '\033[T' '\033[12;5H\033[31mred in region\033[m' '\033[1;1H' 'row 1 is outside' \
        '\033[20;1H\033D\033D' 'row 20 unmoved' '\033[r' '\033[24;1H' '\r\nbelow 1\r\nbelow 2\r\nbelow 3' \
        '\033[1;12r\033[12;1H' 'top margin at row 1\n\n\n' '\033[r\033[24;1H'

    # Not here, because tmux 3.3a's own grid goes wrong (see DifferentialTest): a character written over
    # the right half of a wide character in column 0, and ICH, DCH or ECH on half of a wide character.
    w wide-chars 'CJK 中文字符 emoji 😀🎉 done\r\n' \
        '\033[2;79H中' '\r\n' '\033[4;80H字' 'x\r\n' \
        '\033[7;1H中文中文' '\033[7;4Ha' '\033[7;5Hb' '\033[8;1H文字文字\033[8;3H中' \
        '\033[9;1H中文字符\033[9;4H\033[31mx\033[m' '\033[10;1Hab中\033[10;1H\033[2P' \
        '\033[11;78H😀😀' '\033[13;1H\033[44m半角全角ｆｕｌｌ\033[m'

    w combining 'e\xcc\x81 a\xcc\x88\xcc\xa3 n\xcc\x83\r\n' \
        '中\xcc\x81x\r\n' 'abc\033[D\xcc\x81\r\n' '\xcc\x81 first on the line\r\n' \
        '\033[5;80Hz\xcc\x81' '\r\nzero width joiner 👨\xe2\x80\x8d👩 and vs16 \xe2\x9d\xa4\xef\xb8\x8f end'

    w tabs 'a\tb\tc\td\r\n' '\033[3g' '\033[5G\033H\033[12G\033H\033[30G\033H\r' 'x\ty\tz\tw\r\n' \
        '\033[12G\033[0g\r\tp\tq\r\n' '\033[c\033[80G\tT\r\n' '\033[?3l' \
        '\033c' '\033[30Gcbt2\033[2Z' 'cbt\033[Z' 'x\r\n' '\033[70G\t\t\tend' '\033[1;40H\t\033[5Z.'

    # tmux 3.3a does not implement CHT (CSI n I): DifferentialTest compares this one with xterm.js.
    w cht '\033[2I' 'cht2\033[3I' 'cht3\033[2Z' 'cbt2\033[Z' 'cbt\r\n' '\033[70G\033[3Iend' \
        '\033[3;1H\033[3g\033[10G\033H\r\033[2Ipast the last stop\033[Ix\033[4;1H\033[Ione'

    w origin-mode '\033[5;10r\033[?6h' '\033[1;1Horigin home' '\033[20;1Hclamped' '\033[3;70Hx' '\033[?6l' \
        '\033[1;1Hreal home' '\033[?6h\033[r' 'after reset' '\033[?6h\033[3;10r\033[?6l\033[24;1Hlast'

    w insert-mode 'abcdefghij\r' '\033[4h' 'XY' '\033[4l' '\r\n' \
        "$(printf '%079d' 0)"'E\r' '\033[4h' 'pushed' '\033[4l\r\n' '\033[4h\033[31mred\033[m\033[4l' \
        '\033[4h\033[5;80Hz\033[4l'

    w autowrap-off '\033[?7l' "$(printf '%0100d' 7)" '\r\n' 'next line\033[1;78Habcdef' '\033[?7h' '\033[3;75H' \
        'wrapped onto the next line' '\033[5;80HA\033[1CB' '\033[7;80HC\bD'

    w dec-graphics '\033(0' 'lqqqqwqqqqk\r\nx    x    x\r\ntqqqqnqqqqu\r\nmqqqqvqqqqj\r\n' \
        '`abcdefghijklmnopqrstuvwxyz{|}~\033(B\r\n' \
        '\033)0plain \016lqk\017 plain\r\n' '\033(0\0337\033(Bsaved \0338qq\033(B\r\n' \
        '\016q\033[1;31mq\033[mq\017 after SI\r\n' '\033*0\033n' 'ls3 qq' '\033(B\017'

    w edit-ops "$fill" '\033[2;5H\033[3@' '\033[3;5H\033[2P' '\033[4;5H\033[4X' '\033[5;3Hz\033[5b' \
        '\033[6;4H\033[K' '\033[7;4H\033[1K' '\033[8;4H\033[2K' '\033[9;2H\033[43m\033[K\033[m' \
        '\033[10;2H\033[44m\033[1K\033[m' '\033[11;5H\033[45m\033[3X\033[m' '\033[12;10H\033[46m\033[2@\033[m' \
        '\033[13;10H\033[42m\033[2P\033[m' '\033[20;10H\033[J' '\033[3;60H\033[1J' \
        '\033[17;40H\033[41m\033[0J\033[m' '\033[1;1Hdone'

    # tmux 3.3a cuts REP (CSI n b) at the line's end; xterm wraps: DifferentialTest compares this one with xterm.js.
    w rep-wraps "$fill" '\033[14;1Hq\033[200b' '\033[1;75H\033[32mab\033[10b\033[m' '\033[20;1Hdone'

    w erase-display "$fill" '\033[2J' '\033[5;5Hafter 2J' '\033[3J' '\033[41m\033[2J\033[m\033[10;10Hred 2J'

    w sgr-forms 'plain\r\n' '\033[30m0\033[31m1\033[32m2\033[33m3\033[34m4\033[35m5\033[36m6\033[37m7\033[39m ' \
        '\033[90m8\033[91m9\033[92mA\033[93mB\033[94mC\033[95mD\033[96mE\033[97mF\033[m\r\n' \
        '\033[40m0\033[41m1\033[42m2\033[43m3\033[44m4\033[45m5\033[46m6\033[47m7\033[49m ' \
        '\033[100m8\033[101m9\033[102mA\033[103mB\033[104mC\033[105mD\033[106mE\033[107mF\033[m\r\n' \
        '\033[38;5;16ma\033[38;5;196mb\033[38;5;231mc\033[38;5;232md\033[38;5;255me\033[48;5;21mf\033[38;5;3mg\033[m\r\n' \
        '\033[38;2;255;128;0mrgb\033[48;2;0;0;255mbg\033[m \033[38:2::10:20:30mcolon\033[38:2:40:50:60mnoCS' \
        '\033[48:5:99mc5\033[38:5:200mx\033[m \033[38;2;1;2;3;48;2;4;5;6mboth\033[m\r\n' \
        '\033[1mB\033[2mD\033[22mN\033[3mI\033[23mn\033[4mU\033[24mu\033[5mK\033[25mk\033[7mR\033[27mr' \
        '\033[8mH\033[28mh\033[9mS\033[29ms\033[53mO\033[55mo\033[m\r\n' \
        '\033[21mdbl\033[24m \033[4:2md2\033[4:0m \033[4:3mcurly\033[4:1msingle\033[m \033[4;21mboth\033[m\r\n' \
        '\033[1;2;3;4;5;7;8;9mall\033[0mreset\033[;1mempty-first\033[1;;3mempty-mid\033[m\r\n' \
        '\033[31;41mred on red\033[7mreversed\033[m \033[38;5;300mbad256\033[m \033[38;2;300;0;0mbadrgb\033[m\r\n' \
        '\033[1;31mbold red\033[0;1mbold\033[m \033[2;31mdim red\033[m \033[38;5;9mpal9\033[m \033[91mbright\033[m\r\n' \
        '\033[58;5;1munder-colour\033[m \033[4;58:2::255:0:0mred underline\033[59m\033[m\r\n' \
        '\033[38;5mtrunc\033[m \033[38;2;1mtrunc2\033[m \033[48;5;mtrunc3\033[m end'

    w save-restore '\033[5;10H\033[1;31m\0337' '\033[m\033[20;20Hmoved' '\0338saved style' '\033[m\r\n' \
        '\033[8;8H\033[s\033[15;1Hother\033[uback' '\0338again' '\033[m\033[1;1H\0338' '\033[m' \
        '\033[?6h\033[3;20r\0337\033[?6l\033[r\0338\033[Horigin kept'

    w alternate-screens 'normal screen text\r\nsecond line' \
        '\033[?47h' 'in 47' '\033[?47l' '\033[3;1H' \
        '\033[?1047h' 'in 1047' '\033[?1047l' 'after 1047' \
        '\033[10;10H\033[?1049h' 'in 1049\033[5;5Hmoved' '\033[?1049l' 'cursor restored by 1049' \
        '\033[?1049h' 'left in 1049 at the end\r\n\033[32mgreen\033[m'

    w alternate-nested '\033[?1049h' 'alt one' '\033[?1049h' 'alt again' '\033[?47l' 'normal via 47' \
        '\033[?1047h\033[?1049l' 'back'

    w ris 'some text\033[1;31m\033[5;20r\033[?7l\033[?1h\033[4h\033]2;before ris\007' '\033c' 'after RIS'

    # tmux 3.3a does not implement DECSTR (CSI ! p): DifferentialTest compares this one with xterm.js.
    w decstr 'text\033[1;31m\033[5;20r\033[?6h\033[?7l\033[4h\033[?1h\033[?25l' '\033[!p' 'after DECSTR\033[H\033[1Cx'

    w decaln 'hello\033#8' '\033[12;40Hmid' '\033[5;10r\033#8'

    w titles '\033]0;icon and window\007' 'one ' '\033]2;window only\033\\' 'two ' '\033]1;icon only\007' 'three'

    w title-utf8 '\033]2;tïtle 中文\007' 'x'

    w cursor-moves "$fill" '\033[10;10H\033[3A1\033[2B2\033[5C3\033[4D4' '\033[2E5\033[3F6\033[20G7' \
        '\033[5d8\033[30`9\033[15;15fA\033[99;99HB\033[0;0HC\033[99AD\033[99BE\033[99DF\033[99CG' \
        '\033[12;1H\033Enel\033[12;1H\033D\033Dind\r\v\fvt-ff\b\b\bbs\r\bcr-bs\007'

    w cut-in-escape 'before\033[3' '1mafter\033[1;' ''

    w cut-in-utf8 'x\xe4\xb8\xadmid\xe6\x96'

    w cut-in-osc 'text\033]2;unterminated title'

    # tmux 3.3a drops invalid UTF-8 where xterm prints U+FFFD: DifferentialTest compares this one with xterm.js.
    w invalid-utf8 'lone \x80\xbf cont|' 'overlong \xc0\x80 \xe0\x80\x80|' 'surrogate \xed\xa0\x80|' \
        'high \xf5\x80\x80\x80 \xff \xfe|\r\n' 'truncated \xe4\xb8 then ascii|' 'cut \xf0\x9f\x98 emoji|\r\n' \
        'C1 \xc2\x9b in utf8|' 'ok \xe4\xb8\xad|'

    w controls 'a\x00b\x01c\x7fd\x1b\x1b[31me\x18f\x1b[3\x1a1mg\033[m\r\n' '\033[?5h\033[?5l' \
        '\033P1$r\033\\dcs\033^pm\033\\\033Xsos\033\\ end'

    # tmux 3.3a takes an APC string as the pane title, and drops a CSI whole when a parameter exceeds
    # INT_MAX or there are more than 24 parameters: DifferentialTest compares these with xterm.js.
    w controls-tmux-differs '\033[99999999999999999999Cbig\033_apc\033\\ end'
    w csi-33-params \
        '\033[1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17;18;19;20;21;22;23;24;25;26;27;28;29;30;31;32;33mmany\033[m'

    w modes '\033[?1h\033=\033[?2004h\033[?1000h\033[?1006h\033[?1004h\033[?25l\033[4h' 'modes set'

    w modes-mouse '\033[?1003h\033[?1015h' 'any' '\033[?1002h' 'button' '\033[?1003l' 'off again?' \
        '\033[?1005h' 'utf8'

    # tmux 3.3a has no X10 mouse (mode 9): DifferentialTest compares this one with xterm.js.
    w mouse-x10 '\033[?1000h' 'normal ' '\033[?9h' 'x10'

    w modes-off '\033[?1h\033=\033[?2004h\033[?1000h\033[?1006h\033[?25l\033[?1l\033>\033[?2004l\033[?1000l' \
        '\033[?1006l\033[?25h' 'all off'

    w long-scroll "$(for i in $(seq 1 300); do printf 'scroll line %03d %s\\r\\n' "$i" "$(printf '%0*d' $((i % 70)) 0)"; done)" \
        'the end'
}

# --- program streams -------------------------------------------------------------------------------
sock="tether-record-$$"
t() { tmux -L "$sock" "$@"; }

screen_has() { # waits until the pane shows $1
    local i
    for i in $(seq 1 100); do
        t capture-pane -p -t r | grep -qF -- "$1" && return 0
        sleep 0.1
    done
    echo "record-corpus: the pane never showed '$1':" >&2
    t capture-pane -p -t r >&2
    return 1
}

# record NAME: starts bash --norc in a fresh 80x24 tmux, in a scratch directory with a few files, and
# copies everything the pane writes from then on to NAME.bin; the caller drives it, then calls stop.
record() {
    name=$1
    work=$(mktemp -d)
    mkdir -p "$work/dir" "$work/sub dir"
    : > "$work/file.txt"
    printf '#!/bin/sh\n' > "$work/run.sh" && chmod +x "$work/run.sh"
    ln -s file.txt "$work/link"
    ln -s missing "$work/broken"
    : > "$work/archive.tar.gz"
    cp /usr/share/common-licenses/GPL-3 "$work/GPL-3"
    cp /usr/share/vim/vim90/defaults.vim "$work/defaults.vim"
    rm -f "$out/$name.bin"
    t -f /dev/null start-server \; set -g history-limit 100000 \; set -g status off \
        \; set -g default-terminal xterm-256color \
        \; new-session -d -s r -x 80 -y 24 -c "$work" \
        "env -i HOME=$work TERM=xterm-256color LANG=C.UTF-8 PATH=/usr/bin:/bin bash --norc --noprofile"
    t send-keys -t r "PS1='\\[\\e[1;32m\\]user@tether\\[\\e[0m\\]:\\[\\e[1;34m\\]\\w\\[\\e[0m\\]\\$ '; clear" Enter
    screen_has 'user@tether'
    t pipe-pane -o -t r "cat >> '$out/$name.bin'"
}

keys() { # types keys; after an Escape, waits out vim's timeout so the Escape is not read as the start of a key code
    t send-keys -t r "$@"
    sleep 0.3
    if [ "${!#}" = Escape ]; then sleep 1.2; fi
}

stop() {
    sleep 0.5
    t pipe-pane -t r
    t kill-server
    sleep 0.5 # a program killed with its pane may still be writing its state files (vim's .viminfo)
    rm -rf "$work" || { sleep 2; rm -rf "$work"; }
    echo "recorded $name: $(wc -c < "$out/$name.bin") bytes"
}

rec_bash() {
    record bash
    keys 'ls --color=always' Enter
    keys 'ls -la --color=always' Enter
    keys 'seq 1 40' Enter
    keys "printf '\\e[1;33mwarning:\\e[0m done\\n'" Enter
    keys 'clear' Enter
    keys 'ls --color=always /usr/bin | head -50' Enter
    keys 'echo the prompt follows' Enter
    stop
}

rec_vim() {
    record vim
    keys 'vim -u NONE -N GPL-3' Enter
    screen_has 'GNU GENERAL PUBLIC LICENSE'
    keys j j j j l l l l w w
    for _ in 1 2 3 4 5; do keys C-f; done
    keys C-b
    keys /Program Enter
    keys i 'typed in insert mode ' Escape
    keys o 'a new line of text' Escape
    keys ':set number' Enter
    keys G
    keys :300 Enter
    keys O 'typed above line 300, the last edit' Escape
    stop
}

rec_vim_defaults() {
    record vim-defaults
    keys 'vim -u defaults.vim -N defaults.vim' Enter
    screen_has 'defaults.vim'
    keys ':syntax on' Enter
    keys ':set number' Enter
    for _ in 1 2 3; do keys C-f; done
    keys 10j A ' " typed' Escape
    keys ':set nonumber' Enter
    stop
}

rec_less() {
    record less
    keys 'seq 1 60' Enter # something in the scrollback under less's alternate screen
    keys 'less GPL-3' Enter
    screen_has 'GNU GENERAL PUBLIC LICENSE'
    for _ in $(seq 1 10); do keys Space; done
    keys /Program Enter
    keys b
    stop
}

rec_less_noinit() {
    record less-noinit
    keys 'less -X GPL-3' Enter
    screen_has 'GNU GENERAL PUBLIC LICENSE'
    for _ in $(seq 1 8); do keys Space; done
    keys q
    stop
}

rec_top() {
    record top
    keys 'top -d 0.5' Enter
    screen_has 'load average'
    sleep 2
    keys q
    stop
}

programs() { # all of them, or those named: bash vim vim-defaults less less-noinit top
    local names=("$@") n
    [ ${#names[@]} -gt 0 ] || names=(bash vim vim-defaults less less-noinit top)
    for n in "${names[@]}"; do "rec_${n//-/_}"; done
}

case "${1:-all}" in
    handwritten) handwritten ;;
    programs) shift; programs "$@" ;;
    all) handwritten; programs ;;
    *) echo "usage: $0 [handwritten|programs|all]" >&2; exit 2 ;;
esac
du -ch "$out"/*.bin | tail -1
