package dev.switchboard.ui;

/** Who is signed in, as the management API's {@code /admin/api/whoami} answers: a fragment offers only what the role may do. */
public record Viewer(String name, String role) {

    /** Editors and admins change the catalog, chains, rules and agents. */
    public boolean canEdit() {
        return role.equals("editor") || canAdmin();
    }

    /** Only admins reach providers' keys, tokens and the audit log. */
    public boolean canAdmin() {
        return role.equals("admin");
    }
}
