package dev.switchboard.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;

/**
 * This instance's name among those sharing a database: {@code SWITCHBOARD_INSTANCE_ID}, else the host name and
 * the data-plane port, else (port chosen by the system) the host name and a random suffix. Shown in the status
 * API and on every data-plane answer ({@code x-switchboard-instance}); an instance restarted under the same id
 * takes back its own budget holds at once.
 */
public final class InstanceId {
    public static final String ENV = "SWITCHBOARD_INSTANCE_ID";
    /** The switchboard_instance.id column's size; characters. */
    static final int MAX_CHARS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private InstanceId() {
    }

    public static String resolve(Map<String, String> env, int port) {
        String configured = env.get(ENV);
        if (configured != null && !configured.isBlank()) {
            String id = configured.strip();
            if (id.length() > MAX_CHARS || !id.matches("[A-Za-z0-9_.:-]+")) {
                throw new IllegalArgumentException(ENV + " is letters, digits, '.', '_', ':' or '-', at most " + MAX_CHARS
                        + " characters, got '" + id + "'");
            }
            return id;
        }
        String host = hostName();
        if (port > 0) {
            return host + ":" + port;
        }
        byte[] suffix = new byte[4];
        RANDOM.nextBytes(suffix);
        return host + "-" + HexFormat.of().formatHex(suffix);
    }

    private static String hostName() {
        try {
            String name = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9_.-]", "-");
            return name.length() > MAX_CHARS - 16 ? name.substring(0, MAX_CHARS - 16) : name;
        } catch (UnknownHostException e) {
            return "switchboard";
        }
    }
}
