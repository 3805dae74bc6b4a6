package io.flywheel.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@TopCommand
@Command(name = "flywheel", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Event sidecar for AI agents: live broadcast, a durable write-ahead journal, shipping to MinIO.",
        footer = {"", "Every option can also come from FLYWHEEL_<COMMAND>_<OPTION> or FLYWHEEL_<OPTION> (e.g. FLYWHEEL_DIR), "
                + "then from /etc/flywheel/flywheel.properties or --config FILE; `flywheel COMMAND --print-config` shows "
                + "what is in effect. More: flywheel help COMMAND, man flywheel, docs/EVENTS.md."},
        subcommands = {RunCommand.class, EmitCommand.class, TapCommand.class, FollowCommand.class, VerifyCommand.class,
            ShipCommand.class, StatusCommand.class, GenerateCommand.class, CommandLine.HelpCommand.class,
            CompletionCommand.class, ManPage.class})
public class FlywheelCommand {
}
