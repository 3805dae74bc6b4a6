package io.flywheel.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Prints a shell completion script for every command and option (generated from the same "
                + "definitions as --help).", "",
            "bash:  source <(flywheel completion bash)    or install it as /etc/bash_completion.d/flywheel",
            "zsh:   source <(flywheel completion zsh)     (it loads zsh's bashcompinit itself)"})
public class CompletionCommand implements Callable<Integer> {

    @Parameters(paramLabel = "SHELL", completionCandidates = Shells.class, description = "bash or zsh")
    String shell;

    @Spec
    CommandSpec spec;

    static final class Shells implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.List.of("bash", "zsh").iterator();
        }
    }

    @Override
    public Integer call() {
        Usage.requireParam("bash".equals(shell) || "zsh".equals(shell), spec, shell, "SHELL must be bash or zsh");
        CommandLine top = spec.root().commandLine();
        // picocli's script serves both: under zsh it loads bashcompinit and registers the same function
        String script = AutoComplete.bash(top.getCommandName(), top);
        System.out.print(script);
        System.out.flush();
        return 0;
    }
}
