package io.flywheel.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PartHashesTest {

    /**
     * Whatever the sizes of the writes, the parts are the consecutive slices an S3 multipart upload sends: each
     * MD5 and CRC32C equals that of the slice taken whole, the listener hears of each part in order, and an empty
     * stream or an exact multiple of the part size makes no empty trailing part beyond the one an empty stream has.
     */
    @ParameterizedTest
    @CsvSource({"0,16,5", "1,16,5", "16,16,5", "17,16,5", "100,16,7", "100,16,100", "4096,1000,333"})
    void partsAreTheSlicesTakenWhole(int length, int partSize, int writeSize) throws Exception {
        byte[] data = new byte[length];
        new Random(length * 31L + partSize).nextBytes(data);
        List<Integer> heard = new ArrayList<>();
        PartHashes parts = new PartHashes(partSize, true, (i, md5, crc) -> heard.add(i));
        for (int off = 0; off < length; off += writeSize) {
            parts.update(data, off, Math.min(writeSize, length - off));
        }
        parts.finish();
        int expectedParts = Math.max(1, (length + partSize - 1) / partSize);
        assertEquals(expectedParts, parts.md5s().size());
        assertEquals(expectedParts, parts.crc32cs().size());
        for (int p = 0; p < expectedParts; p++) {
            int from = p * partSize;
            int to = Math.min(length, from + partSize);
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            md5.update(data, from, to - from);
            CRC32C crc = new CRC32C();
            crc.update(data, from, to - from);
            assertArrayEquals(md5.digest(), parts.md5s().get(p), "MD5 of part " + p);
            assertEquals((int) crc.getValue(), parts.crc32cs().get(p), "CRC32C of part " + p);
            assertEquals(p, heard.get(p));
        }
        assertEquals(expectedParts, heard.size());
    }
}
