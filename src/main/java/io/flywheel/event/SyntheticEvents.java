package io.flywheel.event;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a synthetic session: events of the codetether vocabulary, each about {@code size} bytes. {@code durableOnly}
 * gives the durable types only (for journal benchmarks); otherwise the mix of a real session, with streaming chunks.
 */
public final class SyntheticEvents {
    private static final String[] DURABLE = {
        "{\"type\":\"tool_call_complete\",\"tool_call_id\":\"call-%d\",\"name\":\"bash\",\"output\":\"%s\",\"success\":true,\"duration_ms\":42}",
        "{\"type\":\"token_usage\",\"source\":\"root\",\"model\":\"anthropic/claude-opus-4-7\",\"prompt_tokens\":%d,\"completion_tokens\":812,\"duration_ms\":1530,\"note\":\"%s\"}",
        "{\"type\":\"text_complete\",\"text\":\"step %d: %s\"}",
        "{\"type\":\"tool_call_start\",\"tool_call_id\":\"call-%d\",\"name\":\"bash\",\"arguments\":\"{\\\"command\\\":\\\"%s\\\"}\"}",
    };
    private static final String[] EPHEMERAL = {
        "{\"type\":\"text_chunk\",\"text\":\"chunk %d %s\"}",
        "{\"type\":\"tool_heartbeat\",\"tool_call_id\":\"call-%d\",\"name\":\"bash\",\"elapsed_secs\":10,\"pad\":\"%s\"}",
        "{\"type\":\"rlm_progress\",\"trace_id\":\"3f2b6c1e-0d4a-4c8e-9b7a-1e2d3c4b5a69\",\"iteration\":%d,\"max_iterations\":8,\"status\":\"%s\"}",
    };

    private SyntheticEvents() {
    }

    public static void write(OutputStream out, long count, int size, boolean durableOnly) throws IOException {
        String filler = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ".repeat(64);
        byte[] buf = new byte[1 << 16];
        int pos = 0;
        for (long i = 0; i < count; i++) {
            String template;
            if (durableOnly || i % 4 != 3) {
                template = DURABLE[(int) (i % DURABLE.length)];
            } else {
                template = EPHEMERAL[(int) ((i / 4) % EPHEMERAL.length)];
            }
            String head = String.format(template, i, "");
            int pad = Math.max(0, Math.min(filler.length(), size - head.length() - 1));
            byte[] line = String.format(template, i, filler.substring(0, pad)).getBytes(StandardCharsets.UTF_8);
            if (pos + line.length + 1 > buf.length) {
                out.write(buf, 0, pos);
                pos = 0;
            }
            if (line.length + 1 > buf.length) {
                out.write(line);
                out.write('\n');
                continue;
            }
            System.arraycopy(line, 0, buf, pos, line.length);
            pos += line.length;
            buf[pos++] = '\n';
        }
        out.write(buf, 0, pos);
        out.flush();
    }
}
