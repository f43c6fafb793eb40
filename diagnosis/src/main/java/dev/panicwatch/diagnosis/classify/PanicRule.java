package dev.panicwatch.diagnosis.classify;

import java.util.regex.Pattern;

/**
 * One row of the classification table: when {@link #fragment} occurs in a panic string, the panic is
 * {@link #panicClass}, and {@link #scaling} says whether vti governs the timeout that fired.
 *
 * @param panicClass the class this wording belongs to
 * @param variant    a short stable name for the wording, shown in reasons and tests
 * @param fragment   the wording as XNU prints it; every quantifier is bounded so matching stays linear
 * @param scaling    how vti relates to the timeout behind this wording
 * @param reason     what XNU does here, in a sentence
 */
public record PanicRule(PanicClass panicClass, String variant, Pattern fragment, VtiScaling scaling, String reason) {

    static PanicRule rule(PanicClass panicClass, String variant, String regex, VtiScaling scaling, String reason) {
        return new PanicRule(panicClass, variant, Pattern.compile(regex), scaling, reason);
    }

    boolean matches(String panicString) {
        return fragment.matcher(panicString).find();
    }
}
