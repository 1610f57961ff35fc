package dev.tether.server;

import dev.tether.api.Bodies;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.core.Kernel;
import dev.tether.core.account.Caller;
import dev.tether.core.terminal.ScreenCapture;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A session's screen as data: {@code GET /sessions/{id}/screen} (text, ANSI or JSON, like {@code tmux
 * capture-pane -p [-e]}), {@code /scrollback} (all of it, or the lines matching {@code grep=}) and
 * {@code /thumbnail} (SVG). For any caller who may see the session.
 */
final class Screens {
    static final int MAX_PATTERN = 256;
    /** A search that takes longer than this (a pattern that backtracks without end) is stopped and refused. */
    static final long SEARCH_NANOS = 2_000_000_000L;

    private final Kernel kernel;

    Screens(Kernel kernel) {
        this.kernel = kernel;
    }

    void screen(RoutingContext ctx, Caller caller, long id) {
        String format = ctx.queryParams().get("format");
        if (format == null) {
            format = "text";
        }
        if (!format.equals("text") && !format.equals("ansi") && !format.equals("json")) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "the query parameter format=" + format
                    + " must be text, ansi or json");
        }
        int scrollback = Api.intParam(ctx, "scrollback", 0, 0, 1_000_000);
        String chosen = format;
        reply(ctx, kernel.registry().screen(caller, id, new ScreenCapture.Request(scrollback, chosen.equals("ansi"), false)), c -> {
            if (chosen.equals("json")) {
                var body = new Bodies.Screen(id, c.offset(), c.cols(), c.rows(), new Bodies.Cursor(c.cursorRow(), c.cursorCol(),
                        c.cursorVisible()), c.alternateScreen(), c.title(), c.modes(), c.scrollback(), c.lines());
                send(ctx, "application/json", Json.write(body));
            } else {
                var all = new StringBuilder();
                c.scrollback().forEach(l -> all.append(l).append('\n'));
                c.lines().forEach(l -> all.append(l).append('\n'));
                send(ctx, "text/plain; charset=utf-8", all.toString());
            }
        });
    }

    void scrollback(RoutingContext ctx, Caller caller, long id) {
        String grep = ctx.queryParams().get("grep");
        int context = Api.intParam(ctx, "context", 0, 0, 100);
        Pattern pattern = null;
        if (grep != null) {
            if (grep.isEmpty() || grep.length() > MAX_PATTERN) {
                throw new TetherException(ResultCode.INVALID_PARAMETER, "the pattern grep= must have 1 to " + MAX_PATTERN + " characters");
            }
            try {
                pattern = Pattern.compile(grep);
            } catch (PatternSyntaxException e) {
                throw new TetherException(ResultCode.INVALID_PARAMETER, "the pattern grep=" + grep + " is not a regular expression: "
                        + e.getDescription() + " near index " + e.getIndex());
            }
        }
        Pattern p = pattern;
        reply(ctx, kernel.registry().screen(caller, id, new ScreenCapture.Request(-1, false, false)), c -> {
            List<String> lines = new ArrayList<>(c.scrollback());
            lines.addAll(c.lines());
            while (!lines.isEmpty() && lines.getLast().isEmpty()) {
                lines.removeLast();
            }
            if (p == null) {
                send(ctx, "text/plain; charset=utf-8", lines.isEmpty() ? "" : String.join("\n", lines) + "\n");
                return;
            }
            var matches = new ArrayList<Bodies.ScrollbackMatch>();
            long deadline = System.nanoTime() + SEARCH_NANOS;
            for (int i = 0; i < lines.size(); i++) {
                if (find(p, lines.get(i), deadline, id)) {
                    matches.add(new Bodies.ScrollbackMatch(i + 1, lines.get(i), lines.subList(Math.max(0, i - context), i),
                            lines.subList(i + 1, Math.min(lines.size(), i + 1 + context))));
                }
            }
            send(ctx, "application/json", Json.write(new Bodies.ScrollbackSearch(id, grep, lines.size(), matches)));
        });
    }

    void thumbnail(RoutingContext ctx, Caller caller, long id) {
        reply(ctx, kernel.registry().screen(caller, id, new ScreenCapture.Request(0, false, true)),
                c -> {
                    ctx.response().putHeader("Cache-Control", "no-store");
                    send(ctx, "image/svg+xml", c.svg());
                });
    }

    /** Whether {@code p} finds a match in {@code line}, given up with INVALID_PARAMETER past the deadline. */
    private static boolean find(Pattern p, String line, long deadline, long id) {
        Matcher m = p.matcher(new Deadlined(line, deadline, id));
        return m.find();
    }

    /** A line that refuses to be read past a deadline: a runaway regular expression reads it without end. */
    private record Deadlined(String text, long deadline, long id) implements CharSequence {
        @Override
        public int length() {
            return text.length();
        }

        @Override
        public char charAt(int index) {
            if (System.nanoTime() - deadline > 0) {
                throw new TetherException(ResultCode.INVALID_PARAMETER, "searching the scrollback of session " + id
                        + " took longer than 2 s: the pattern backtracks too much; give a simpler one");
            }
            return text.charAt(index);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new Deadlined(text.substring(start, end), deadline, id);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    private static <T> void reply(RoutingContext ctx, CompletableFuture<T> result, java.util.function.Consumer<T> answer) {
        Future.fromCompletionStage(result, ctx.vertx().getOrCreateContext()).onComplete(r -> {
            if (r.failed()) {
                Errors.reply(ctx.response(), r.cause());
                return;
            }
            try {
                answer.accept(r.result());
            } catch (RuntimeException e) {
                Errors.reply(ctx.response(), e);
            }
        });
    }

    private static void send(RoutingContext ctx, String type, String body) {
        if (!ctx.response().ended()) {
            ctx.response().setStatusCode(200).putHeader("Content-Type", type)
                    .end(io.vertx.core.buffer.Buffer.buffer(body.getBytes(StandardCharsets.UTF_8)));
        }
    }
}
