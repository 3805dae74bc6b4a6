package io.flywheel.cli;

import picocli.CommandLine.IVersionProvider;

public class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return BuildInfo.load().lines().toArray(String[]::new);
    }
}
