package io.flywheel.cli;

import io.quarkus.picocli.runtime.PicocliCommandLineFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;

/**
 * Operators get one line, not a stack trace, for the errors they can fix: a missing or unwritable directory, a bad
 * value. Exit 1 for I/O trouble, 2 for bad input; anything else is a bug and keeps its stack trace.
 */
@ApplicationScoped
public class CommandLineSetup {

    @Produces
    CommandLine commandLine(PicocliCommandLineFactory factory) {
        return factory.create().setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            String who = "flywheel " + cmd.getCommandName() + ": ";
            Throwable e = ex instanceof UncheckedIOException u ? u.getCause() : ex;
            if (e instanceof IOException io) {
                cmd.getErr().println(who + describe(io));
                return 1;
            }
            if (e instanceof IllegalArgumentException) {
                cmd.getErr().println(who + e.getMessage());
                return 2;
            }
            cmd.getErr().println(who + "internal error: " + e);
            e.printStackTrace(cmd.getErr());
            return 1;
        });
    }

    static String describe(IOException e) {
        if (e instanceof NoSuchFileException n && n.getReason() == null) {
            return "no such file or directory: " + n.getFile();
        }
        if (e instanceof AccessDeniedException a && a.getReason() == null) {
            return "permission denied: " + a.getFile();
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getFile() == null ? f.getReason() : f.getFile() + ": " + f.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
