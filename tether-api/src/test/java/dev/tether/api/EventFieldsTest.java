package dev.tether.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link Event#fields()} names the fields of {@code data} as the wire does, in the wire's order. */
class EventFieldsTest {

    /**
     * Regression: {@code fields()} read {@code @JsonProperty} from the record component, where Java
     * does not keep it (the annotation's targets are field, method and parameter, not record
     * component), so SessionMessageSent's {@code wait} came out as {@code waits}, and
     * {@code tether events} printed {@code waits=true} for an event whose JSON says {@code "wait":true}.
     */
    @Test
    void fieldsNameSessionMessageSentsWaitAsTheJsonDoes_wait_notTheComponentName_waits() {
        var sent = new Event.SessionMessageSent(7, "Maintenance", 2, true, "alice");
        assertThat(sent.fields().keySet()).containsExactly("messageId", "title", "clients", "wait", "by");
        assertThat(sent.fields()).containsEntry("wait", true);
    }

    @Test
    void fieldsKeepANullValueUnderItsName() {
        var attached = new Event.ClientAttached(3, null, null, 1, "alice");
        assertThat(attached.fields()).containsKeys("client", "remote").containsEntry("client", null);
    }
}
