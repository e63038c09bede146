package dev.switchboard.tokens;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Token counts of a chat prompt before the provider reports its own: exact for OpenAI's models (their
 * tokenizers, through jtokkit), a calibrated estimate for the others. Budgets reserve with it, so every
 * estimate errs high: the reservation must never be below what the provider bills.
 *
 * <p>Providers without a tokenizer library are counted as o200k_base tokens times a factor: tokenizers
 * disagree mostly by a stable ratio for the same text (prose or code alike), which characters do not track
 * (code and non-Latin scripts have far fewer characters per token than English prose). The factors are the
 * published or measured ratios against o200k_base, rounded up:
 * <ul>
 *   <li>Anthropic 1.35: Claude's tokenizer yields up to about 35 % more tokens than OpenAI's for the same text
 *       (Anthropic's own note on its newest tokenizer; older Claude models sit at about 1.2).</li>
 *   <li>Gemini 1.15: SentencePiece with a 256k vocabulary, close to o200k_base, a little more on code.</li>
 *   <li>Everything else 1.35 (Llama, Mistral, Qwen, DeepSeek, Grok, local models): tokenizers from 32k to 150k
 *       vocabularies; the smallest ones yield about a third more tokens than o200k_base.</li>
 * </ul>
 */
public final class TokenCounter {
    /**
     * Tokens each message costs beyond its text (OpenAI's chat format: {@code <|start|>role<|message|>...<|end|>}),
     * and one more when it has a {@code name}; per OpenAI's cookbook "How to count tokens with tiktoken".
     */
    static final int PER_MESSAGE = 3;
    static final int PER_NAME = 1;
    /** Every answer is primed with {@code <|start|>assistant<|message|>}. */
    static final int REPLY_PRIMING = 3;
    /**
     * Tokens one image may cost at the providers' default detail: about 1,450 at OpenAI's largest (2048x768,
     * high detail) and 1,600 at Anthropic's (1.15 megapixels); rounded up. An image is never counted by its
     * base64 length, which would overstate it a hundredfold.
     */
    static final int IMAGE_TOKENS = 2_500;
    private static final Set<String> IMAGE_PARTS = Set.of("image_url", "input_image", "image");

    private static final Tokenizer O200K = new Tokenizer(EncodingType.O200K_BASE);
    private static final Tokenizer CL100K = new Tokenizer(EncodingType.CL100K_BASE);

    /** How one model's tokens are counted: which tokenizer, times which factor (1 when it is the model's own). */
    public enum Scheme {
        O200K_BASE(O200K, 1.0),
        CL100K_BASE(CL100K, 1.0),
        ANTHROPIC(O200K, 1.35),
        GEMINI(O200K, 1.15),
        OTHER(O200K, 1.35);

        private final Tokenizer encoding;
        private final double factor;

        Scheme(Tokenizer encoding, double factor) {
            this.encoding = encoding;
            this.factor = factor;
        }

        /** The tokens of one text in this scheme. */
        public long text(String text) {
            return scale(encoding.count(text));
        }

        private long scale(long tokens) {
            return factor == 1.0 ? tokens : (long) Math.ceil(tokens * factor);
        }
    }

    private TokenCounter() {
    }

    /**
     * The scheme of a model by its provider's wire format ({@code type} in the catalog) and the id the provider
     * knows it by. OpenAI's models before GPT-4o (GPT-4, GPT-3.5, the ada-002 embeddings) use cl100k_base; the
     * rest, and models OpenAI releases later, o200k_base.
     */
    public static Scheme scheme(String providerType, String upstreamId) {
        String type = providerType == null ? "" : providerType;
        return switch (type) {
            case "openai" -> isCl100k(upstreamId == null ? "" : upstreamId.toLowerCase(Locale.ROOT)) ? Scheme.CL100K_BASE : Scheme.O200K_BASE;
            case "anthropic" -> Scheme.ANTHROPIC;
            case "gemini" -> Scheme.GEMINI;
            default -> Scheme.OTHER;
        };
    }

    private static boolean isCl100k(String id) {
        return id.startsWith("gpt-3.5") || id.startsWith("text-embedding-3") || id.startsWith("text-embedding-ada")
                || (id.startsWith("gpt-4") && !id.startsWith("gpt-4o") && !id.startsWith("gpt-4.1") && !id.startsWith("gpt-4.5"));
    }

    /**
     * A chat-completions prompt: every message with its framing (text, tool calls and their results, names;
     * images at {@link #IMAGE_TOKENS}), the reply priming, and the tool and function definitions by their JSON
     * text (more than the providers' own rendering of them, never less).
     */
    public static long chatPrompt(JsonNode body, Scheme scheme) {
        long tokens = REPLY_PRIMING;
        for (JsonNode message : body.path("messages")) {
            tokens += PER_MESSAGE + (message.hasNonNull("name") ? PER_NAME : 0) + values(message, scheme.encoding);
        }
        tokens += definitions(body.get("tools"), scheme.encoding) + definitions(body.get("functions"), scheme.encoding);
        return scheme.scale(tokens);
    }

    /** One message of a chat prompt with its framing, as {@link #chatPrompt} counts it (rounded up when scaled). */
    public static long message(JsonNode message, Scheme scheme) {
        return scheme.scale(PER_MESSAGE + (message.hasNonNull("name") ? PER_NAME : 0) + values(message, scheme.encoding));
    }

    /** What a chat prompt costs beside its messages: the reply priming and the tool and function definitions. */
    public static long framing(JsonNode body, Scheme scheme) {
        return scheme.scale(REPLY_PRIMING + definitions(body.get("tools"), scheme.encoding) + definitions(body.get("functions"), scheme.encoding));
    }

    private static long definitions(JsonNode node, Tokenizer encoding) {
        return node == null || node.isNull() || node.isEmpty() ? 0 : encoding.count(node.toString());
    }

    /** The tokens of every value in a message (names of fields are framing, not text), images at their flat rate. */
    private static long values(JsonNode node, Tokenizer encoding) {
        if (node == null || node.isNull()) {
            return 0;
        }
        if (node.isValueNode()) {
            return encoding.count(node.asText());
        }
        if (node.isObject() && IMAGE_PARTS.contains(node.path("type").asText(""))) {
            return IMAGE_TOKENS;
        }
        long tokens = 0;
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                tokens += values(it.next().getValue(), encoding);
            }
        } else {
            for (JsonNode item : node) {
                tokens += values(item, encoding);
            }
        }
        return tokens;
    }

    /**
     * One encoding with memos of counts. A conversation is sent again, whole, with every turn: remembering the turns
     * already counted keeps a growing conversation's count to its new turn. Texts up to {@link #TABLE_MAX_CHARS} are
     * remembered in a fixed table (nearly free to fill, so a text seen once costs little more than counting it),
     * longer ones in a cache bounded by their size; texts under {@link #MEMO_MIN_CHARS} are counted directly, which
     * is cheaper than hashing them.
     *
     * <p>A text never seen before is the expensive case: o200k_base's pre-tokenizer (a Unicode regular expression)
     * takes about 0.2 µs a token. For ASCII text (most prompts and code) o200k_base is split by hand instead
     * ({@link O200kAsciiSplitter}) and each piece counted from a table of pieces: words recur across texts, so a new
     * text costs a scan and a lookup a piece. cl100k_base has jtokkit's own hand-written splitter.
     */
    private static final class Tokenizer {
        /** Texts shorter than this (characters) are not remembered. */
        private static final int MEMO_MIN_CHARS = 32;
        /** Texts up to this long (characters) go in the table: 4,096 of them at most, 16 Mi characters. */
        private static final int TABLE_MAX_CHARS = 4_096;
        private static final int TABLE_SLOTS = 1 << 12;
        /** The longer texts' memo bound in characters (about 32 MiB of strings). */
        private static final long MEMO_MAX_CHARS = 16L << 20;
        /** Pieces (words, runs of punctuation or spaces): 64k of them, of at most 64 characters (longer ones are rare). */
        private static final int PIECE_SLOTS = 1 << 16;
        private static final int PIECE_MAX_CHARS = 64;

        private final Encoding encoding;
        private final LossyMemo texts = new LossyMemo(TABLE_SLOTS, TABLE_MAX_CHARS);
        private final Cache<String, Integer> longTexts = Caffeine.newBuilder()
                .maximumWeight(MEMO_MAX_CHARS).weigher((String text, Integer tokens) -> text.length()).build();
        /** Pieces of ASCII text and their tokens; null when this encoding has no hand-written splitter here. */
        private final LossyMemo pieces;

        Tokenizer(EncodingType type) {
            this.encoding = Encodings.newLazyEncodingRegistry().getEncoding(type);
            this.pieces = type == EncodingType.O200K_BASE ? new LossyMemo(PIECE_SLOTS, PIECE_MAX_CHARS) : null;
        }

        long count(String text) {
            if (text.length() < MEMO_MIN_CHARS) {
                return uncounted(text);
            }
            if (text.length() <= TABLE_MAX_CHARS) {
                return texts.count(text, 0, text.length(), this::uncounted);
            }
            return longTexts.get(text, this::uncounted);
        }

        private int uncounted(String text) {
            if (pieces == null) {
                return encoding.countTokensOrdinary(text);
            }
            int n = text.length();
            int tokens = 0;
            for (int start = 0; start < n; ) {
                int end = O200kAsciiSplitter.pieceEnd(text, start, n);
                if (end == O200kAsciiSplitter.NOT_ASCII) {
                    return encoding.countTokensOrdinary(text);
                }
                tokens += pieces.count(text, start, end, encoding::countTokensOrdinary);
                start = end;
            }
            return tokens;
        }
    }

    /**
     * Token counts in a fixed table indexed by the text's hash: a text that lands on a taken slot replaces the one
     * there, so the table never grows and filling it costs one store. Entries are immutable, so threads read and
     * replace them without locks. Keys are ranges of a larger text, compared in place.
     */
    private static final class LossyMemo {
        /** Characters of a text its slot is chosen by, besides its ends. */
        private static final int HASHED_CHARS = 32;
        /** Characters at each end of a text that are always hashed: where texts of one template differ (names, numbers). */
        private static final int HASHED_ENDS = 16;

        private record Entry(String text, int tokens) {
        }

        private final Entry[] slots;
        private final int maxChars;

        LossyMemo(int slots, int maxChars) {
            this.slots = new Entry[slots];
            this.maxChars = maxChars;
        }

        int count(String text, int start, int end, java.util.function.ToIntFunction<String> counter) {
            int length = end - start;
            boolean whole = start == 0 && end == text.length();
            if (length > maxChars) {
                return counter.applyAsInt(whole ? text : text.substring(start, end));
            }
            int hash = hash(text, start, end);
            int slot = (hash ^ (hash >>> 16)) & (slots.length - 1);
            Entry known = slots[slot];
            if (known != null && known.text().length() == length && known.text().regionMatches(0, text, start, length)) {
                return known.tokens();
            }
            String key = whole ? text : text.substring(start, end);
            int tokens = counter.applyAsInt(key);
            slots[slot] = new Entry(key, tokens);
            return tokens;
        }

        /**
         * The slot's hash: of the whole of a short text, else of its length, its ends and {@link #HASHED_CHARS} characters
         * spread between them; hashing all of a long new text would cost a good part of counting it. Texts that share all
         * of these only take each other's slot.
         */
        private static int hash(String text, int start, int end) {
            int length = end - start;
            int hash = length;
            if (length <= 2 * HASHED_ENDS + HASHED_CHARS) {
                for (int i = start; i < end; i++) {
                    hash = 31 * hash + text.charAt(i);
                }
                return hash;
            }
            for (int i = start; i < start + HASHED_ENDS; i++) {
                hash = 31 * hash + text.charAt(i);
            }
            for (int i = end - HASHED_ENDS; i < end; i++) {
                hash = 31 * hash + text.charAt(i);
            }
            int step = (length - 2 * HASHED_ENDS) / HASHED_CHARS;
            for (int i = start + HASHED_ENDS; i < end - HASHED_ENDS; i += step) {
                hash = 31 * hash + text.charAt(i);
            }
            return hash;
        }
    }
}
