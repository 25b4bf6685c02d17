package io.albireo.api.metadata;

/** A preset or policy breaks a rule; the message names the rule. Nothing was changed. */
public class InvalidPresetException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** @param message the rule broken, in the operator's words */
    public InvalidPresetException(String message) {
        super(message);
    }
}
