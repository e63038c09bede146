package dev.switchboard.quality;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A cheap guess of a text's language, made only when it is clear; otherwise nothing, and nothing is flagged.
 *
 * <p>First the writing system: the Unicode script of most letters (Cyrillic, Greek, Arabic, Hebrew, Devanagari, Thai,
 * Hangul = {@code ko}, kana = {@code ja}, Han alone = {@code zh}). Texts in Latin letters are told apart by their
 * most frequent short words (articles, conjunctions, pronouns) for English, French, German, Spanish, Italian,
 * Portuguese and Dutch; words that several of these languages share count for none. A guess needs at least
 * {@value #MIN_LETTERS} letters, {@value #DOMINANT_SCRIPT_PERCENT}% of them in one script, and for Latin texts at least
 * {@value #MIN_WORD_HITS} telling words with at least twice as many as the runner-up. Languages sharing a script and
 * outside the list above (Russian and Ukrainian, say) are not told apart.
 */
final class LanguageGuess {
    static final int MIN_LETTERS = 20;
    static final int DOMINANT_SCRIPT_PERCENT = 70;
    static final int MIN_WORD_HITS = 3;
    /** Only this much of a text is read: enough to know its language, bounded work on a long answer. */
    static final int MAX_CHARS_READ = 4000;

    private static final Map<Character.UnicodeScript, String> SCRIPTS = scripts();
    private static final Map<String, String> TELLING_WORDS = tellingWords(Map.of(
            "en", "the and is are of to that it with for this you was have not what which they would there their been",
            "fr", "le la les des est et une un du que qui pas pour dans avec sur vous je ce sont mais ou leur très aussi",
            "de", "der die das und ist nicht ein eine ich sie mit zu den auf für es wie auch sind dem wird oder noch",
            "es", "el la los las es y un una que en por para con no se del lo como pero más muy está son también",
            "it", "il la le di che è e un una per non con sono del della si gli come ma anche questo nel alla",
            "pt", "o a os as que e é um uma para com não do da em se por mas mais muito está são também você",
            "nl", "de het een en van is niet dat op te zijn voor met ik je wat er maar ook wordt naar bij"));
    /** How a caller names the language it wants: the names this class can recognise, in English. */
    private static final Map<String, String> NAMES = Map.ofEntries(Map.entry("english", "en"), Map.entry("french", "fr"),
            Map.entry("german", "de"), Map.entry("spanish", "es"), Map.entry("italian", "it"), Map.entry("portuguese", "pt"),
            Map.entry("dutch", "nl"), Map.entry("russian", "cyrillic"), Map.entry("ukrainian", "cyrillic"), Map.entry("greek", "greek"),
            Map.entry("arabic", "arabic"), Map.entry("hebrew", "hebrew"), Map.entry("hindi", "devanagari"), Map.entry("thai", "thai"),
            Map.entry("korean", "ko"), Map.entry("japanese", "ja"), Map.entry("chinese", "zh"));
    /**
     * "answer in French", "reply only in German", "translate this into Spanish": an instruction naming the language.
     * A language merely mentioned ("the word for cat in French?") is no instruction. Bounded gaps: linear time.
     */
    private static final Pattern ASKED_BY_NAME = Pattern.compile("\\b(?:(?:answer|reply|respond|write|speak)(?:\\s+\\w+){0,3}?\\s+in"
            + "|translat\\w*[^.?!\\n]{0,100}?\\b(?:in|into))\\s+(" + String.join("|", NAMES.keySet()) + ")\\b", Pattern.CASE_INSENSITIVE);
    private static final Pattern TRANSLATION = Pattern.compile("\\btranslat", Pattern.CASE_INSENSITIVE);

    private LanguageGuess() {
    }

    /** The language of a text, when clear: a code of {@link #TELLING_WORDS} or a script name. */
    static Optional<String> of(String text) {
        String sample = text.length() > MAX_CHARS_READ ? text.substring(0, MAX_CHARS_READ) : text;
        Map<Character.UnicodeScript, Integer> letters = new EnumMap<>(Character.UnicodeScript.class);
        int total = 0;
        for (int i = 0; i < sample.length(); ) {
            int cp = sample.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isLetter(cp)) {
                letters.merge(Character.UnicodeScript.of(cp), 1, Integer::sum);
                total++;
            }
        }
        if (total < MIN_LETTERS) {
            return Optional.empty();
        }
        int kana = letters.getOrDefault(Character.UnicodeScript.HIRAGANA, 0) + letters.getOrDefault(Character.UnicodeScript.KATAKANA, 0);
        if (kana * 100 >= total * 10) {
            return Optional.of("ja"); // Japanese mixes kana with Han; a tenth in kana tells it from Chinese
        }
        var top = letters.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
        if (top.getValue() * 100 < total * DOMINANT_SCRIPT_PERCENT) {
            return Optional.empty();
        }
        return top.getKey() == Character.UnicodeScript.LATIN ? latin(sample) : Optional.ofNullable(SCRIPTS.get(top.getKey()));
    }

    /**
     * The language a request expects its answer in: one it names ("answer in French", "translate into German"),
     * else the language of its last user message; nothing when it asks for a translation without naming the
     * target or when its language is not clear.
     */
    static Optional<String> asked(String lastUserText) {
        String sample = lastUserText.length() > MAX_CHARS_READ ? lastUserText.substring(lastUserText.length() - MAX_CHARS_READ) : lastUserText;
        Matcher named = ASKED_BY_NAME.matcher(sample);
        String last = null;
        while (named.find()) {
            last = named.group(1);
        }
        if (last != null) {
            return Optional.of(NAMES.get(last.toLowerCase(Locale.ROOT)));
        }
        return TRANSLATION.matcher(sample).find() ? Optional.empty() : of(sample);
    }

    private static Optional<String> latin(String text) {
        Map<String, Integer> hits = new HashMap<>();
        for (String word : text.toLowerCase(Locale.ROOT).split("[^\\p{L}]+")) {
            String language = TELLING_WORDS.get(word);
            if (language != null) {
                hits.merge(language, 1, Integer::sum);
            }
        }
        List<Map.Entry<String, Integer>> ranked = hits.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).toList();
        if (ranked.isEmpty() || ranked.get(0).getValue() < MIN_WORD_HITS) {
            return Optional.empty();
        }
        int second = ranked.size() > 1 ? ranked.get(1).getValue() : 0;
        return ranked.get(0).getValue() >= 2 * second ? Optional.of(ranked.get(0).getKey()) : Optional.empty();
    }

    /** Word → language, leaving out words that more than one language uses. */
    private static Map<String, String> tellingWords(Map<String, String> byLanguage) {
        Map<String, String> owner = new HashMap<>();
        Set<String> shared = new java.util.HashSet<>();
        byLanguage.forEach((language, words) -> {
            for (String w : words.split(" ")) {
                if (owner.putIfAbsent(w, language) != null && !owner.get(w).equals(language)) {
                    shared.add(w);
                }
            }
        });
        shared.forEach(owner::remove);
        return Map.copyOf(owner);
    }

    private static Map<Character.UnicodeScript, String> scripts() {
        Map<Character.UnicodeScript, String> m = new EnumMap<>(Character.UnicodeScript.class);
        m.put(Character.UnicodeScript.CYRILLIC, "cyrillic");
        m.put(Character.UnicodeScript.GREEK, "greek");
        m.put(Character.UnicodeScript.ARABIC, "arabic");
        m.put(Character.UnicodeScript.HEBREW, "hebrew");
        m.put(Character.UnicodeScript.DEVANAGARI, "devanagari");
        m.put(Character.UnicodeScript.THAI, "thai");
        m.put(Character.UnicodeScript.HANGUL, "ko");
        m.put(Character.UnicodeScript.HAN, "zh");
        return m;
    }
}
