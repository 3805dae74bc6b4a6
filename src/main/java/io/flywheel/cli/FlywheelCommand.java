package io.flywheel.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;

@TopCommand
@Command(name = "flywheel", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Event sidecar for AI agents: live broadcast, a durable write-ahead journal, shipping to MinIO.",
        subcommands = {RunCommand.class, EmitCommand.class, TapCommand.class, VerifyCommand.class, ShipCommand.class,
            StatusCommand.class, GenerateCommand.class, FollowCommand.class})
public class FlywheelCommand {
}
