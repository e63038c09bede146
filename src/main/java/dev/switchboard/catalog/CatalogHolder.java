package dev.switchboard.catalog;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The catalog in force. A change builds a whole new immutable catalog and swaps it in atomically; listeners
 * (the pipeline's model routes) hear about it before the next request can use it.
 */
public final class CatalogHolder implements Supplier<Catalog> {
    private final AtomicReference<Catalog> current;
    private final List<BiConsumer<Catalog, Catalog>> listeners = new CopyOnWriteArrayList<>();

    public CatalogHolder(Catalog initial) {
        this.current = new AtomicReference<>(initial);
    }

    @Override
    public Catalog get() {
        return current.get();
    }

    /** Called with (before, after) on every change, on the changing thread, before the new catalog serves. */
    public void onChange(BiConsumer<Catalog, Catalog> listener) {
        listeners.add(listener);
    }

    /** Applies a change; serialised so two changes never lose each other. */
    public synchronized Catalog update(UnaryOperator<Catalog> change) {
        Catalog before = current.get();
        Catalog after = change.apply(before);
        listeners.forEach(l -> l.accept(before, after));
        current.set(after);
        return after;
    }
}
