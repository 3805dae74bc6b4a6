package io.flywheel.obs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProgressBarTest {
    @Test
    void aBarNeverReachesTheLastColumnSoItNeverWraps() {
        String label = "verifying 12/40 20261124T093102.123Z-3f9a0c1b7d2e-0000000000000000001.jsonl";
        for (int cols = 20; cols <= 200; cols++) {
            String line = ProgressBar.line(label, 5L << 30, 40L << 30, cols);
            assertTrue(line.length() <= cols - 1, cols + ": " + line.length() + " " + line);
        }
        String wide = ProgressBar.line(label, 1, 4, 200);
        assertTrue(wide.contains(" 25% ") && wide.contains("12/40"), "overall progress and which segment: " + wide);
    }
}
