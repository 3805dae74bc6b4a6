package io.flywheel.ship;

import io.flywheel.journal.FaultSpec;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.InsufficientDataException;
import io.minio.errors.InvalidResponseException;
import io.minio.errors.ServerException;
import org.jboss.logging.Logger;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What an S3 failure means - retry with backoff, stop the pass, or fix the configuration - and the retry loop that
 * acts on it (exponential backoff, full jitter).
 */
final class S3Failures {
    private static final Logger LOG = Logger.getLogger(S3Failures.class);

    @FunctionalInterface
    interface S3Call<T> {
        T call() throws Exception;
    }

    private final ShipConfig config;
    private final String url;
    /** The fault seam of end-to-end tests ({@code FLYWHEEL_SHIP_FAULT}); null in production. */
    private final FaultSpec faults;

    S3Failures(ShipConfig config, String url) {
        this.config = config;
        this.url = url;
        this.faults = FaultSpec.fromEnvironment(ShipStep.ENV, ShipStep.labels(), "Connection refused");
    }

    /** Runs {@code call}, the request {@code step}, retrying it while the failure is transient (after --retries). */
    <T> T retrying(ShipStep step, String what, S3Call<T> call) throws ShipException {
        for (int attempt = 0; ; attempt++) {
            ShipException failure;
            try {
                if (faults != null) {
                    injected(step);
                }
                return call.call();
            } catch (ShipException e) {
                throw e;
            } catch (Exception e) {
                failure = classify(what, e);
            }
            if (failure.kind() != ShipException.Kind.UNAVAILABLE || attempt >= config.retries()) {
                if (failure.kind() == ShipException.Kind.UNAVAILABLE && config.retries() > 0) {
                    throw new ShipException(failure.kind(), failure.getMessage() + " (gave up after "
                            + (attempt + 1) + " attempts; backlog kept on disk)", failure.getCause());
                }
                throw failure;
            }
            long capMs = config.retryCap().toMillis();
            long expMs = attempt >= 30 ? capMs : Math.min(capMs, config.retryBase().toMillis() << attempt);
            long sleep = ThreadLocalRandom.current().nextLong(expMs + 1); // full jitter
            LOG.debug(failure.getMessage() + "; retrying in " + sleep + " ms");
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new ShipException(ShipException.Kind.UNAVAILABLE, what + ": interrupted", ie);
            }
        }
    }

    /** A failed step is an object store that cannot be reached, retried like one; a held step never returns. */
    private void injected(ShipStep step) throws ConnectException {
        try {
            faults.before(step.label());
        } catch (IOException e) {
            throw new ConnectException(e.getMessage());
        }
    }

    /** The S3 error code of a failure, or null. */
    static String code(Exception e) {
        Throwable t = unwrap(e);
        return t instanceof ErrorResponseException er && er.errorResponse() != null ? er.errorResponse().code() : null;
    }

    static int status(Exception e) {
        Throwable t = unwrap(e);
        return t instanceof ErrorResponseException er && er.response() != null ? er.response().code() : 0;
    }

    static Throwable unwrap(Throwable e) {
        while ((e instanceof ExecutionException || e instanceof CompletionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    ShipException classify(String what, Exception original) {
        Throwable e = unwrap(original);
        ShipException.Kind unavailable = ShipException.Kind.UNAVAILABLE;
        if (e instanceof ErrorResponseException er) {
            String code = er.errorResponse() == null ? null : er.errorResponse().code();
            int status = er.response() == null ? 0 : er.response().code();
            String msg = er.errorResponse() == null ? null : er.errorResponse().message();
            if (code != null) {
                switch (code) {
                    case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken" -> {
                        return new ShipException(ShipException.Kind.CREDENTIALS, what + ": the object store at " + url
                                + " rejected the credentials (" + code + "): check MINIO_ACCESS_KEY / MINIO_SECRET_KEY", e);
                    }
                    case "AccessDenied" -> {
                        return new ShipException(ShipException.Kind.CREDENTIALS, what + ": access denied by " + url
                                + " (wrong credentials or no permission on bucket '" + config.bucket() + "')", e);
                    }
                    case "NoSuchBucket" -> {
                        return new ShipException(ShipException.Kind.CONFIG, "bucket '" + config.bucket()
                                + "' does not exist at " + url + " (create it, or pass --create-bucket)", e);
                    }
                    case "SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "OperationAborted",
                         "ServerBusy", "XMinioServerNotInitialized", "XMinioStorageFull" -> {
                        return new ShipException(unavailable, what + ": object store busy or failing (" + code + ")", e);
                    }
                    default -> {
                    }
                }
            }
            if (status >= 500 || status == 429 || status == 408) {
                return new ShipException(unavailable, what + ": object store answered HTTP " + status
                        + (code == null ? "" : " " + code), e);
            }
            return new ShipException(ShipException.Kind.FATAL, what + ": object store error "
                    + (code == null ? "HTTP " + status : code) + (msg == null ? "" : ": " + msg), e);
        }
        if (e instanceof ServerException se) {
            return new ShipException(unavailable, what + ": object store answered HTTP " + se.statusCode(), e);
        }
        if (e instanceof InvalidResponseException) {
            return new ShipException(unavailable, what + ": unexpected response from " + url + ": " + oneLine(e), e);
        }
        if (e instanceof ConnectException) {
            return new ShipException(unavailable, what + ": cannot connect to " + url + " (" + oneLine(e) + ")", e);
        }
        if (e instanceof UnknownHostException) {
            return new ShipException(unavailable, what + ": unknown host in " + url, e);
        }
        if (e instanceof InterruptedIOException) {
            return new ShipException(unavailable, what + ": timed out talking to " + url, e);
        }
        if (e instanceof SSLException) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("Unsupported or unrecognized SSL message") || m.contains("plaintext")) {
                return new ShipException(ShipException.Kind.CONFIG, "the object store at " + url
                        + " does not speak TLS: if it is plain http, set MINIO_ENDPOINT="
                        + url.replaceFirst("^https://", "http://"), e);
            }
            return new ShipException(ShipException.Kind.CONFIG, what + ": TLS failure with " + url + ": " + oneLine(e)
                    + " (check the certificate, or the scheme in MINIO_ENDPOINT)", e);
        }
        if (e instanceof NoSuchFileException || e instanceof InsufficientDataException) {
            return new ShipException(ShipException.Kind.LOCAL, what + ": local segment changed or vanished: "
                    + oneLine(e), e);
        }
        if (e instanceof IOException) {
            return new ShipException(unavailable, what + ": connection to " + url + " failed (" + oneLine(e) + ")", e);
        }
        return new ShipException(ShipException.Kind.FATAL, what + ": " + oneLine(e), e);
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage();
        String s = e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
