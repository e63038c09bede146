package dev.switchboard.ui;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import java.util.Map;

/**
 * The JTE templates of {@code src/main/jte}, precompiled into classes by jte-maven-plugin at build time (no
 * compiler at run time). Output is HTML-escaped by default: {@code ${value}} can never inject markup.
 */
final class Templates {
    private final TemplateEngine engine = TemplateEngine.createPrecompiled(ContentType.Html);

    String render(String template, Map<String, Object> params) {
        StringOutput out = new StringOutput();
        engine.render(template, params, out);
        return out.toString();
    }

    boolean exists(String template) {
        return engine.hasTemplate(template);
    }
}
