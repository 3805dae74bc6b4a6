package io.flywheel.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class EventParserTest {
    private final EventParser parser = new EventParser();

    private String type(String line) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        return parser.parse(b, 0, b.length);
    }

    private String reason(byte[] b) {
        assertNull(parser.parse(b, 0, b.length), "should be rejected: " + new String(b, StandardCharsets.UTF_8));
        return parser.error();
    }

    private String reason(String line) {
        return reason(line.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everySampleLineOfTheVocabularyIsAcceptedAndClassified() throws Exception {
        TypeClassifier c = TypeClassifier.defaults();
        int durable = 0;
        int ephemeral = 0;
        for (String line : Files.readAllLines(Path.of("src/test/resources/sample-session.jsonl"))) {
            String t = type(line);
            assertTrue(t != null, () -> line + ": " + parser.error());
            if (c.isDurable(t)) {
                durable++;
            } else {
                ephemeral++;
            }
        }
        assertEquals(16, durable);
        assertEquals(10, ephemeral);
    }

    @Test
    void findsTheTypeAnywhereAtTopLevelOnly() {
        assertEquals("done", type("{\"a\":{\"type\":\"nested\"},\"type\":\"done\",\"b\":[1,{\"type\":2}]}"));
        assertEquals("x y", type("{\"type\":\"x y\"}  "));
    }

    @Test
    void rejectsWithAClearReason() {
        assertTrue(reason("{\"type\":\"done\"").startsWith("malformed JSON"));
        assertTrue(reason("[1,2]").startsWith("not a JSON object"));
        assertTrue(reason("\"done\"").startsWith("not a JSON object"));
        assertEquals("missing \"type\" field", reason("{\"kind\":\"done\"}"));
        assertTrue(reason("{\"type\":42}").contains("not a string"));
        assertTrue(reason("{\"type\":null}").contains("not a string"));
        assertEquals("duplicate \"type\" field", reason("{\"type\":\"a\",\"type\":\"b\"}"));
        assertEquals("trailing data after the JSON object", reason("{\"type\":\"a\"} {\"type\":\"b\"}"));
        assertEquals("empty line", reason(""));
        assertTrue(reason(new byte[] {'{', '"', 't', 'y', 'p', 'e', '"', ':', '"', (byte) 0xC3, '"', '}'}).startsWith("invalid UTF-8"));
        assertTrue(reason(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'}).startsWith("invalid UTF-8"),
                "a UTF-16 surrogate encoded in UTF-8 is not valid UTF-8");
        assertTrue(reason(new byte[] {'{', (byte) 0xC0, (byte) 0xAF, '}'}).startsWith("invalid UTF-8"), "overlong");
        assertTrue(reason("{\"type\":\"a\u0000\"}").startsWith("NUL byte"));
    }

    @Test
    void acceptsMultiByteUtf8() {
        assertEquals("done", type("{\"type\":\"done\",\"text\":\"héllo ✓ 😀\"}"));
    }
}
