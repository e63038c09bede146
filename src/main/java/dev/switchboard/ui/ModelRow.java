package dev.switchboard.ui;

import java.util.List;

/** One row of the model list, with what a fine-tuned model inherits from its base filled in (public: templates read it). */
public record ModelRow(String id, String provider, long contextWindow, double input, double output, List<String> capabilities,
                       List<String> tags, String baseModel) {
}
