package io.flywheel.ship;

import io.flywheel.journal.SealRecord;
import okio.Buffer;
import okio.Source;
import okio.Timeout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * One part of a segment file as an upload body, checked against the CRC32C its seal record gives for that part
 * while it is sent. The last bytes are held back until the check has passed: a part whose bytes changed since
 * sealing ends its body short with {@link SealMismatchException}, so the server never has the whole part, and the
 * object never comes into being. The one read of the part is the upload itself.
 */
final class SealCheckedSource implements Source {
    private final FileChannel file;
    private final long expectedCrc32c;
    private final String what;
    private final CRC32C crc = new CRC32C();
    private final byte[] buf = new byte[1 << 16];
    private long position;
    private long left;

    /** @param expectedCrc32c the seal-time CRC32C of the part, or -1 to send the bytes unchecked */
    SealCheckedSource(FileChannel file, long offset, long length, long expectedCrc32c, String what) {
        this.file = file;
        this.position = offset;
        this.left = length;
        this.expectedCrc32c = expectedCrc32c;
        this.what = what;
    }

    @Override
    public long read(Buffer sink, long byteCount) throws IOException {
        if (left == 0) {
            return -1;
        }
        int want = (int) Math.min(Math.min(byteCount, left), buf.length);
        int n = file.read(ByteBuffer.wrap(buf, 0, want), position);
        if (n < 0) {
            throw new SealMismatchException(what + " ended " + left + " bytes early: the file is shorter than when it was sealed");
        }
        if (expectedCrc32c >= 0) {
            crc.update(buf, 0, n);
        }
        position += n;
        left -= n;
        if (left == 0 && expectedCrc32c >= 0 && crc.getValue() != expectedCrc32c) {
            throw new SealMismatchException(what + " has crc32c " + SealRecord.crc32cHex(crc.getValue())
                    + ", sealed as " + SealRecord.crc32cHex(expectedCrc32c));
        }
        sink.write(buf, 0, n);
        return n;
    }

    @Override
    public Timeout timeout() {
        return Timeout.NONE;
    }

    @Override
    public void close() {
        // the channel belongs to the caller
    }

    /** The bytes being sent are not those the segment was sealed with. */
    static final class SealMismatchException extends IOException {
        SealMismatchException(String message) {
            super(message);
        }
    }
}
