package dev.switchboard.ui;

/**
 * The six screens of the management UI, in the order of the navigation. A screen's shell is the template
 * {@code screens/<id>.jte}; until that template exists the screen shows {@code screens/coming.jte}.
 */
public enum Screen {
    PROVIDERS("providers", "Provider Dashboard"),
    MODELS("models", "Model Configuration"),
    RULES("rules", "Routing Rules"),
    CHAINS("chains", "Fallback Chains"),
    ANALYTICS("analytics", "Performance Analytics"),
    SETTINGS("settings", "Settings");

    private final String id;
    private final String title;

    Screen(String id, String title) {
        this.id = id;
        this.title = title;
    }

    /** The path segment: the screen is at {@code /ui/<id>}. */
    public String id() {
        return id;
    }

    public String title() {
        return title;
    }

    public String path() {
        return ManagementUi.ROOT + id;
    }

    public String template() {
        return "screens/" + id + ".jte";
    }
}
