package io.flywheel.journal;

/**
 * The next sequence number as ASCII digits, incremented in place: every envelope starts with one, and carrying a
 * digit is far cheaper than formatting a long per event.
 */
final class SequenceText {
    private static final int WIDTH = 20;
    final byte[] digits = new byte[WIDTH];
    int start;
    private long value;

    SequenceText(long initial) {
        if (initial < 0) {
            throw new IllegalArgumentException("negative sequence " + initial);
        }
        value = initial;
        String s = Long.toString(initial);
        start = WIDTH - s.length();
        for (int i = 0; i < s.length(); i++) {
            digits[start + i] = (byte) s.charAt(i);
        }
    }

    long value() {
        return value;
    }

    int length() {
        return WIDTH - start;
    }

    void increment() {
        value++;
        for (int i = WIDTH - 1; ; i--) {
            if (i < start) {
                digits[i] = '1';
                start = i;
                return;
            }
            if (digits[i] != '9') {
                digits[i]++;
                return;
            }
            digits[i] = '0';
        }
    }
}
