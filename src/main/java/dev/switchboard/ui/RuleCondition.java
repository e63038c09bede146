package dev.switchboard.ui;

/**
 * One row of the condition builder as the form holds it: {@code fact.field}, operator and value as typed (public:
 * templates read it).
 */
public record RuleCondition(String field, String op, String value) {
}
