package io.flywheel.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** The segment being written: {@code segments/<name>.jsonl.open}, pointed at by {@code current.jsonl}. */
final class ActiveSegment {
    final SegmentName name;
    final Path openPath;
    final FileChannel channel;
    final long openedAtNanos;
    long size;
    long lastSeq = -1;
    long lastWriteNanos;

    private ActiveSegment(SegmentName name, Path openPath, FileChannel channel) {
        this.name = name;
        this.openPath = openPath;
        this.channel = channel;
        this.openedAtNanos = System.nanoTime();
        this.lastWriteNanos = openedAtNanos;
    }

    /** Creates the file and makes its directory entry durable before anything in it is acknowledged. */
    static ActiveSegment create(DataDir dir, SegmentName name) throws IOException {
        Path p = dir.segments().resolve(name.openFileName());
        FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            DataDir.fsyncDirectory(dir.segments());
        } catch (IOException e) {
            ch.close();
            Files.deleteIfExists(p);
            throw e;
        }
        return new ActiveSegment(name, p, ch);
    }

    /** Appends; on failure cuts the file back so that no half line stays behind. */
    void write(byte[] data, int off, int len) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(data, off, len);
        try {
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
        } catch (IOException e) {
            try {
                channel.truncate(size);
            } catch (IOException ignored) {
                // the original error is what matters; recovery cuts a torn tail anyway
            }
            throw e;
        }
        size += len;
        lastWriteNanos = System.nanoTime();
    }

    void sync() throws IOException {
        channel.force(false);
    }

    Path sealedPath(DataDir dir) {
        return dir.segments().resolve(name.sealedFileName());
    }
}
