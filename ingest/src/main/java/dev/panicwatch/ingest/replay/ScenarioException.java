package dev.panicwatch.ingest.replay;

import java.util.List;

/** The scenario cannot be replayed; the message lists each problem with its line in events.jsonl. */
public class ScenarioException extends Exception {

    private final List<String> problems;

    public ScenarioException(List<String> problems) {
        super(summary(problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }

    private static String summary(List<String> problems) {
        int shown = Math.min(problems.size(), 20);
        StringBuilder text = new StringBuilder(problems.size() == 1 ? "the scenario has a problem; nothing was published:"
                : "the scenario has " + problems.size() + " problems; nothing was published:");
        for (int i = 0; i < shown; i++) {
            text.append("\n  ").append(problems.get(i));
        }
        if (problems.size() > shown) {
            text.append("\n  … and ").append(problems.size() - shown).append(" more");
        }
        return text.toString();
    }
}
