package dev.switchboard.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What "contains code" and "contains math" mean, and that they mean what the regular expressions they replace meant. */
class PromptFeaturesTest {
    /** The classifiers this class replaced: the reference for ordinary prompts (quadratic on long ones, so short inputs only). */
    private static final Pattern OLD_CODE = Pattern.compile(
            "```|\\b(def|class|function|import|return|public|private|const|let|var|#include|SELECT|FROM)\\b[^\\n]*[({;:=]");
    private static final Pattern OLD_MATH = Pattern.compile(
            "\\d+\\s*[-+*/^=]\\s*\\d+|\\\\(frac|sum|int|sqrt)|\\b(integral|derivative|equation|solve for|theorem|prove)\\b",
            Pattern.CASE_INSENSITIVE);

    /** Long enough that the old expressions took hours; the bound only guards against a hang, it is no speed claim. */
    private static final int ADVERSARIAL_CHARS = 1 << 20;
    private static final Duration HANG_GUARD = Duration.ofSeconds(10);
    private static final int RANDOM_PROMPTS = 20_000;

    @ParameterizedTest
    @ValueSource(strings = {
            "Fix: def f(x) return x",
            "```\nprint(1)\n```",
            "public static void main(String[] args) {",
            "SELECT name FROM users WHERE id = 3",
            "const x = 1",
            "return;",
            "x.class.getName()",
            "line one\n#include <stdio.h>\nint main() { return 0; }",
            "#include <stdio.h> (all of it)"})
    void should_see_code(String prompt) {
        assertEquals(true, PromptFeatures.containsCode(prompt), prompt);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "hi there",
            "Please import the goods by Friday",
            "the class\n(of 2024) met",
            "define(x) and classes; undefined",
            "`` is not ` nor `a`",
            "select a FROM-less sentence"})
    void should_not_see_code(String prompt) {
        assertEquals(false, PromptFeatures.containsCode(prompt), prompt);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "what is 2+2?|true",
            "12 * 7|true",
            "x^2 = 9|true",
            "10 /\t 5|true",
            "\\frac{1}{2}|true",
            "\\SQRT{2}|true",
            "\\integral|true",
            "Solve For x|true",
            "an INTEGRAL of sin|true",
            "prove it|true",
            "1 -- 2|false",
            "2 + x|false",
            "provers and equations|false",
            "solve  for x|false",
            "version 3.5|false",
            "hi there|false"})
    void should_see_math(String prompt, boolean math) {
        assertEquals(math, PromptFeatures.containsMath(prompt), prompt);
    }

    /**
     * Random prompts built from the pieces both classifiers look at agree with the old regular expressions. ('#'
     * is left out: the old {@code \b#include} only matched after a word character, so "#include" at the start
     * of a line never counted; now it does.)
     */
    @Test
    void should_agree_with_the_old_regular_expressions_on_ordinary_prompts() {
        String[] pieces = {"def", "class", "function", "import", "return", "SELECT", "FROM", "from", "let", "var", "define",
                "(", "{", ";", ":", "=", "`", "```", "\n", " ", "  ", "\t", "1", "42", "+", "-", "*", "/", "^", "x", "_",
                "\\frac", "\\Sum", "\\in", "integral", "Equation", "solve", "for", "solve for", "theorem", "proves", "prove", ".", ","};
        Random random = new Random(42);
        for (int n = 0; n < RANDOM_PROMPTS; n++) {
            StringBuilder prompt = new StringBuilder();
            int count = random.nextInt(12);
            for (int k = 0; k < count; k++) {
                prompt.append(pieces[random.nextInt(pieces.length)]);
            }
            String text = prompt.toString();
            assertEquals(OLD_CODE.matcher(text).find(), PromptFeatures.containsCode(text), () -> "code: " + text);
            assertEquals(OLD_MATH.matcher(text).find(), PromptFeatures.containsMath(text), () -> "math: " + text);
        }
    }

    @Test
    void should_read_a_long_prompt_at_both_ends_only() {
        String middle = " ".repeat(PromptFeatures.HEAD_CHARS);
        String end = " ".repeat(PromptFeatures.TAIL_CHARS);
        assertEquals(true, PromptFeatures.containsCode("def f(x):" + middle + end), "code at the start");
        assertEquals(true, PromptFeatures.containsMath(middle + end + "2+2"), "math at the end");
        assertEquals(false, PromptFeatures.containsCode(middle + " def f(x): " + end), "code only in the middle");
        assertEquals(true, PromptFeatures.containsCode(middle + "def f(x):" + end.substring(9)), "a prompt up to both ends is read whole");
        String cut = middle + "          un" + "def(" + end.substring(4);
        assertEquals(false, PromptFeatures.containsCode(cut), "the tail starts after the word the cut falls in: 'undef(' is no 'def('");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "1+", "def ", "def x", "`` ", "[", "9 ", "\\fra", "solve fo"})
    void should_read_a_mebibyte_of_one_repeated_shape_without_hanging(String shape) {
        String text = shape.repeat(ADVERSARIAL_CHARS / shape.length());
        assertTimeoutPreemptively(HANG_GUARD, () -> {
            PromptFeatures.containsCode(text);
            PromptFeatures.containsMath(text);
        });
    }
}
