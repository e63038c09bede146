package dev.switchboard.ui;

/** A screen's fragments: registered once at start with {@link ManagementUi#get} and its siblings. */
public interface UiScreen {
    void register(ManagementUi ui);
}
