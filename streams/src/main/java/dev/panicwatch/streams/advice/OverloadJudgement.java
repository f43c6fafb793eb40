package dev.panicwatch.streams.advice;

import java.util.List;

/**
 * Whether the host was overloaded around a panic, and the readable facts behind it.
 *
 * @param overloaded true when at least one signal reached its threshold
 * @param crossed    the signals that reached their thresholds, as phrases
 * @param below      the signals that stayed below, as phrases
 */
public record OverloadJudgement(boolean overloaded, List<String> crossed, List<String> below) {

    public OverloadJudgement {
        crossed = List.copyOf(crossed);
        below = List.copyOf(below);
    }
}
