package io.flywheel.ship;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class S3EndpointTest {

    @Test
    void aPasswordInTheUrlIsDroppedAtOnce() {
        S3Endpoint e = new S3Endpoint("http://user:pa55word@minio.example:9000/", "ak", "sk", "us-east-1");
        assertEquals("http://minio.example:9000/", e.url());
        assertFalse(e.toString().contains("pa55word"));
    }

    @Test
    void anInvalidUrlIsNotQuotedWithItsPassword() {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                () -> new S3Endpoint("http://user:pa 55word@minio.example:9000", "ak", "sk", "us-east-1"));
        assertFalse(x.getMessage().contains("55word"), x.getMessage());
        assertEquals("http://***@minio.example:9000", S3Endpoint.redact("http://user:pa 55word@minio.example:9000"));
    }
}
