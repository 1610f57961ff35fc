package dev.tether.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.io.PrintWriter;

/** {@code --json} output: the API's objects as the API spells them (ISO-8601 times, nulls kept). */
final class JsonOut {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    private JsonOut() {
    }

    /** One value, indented for people reading it too. */
    static void print(PrintWriter out, Object value) {
        out.println(write(value, true));
    }

    /** One value on one line (streams: one event per line). */
    static void line(PrintWriter out, Object value) {
        out.println(write(value, false));
    }

    private static String write(Object value, boolean pretty) {
        try {
            return pretty ? MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value) : MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new TetherException(ResultCode.INTERNAL, "cannot write JSON: " + e.getOriginalMessage());
        }
    }
}
