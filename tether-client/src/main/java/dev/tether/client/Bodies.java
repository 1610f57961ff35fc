package dev.tether.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tether.api.NewSession;
import dev.tether.api.Selection;

/** The JSON bodies the SDK sends for core's request values; fields left at their defaults are not sent. */
final class Bodies {
    private Bodies() {
    }

    /** {@code POST /sessions}: command and args only with a command, cols and rows when given, env when not empty. */
    static ObjectNode of(NewSession spec) {
        ObjectNode body = Json.object();
        if (spec.command() != null) {
            body.put("command", spec.command());
            var array = body.putArray("args");
            spec.args().forEach(array::add);
        }
        if (spec.cols() != null) {
            body.put("cols", spec.cols());
        }
        if (spec.rows() != null) {
            body.put("rows", spec.rows());
        }
        if (!spec.env().isEmpty()) {
            var object = body.putObject("env");
            spec.env().forEach(object::put);
        }
        return body;
    }

    /** {@code POST /sessions/disconnect} and {@code /close}: {@code all} or {@code ids}, and {@code whatIf} when asked. */
    static ObjectNode of(Selection selection) {
        ObjectNode body = Json.object();
        if (selection.all()) {
            body.put("all", true);
        } else {
            var array = body.putArray("ids");
            selection.ids().forEach(array::add);
        }
        if (selection.whatIf()) {
            body.put("whatIf", true);
        }
        return body;
    }
}
