package dev.switchboard.ui;

import io.vertx.core.Future;

/** Renders one fragment of a screen from management API calls made with the signed-in user's token. */
@FunctionalInterface
public interface Fragment {
    Future<Rendered> render(UiCall call);
}
